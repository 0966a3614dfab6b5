"""The ``Protonats-Schema`` header is checked on decode: a message that says it carries another
schema is a ``DecodeError`` (an actor dead-letters it as undecodable, with the reason), even
when its bytes decode; a message without the header decodes as before."""

from __future__ import annotations

import dataclasses

import pytest
from nats.js import JetStreamContext

from protonats import Actor, Actors, DecodeError, Event

from .helpers import registered, take
from .models import User
from .test_actors import dead_letters, settled


@dataclasses.dataclass
class Refund:  # another event's schema whose JSON happens to decode as a User
    id: str
    name: str


async def test_a_message_of_another_schema_is_a_decode_error_not_a_misdecode(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    users = Event(f"users-{unique}", User)
    refunds = Event(f"refunds-{unique}", Refund)
    payload = b'{"id":"ord-1","name":"refund"}'
    async with registered(nats_url, users, refunds) as conn:
        assert users.decode(payload) == User("ord-1", "refund")  # the bytes alone fit
        # A producer bug: a refund sent on the users' subject, saying what it is.
        await js.publish(
            users.subject_name, payload, headers={"Protonats-Schema": refunds.schema_name}
        )
        await js.publish(users.subject_name, payload)  # no header: decoded as today
        await conn.emit(users, User("2", "ann"))  # the right header
        deliveries = await take(conn.tail(users, from_start=True), 3)
        with pytest.raises(
            DecodeError, match=r"carries schema '.*Refund'.*Protonats-Schema"
        ) as err:
            _ = deliveries[0].data
        assert err.value.event == users.name
        assert err.value.raw == payload
        assert deliveries[1].data == User("ord-1", "refund")
        assert deliveries[2].data == User("2", "ann")

        handled: list[str] = []

        async def handle(user: User) -> None:
            handled.append(user.id)

        async with Actors(Actor("greeter", users, handle)).connect(nats_url) as actors:
            await actors.register()
            await actors.listen(burst=True, handle_signals=False)
        assert sorted(handled) == ["2", "ord-1"]
        await settled(js, users, "greeter")
    [dead] = await dead_letters(js, users)
    headers = dead.headers or {}
    assert headers["Protonats-Dead-Reason"] == "undecodable"
    assert headers["Protonats-Dead-Error-Type"] == "protonats.DecodeError"
    assert refunds.schema_name in headers["Protonats-Dead-Error"]
