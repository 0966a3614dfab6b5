"""walnats' ``emit(delay=...)`` and ``emit(meta=...)``: delay through the server's own message
scheduling (nats-server 2.12+) on events declared with ``allow_delay=True``; meta as extra
headers or a ``CloudEvent``'s ``ce-*`` headers."""

from __future__ import annotations

import datetime
import time

import pytest

from protonats import (
    Action,
    CloudEvent,
    DelayError,
    Discard,
    Event,
    EventDeclarationError,
    Events,
    Limits,
    ServerTooOldError,
    StreamConfigError,
    stream_config,
)
from protonats.jetstream._delay import schedule
from protonats.jetstream._features import ServerInfo, event_support_error

from .helpers import registered
from .models import User

USER = User(id="1", name="Ada")


def delayed(unique: str, **kwargs: object) -> Event[User]:
    return Event(f"user-delayed-{unique}", User, allow_delay=True, **kwargs)  # type: ignore[arg-type]


def test_the_stream_allows_schedules_on_its_own_delayed_subjects() -> None:
    config = stream_config(delayed("cfg"))
    assert config.subjects == ["user-delayed-cfg", "user-delayed-cfg.delayed.*"]
    assert config.allow_msg_schedules is True
    plain = stream_config(Event("user-plain", User))
    assert plain.subjects == ["user-plain"]
    assert not plain.allow_msg_schedules


def test_allow_delay_needs_discard_old() -> None:
    with pytest.raises(EventDeclarationError, match="discard new"):
        Event("x-happened", User, allow_delay=True, discard=Discard.NEW)


def test_refusals_before_anything_is_sent() -> None:
    now = datetime.datetime(2030, 1, 1, tzinfo=datetime.UTC)
    event = delayed("pure", limits=Limits(age=60))
    new = ServerInfo((2, 12, 0))
    subject, headers = schedule(event, {"A": "1"}, 1.5, uid="u", server=new, now=now)
    assert subject.startswith("user-delayed-pure.delayed.")
    assert headers == {
        "A": "1",
        "Nats-Schedule": "@at 2030-01-01T00:00:01.500000Z",
        "Nats-Schedule-Target": "user-delayed-pure",
    }
    again, _ = schedule(event, {}, 9, uid="u", server=ServerInfo(), now=now)
    assert again == subject  # the same uid: the same schedule, replaced on retry
    for bad, why in [
        (-1, "must not be negative"),
        (float("nan"), "must be a number"),
        (60, "not shorter than limits.age 60 s"),
    ]:
        with pytest.raises(DelayError, match=why):
            schedule(event, {}, bad, uid=None, server=ServerInfo())
    with pytest.raises(DelayError, match="allow_delay=True"):
        schedule(Event("user-plain", User), {}, 1, uid=None, server=ServerInfo())
    with pytest.raises(ServerTooOldError, match=r"nats-server 2\.11\.4, JetStream API level 1"):
        schedule(event, {}, 1, uid=None, server=ServerInfo((2, 11, 4), 1))
    refusal = event_support_error(event, ServerInfo((2, 11, 4)))
    assert isinstance(refusal, StreamConfigError)
    assert "message scheduling, which nats-server 2.11.4 does not have" in str(refusal)
    assert (refusal.feature, refusal.needed, refusal.server_version) == (
        "message scheduling",
        "2.12.0",
        "2.11.4",
    )
    assert event_support_error(event, ServerInfo((2, 12, 0))) is None
    assert event_support_error(event, ServerInfo((2, 11, 9), api_level=2)) is None


async def test_a_delayed_message_arrives_later_and_once(nats_url: str, unique: str) -> None:
    event = delayed(unique)
    async with registered(nats_url, event) as conn:
        assert [p.action for p in await conn.plan()] == [Action.UNCHANGED]  # no endless diff
        start = time.monotonic()
        first = await conn.emit(event, USER, uid="welcome-1", delay=1.0)
        again = await conn.emit(event, USER, uid="welcome-1", delay=1.0)  # a retry
        assert first is not None
        assert again is not None
        assert (first.duplicate, again.duplicate) == (False, True)
        await conn.emit(event, User(id="2", name="Bob"))  # not delayed: first to arrive
        got = []
        async for delivery in conn.tail(event, from_start=True, idle_timeout=5.0):
            got.append((delivery.data.id, time.monotonic() - start, delivery.headers))
            if len(got) == 2:
                break
    assert [user_id for user_id, _, _ in got] == ["2", "1"]
    assert got[1][1] >= 0.9  # published by the server when due, not before
    headers = got[1][2]
    assert headers["Content-Type"] == "application/json"
    assert headers["Protonats-Schema"] == "User"
    assert headers["Nats-Scheduler"].startswith(f"user-delayed-{unique}.delayed.")


async def test_delay_on_an_event_without_allow_delay_sends_nothing(
    nats_url: str, unique: str
) -> None:
    event = Event(f"user-undelayed-{unique}", User)
    async with registered(nats_url, event) as conn:
        with pytest.raises(DelayError, match="allow_delay=True"):
            await conn.emit(event, USER, delay=1)
        info = await conn.client.jetstream().stream_info(event.stream_name)
        assert info.state.messages == 0


async def test_allow_delay_cannot_be_turned_off(nats_url: str, unique: str) -> None:
    async with registered(nats_url, delayed(unique)):
        pass
    async with Events(Event(f"user-delayed-{unique}", User)).connect(nats_url) as conn:
        (plan,) = await conn.plan()
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, StreamConfigError)
    assert "JetStream cannot change allow_msg_schedules" in str(plan.error)
    assert "allow_delay: True → False" in [str(c) for c in plan.changes]


async def test_meta_is_headers_or_a_cloud_event(nats_url: str, unique: str) -> None:
    event = Event(f"user-meta-{unique}", User)
    when = datetime.datetime(2024, 5, 1, 10, 0, tzinfo=datetime.UTC)
    cloud = CloudEvent(id="ce-1", source="/signup", type="user.created", time=when)
    async with registered(nats_url, event) as conn:
        await conn.emit(event, USER, meta={"X-Tenant": "acme"})
        await conn.emit(event, USER, meta=cloud)
        await conn.emit(event, USER, meta=cloud)  # its id is the uid: stored once
        seen = [d.headers async for d in conn.tail(event, from_start=True, idle_timeout=1.0)]
    assert len(seen) == 2
    assert seen[0]["X-Tenant"] == "acme"
    assert seen[1]["Nats-Msg-Id"] == "ce-1"
    assert {k: v for k, v in seen[1].items() if k.startswith("ce-")} == {
        "ce-id": "ce-1",
        "ce-source": "/signup",
        "ce-type": "user.created",
        "ce-specversion": "1.0",
        "ce-time": "2024-05-01T10:00:00Z",
    }
