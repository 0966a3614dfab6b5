"""A uid is the uid the caller gave: a uid or header value the client would change on the wire
(stripped, CR/LF made spaces), cannot send (not a UTF-8 str) or the server would refuse (too
big) is an ``EmitError`` naming it and why, before anything is sent — in ``emit``,
``emit_many`` (the index named) and dead-letter replay. Never a silent duplicate."""

from __future__ import annotations

from typing import Any

import pytest
from nats.js import JetStreamContext

from protonats import Actor, Actors, EmitError, Event, Events, _wire
from protonats.actors._config import dead_letter_subject

from .helpers import ack, take
from .models import User

USER = User(id="u1", name="Ada")

BAD_UIDS: list[tuple[object, str]] = [
    ("order-1 ", "whitespace, which the client strips"),
    (" order-1", "whitespace, which the client strips"),
    ("order-1\u00a0", "whitespace, which the client strips"),
    ("line1\nline2", "CR or LF"),
    ("line1\rline2", "CR or LF"),
    ("tab\there", "control character '\\t'"),
    ("nul\x00", "control character '\\x00'"),
    ("c1\x85", "control character '\\x85'"),
    ("half\ud800", "lone surrogate"),
    ("", "an empty uid is no uid"),
    (b"order-1", "it is bytes, not str"),
    (42, "it is int, not str"),
]


async def count(js: JetStreamContext, stream: str) -> int:
    return (await js.stream_info(stream)).state.messages


@pytest.mark.parametrize(("uid", "why"), BAD_UIDS, ids=lambda v: repr(v)[:20])
async def test_emit_refuses_a_uid_that_would_not_arrive_as_given(
    nats_url: str, unique: str, js: JetStreamContext, uid: Any, why: str
) -> None:
    event = Event(f"uid-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        with pytest.raises(EmitError) as caught:
            await conn.emit(event, USER, uid=uid)
        assert f"uid {repr(uid)[:20]}" in str(caught.value)
        assert why in str(caught.value)
        assert "Nothing was sent" in str(caught.value)
    assert await count(js, event.stream_name) == 0


async def test_distinct_uids_are_never_merged(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """The reported case: 'order-1' then 'order-1 ' gave duplicate=True and lost the second."""
    event = Event(f"distinct-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        first = await conn.emit(event, USER, uid="order-1")
        assert first is not None
        assert not first.duplicate
        for uid in ["order-1 ", "line1\nline2"]:
            with pytest.raises(EmitError):
                await conn.emit(event, USER, uid=uid)
        others = [await conn.emit(event, USER, uid=u) for u in ["line1 line2", "commande-é"]]
        assert [a is not None and a.duplicate for a in others] == [False, False]
        assert (await conn.emit(event, USER, uid="commande-é")).duplicate
        deliveries = conn.consume(event, "reader", idle_timeout=None)
        got = await take(deliveries, 3, handle=ack)
        assert [d.headers["Nats-Msg-Id"] for d in got] == ["order-1", "line1 line2", "commande-é"]
    assert await count(js, event.stream_name) == 3


async def test_a_uid_over_the_servers_header_limit_is_refused_before_sending(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"long-uid-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        # The headers emit sends, with an empty uid; JetStream stores at most 65535 bytes.
        base = _wire.header_size(
            {
                _wire.CONTENT_TYPE: event.content_type,
                _wire.SCHEMA: event.schema_name,
                _wire.EXPECTED_STREAM: event.stream_name,
                _wire.MSG_ID: "",
            }
        )
        longest = _wire.MAX_HEADER_SIZE - base
        for too_long in ["u" * (longest + 1), "u" * 70_000]:
            with pytest.raises(EmitError, match="over the 65535 bytes JetStream stores"):
                await conn.emit(event, USER, uid=too_long)
        ack_ = await conn.emit(event, USER, uid="u" * longest)  # the server takes it
        assert ack_ is not None
        assert not ack_.duplicate
    assert await count(js, event.stream_name) == 1


async def test_emit_many_names_the_index_and_sends_nothing(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"batch-uid-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        with pytest.raises(EmitError) as caught:
            await conn.emit_many(event, [USER] * 4, uids=["a", "b", "c ", "d"])
        assert "uid 'c '" in str(caught.value)
        assert "message #2 of the batch" in str(caught.value)
        acks = await conn.emit_many(event, [USER] * 3, uids=["a", "b", "c"])
        assert [a.seq for a in acks] == [1, 2, 3]
    assert await count(js, event.stream_name) == 3


BAD_HEADERS: list[tuple[dict[str, Any], str]] = [
    ({"X-Count": 5}, "header 'X-Count' value 5 would not arrive as given: it is int, not str"),
    ({"X-Raw": b"v"}, "it is bytes, not str"),
    ({"X-Half": "a\udc80"}, "lone surrogate"),
    ({"X-Padded": " v"}, "whitespace"),
    ({"X-Multi": "a\r\nInjected: 1"}, "CR or LF"),
    ({"Bad Name": "v"}, "a header name is letters, digits"),
    ({"ce-source": "\ud800"}, "lone surrogate"),
]


@pytest.mark.parametrize(("headers", "why"), BAD_HEADERS, ids=lambda v: repr(v)[:24])
async def test_header_values_that_would_not_arrive_as_given_are_refused(
    nats_url: str, unique: str, js: JetStreamContext, headers: dict[str, Any], why: str
) -> None:
    event = Event(f"hdr-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        with pytest.raises(EmitError, match="Nothing was sent") as caught:
            await conn.emit(event, USER, headers=headers)
        assert why in str(caught.value)
        with pytest.raises(EmitError, match="Nothing was sent"):
            await conn.emit_many(event, [USER], headers=headers)
        with pytest.raises(EmitError, match="Protonats-Trace-Id"):
            await conn.emit(event, USER, trace_id="trace\n1")
        # A CloudEvents attribute is percent-encoded on the way: spaces arrive as given.
        assert await conn.emit(event, USER, meta={"ce-subject": " spaced "}) is not None
    assert await count(js, event.stream_name) == 1


async def never(message: User) -> None:
    raise LookupError("not now")


def dead_letter(uid: str, seq: int) -> dict[str, str]:
    return {"Protonats-Dead-Uid": uid, "Protonats-Dead-Actor": "keeper",
            "Protonats-Dead-Seq": str(seq)}  # fmt: skip


async def test_replay_keeps_a_non_ascii_uid_and_refuses_one_it_would_change(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """Dead letters are read back with their headers as sent (nats-py's own parse turns
    non-ASCII into U+FFFD: two uids would merge), and a uid that would be sent otherwise
    stops the replay before anything is sent."""
    event = Event(f"replayed-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        await conn.emit(event, USER, uid="commande-é")
        await conn.emit(event, User(id="u2", name="Bob"), uid="commande-ü")
    actors = Actors(Actor("keeper", event, never, max_attempts=1))
    async with actors.connect(nats_url) as connected:
        await connected.register()
        await connected.listen(burst=True, handle_signals=False)
        letters = await connected.dead_letters(event)
        assert [x.uid for x in letters] == ["commande-é", "commande-ü"]
    dead = f"{event.name}-dead"
    await js.purge_stream(dead)
    # Dead letters another producer stored: a non-ASCII uid, and one with a control character.
    payload = b'{"id": "u3", "name": "Cy"}'
    await js.publish(dead_letter_subject(event), payload, headers=dead_letter("relivré-à", 7))
    await js.publish(dead_letter_subject(event), payload, headers=dead_letter("tab\there", 8))
    async with actors.connect(nats_url) as connected:
        with pytest.raises(EmitError) as caught:
            await connected.replay_dead_letters(event)
        assert "uid 'tab\\there'" in str(caught.value)
        assert "Nothing was replayed" in str(caught.value)
        assert len(await connected.dead_letters(event)) == 2  # both kept, nothing sent
        assert await count(js, event.stream_name) == 2
        await js.delete_msg(dead, (await connected.dead_letters(event))[1].seq)
        [done] = await connected.replay_dead_letters(event)
    assert (done.new_seq, done.duplicate) == (3, False)
    async with Events(event).connect(nats_url) as conn:
        got = await take(conn.consume(event, "after-replay"), 3, handle=ack)
    assert got[2].headers["Nats-Msg-Id"] == "relivré-à"
