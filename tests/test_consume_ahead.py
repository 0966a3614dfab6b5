"""consume asks for the next messages while the application handles the ones in hand
(``jetstream/_pull_ahead.py``): every message still comes once and in order, a reader that
stops leaves no request behind to take what is stored next, and a request the consumer
refuses is an error, not a loop."""

from __future__ import annotations

import time

import pytest
from nats.js import JetStreamContext

from protonats import Event
from protonats.testing import nats_server

from .helpers import ack, registered, take
from .models import User
from .test_actors import settled


@pytest.mark.parametrize("max_ack_pending", [7, 1000])
async def test_each_message_once_in_order_across_many_requests(
    nats_url: str, unique: str, max_ack_pending: int, js: JetStreamContext
) -> None:
    """Batches of 10, a window of 7 unacked (requests wait for room) or 1000 (they do not)."""
    event = Event(f"ahead-{unique}", User)
    users = [User(str(i), f"user {i}") for i in range(250)]
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, users)
        deliveries = conn.consume(event, "reader", batch=10, max_ack_pending=max_ack_pending)
        got = await take(deliveries, 250, handle=ack)
    assert [d.data.id for d in got] == [u.id for u in users]
    assert [d.seq for d in got] == list(range(1, 251))
    assert all(d.num_delivered == 1 for d in got)
    # Nothing more comes: the consumer has nothing left to deliver, nothing unacked, nothing
    # to redeliver.
    await settled(js, event, "reader")
    info = await js.consumer_info(event.stream_name, "reader")
    assert (info.num_pending, info.num_ack_pending, info.num_redelivered) == (0, 0, 0)


async def test_a_reader_that_stopped_leaves_nothing_to_take_the_next_message(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """All 3000 read in requests of 1000, the iteration closed; a message stored right after
    goes to the next reader at once, not to a request the closed one made ahead (it would
    wait out ack_wait there, 30 s)."""
    event = Event(f"stopped-{unique}", User)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(3000)])
        await take(conn.consume(event, "reader", batch=1000), 3000, handle=ack)
        await conn.emit(event, User("next", "y"))
        started = time.monotonic()
        (got,) = await take(conn.consume(event, "reader", batch=10), 1, handle=ack, within=10)
    assert got.data.id == "next"
    assert got.num_delivered == 1
    assert time.monotonic() - started < 10
    info = await js.consumer_info(event.stream_name, "reader")
    assert info.num_ack_pending == 0


async def test_a_batch_over_the_servers_limit_pulls_what_the_server_takes(
    unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    """The server takes at most 5 per pull request: the first refusal names the limit, the
    reader asks for 5 at a time from then on, says so once, and gets every message."""
    event = Event(f"limited-{unique}", User)
    with nats_server(config="jetstream { limits { max_request_batch: 5 } }") as url:
        async with registered(url, event) as conn:
            await conn.emit_many(event, [User(str(i), "a") for i in range(23)])
            got = await take(conn.consume(event, "small", batch=100), 23, handle=ack, within=10)
    assert [d.data.id for d in got] == [str(i) for i in range(23)]
    warnings = [r.getMessage() for r in caplog.records if "per pull request" in r.getMessage()]
    assert len(warnings) == 1
    assert "at most 5 messages per pull request" in warnings[0]
    assert repr(event.name) in warnings[0]


async def test_what_a_stopped_reader_never_handed_out_comes_back_at_once(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    """A request of 100 brought all 50; the reader stopped after 10: the other 40 go to the
    next reader now (naked), not after ack_wait (30 s)."""
    event = Event(f"given-back-{unique}", User)
    async with registered(nats_url, event) as conn:
        await conn.emit_many(event, [User(str(i), "x") for i in range(50)])
        first = await take(conn.consume(event, "reader", batch=100), 10, handle=ack)
        rest = await take(conn.consume(event, "reader", batch=100), 40, handle=ack, within=10)
    assert [d.data.id for d in first] == [str(i) for i in range(10)]
    assert sorted(int(d.data.id) for d in rest) == list(range(10, 50))
    assert all(d.num_delivered == 2 for d in rest)  # pulled once by the first reader
    info = await js.consumer_info(event.stream_name, "reader")
    assert info.num_ack_pending == 0
