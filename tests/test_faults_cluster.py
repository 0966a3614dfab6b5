"""A 3-node JetStream cluster on loopback: leader failover and quorum loss lose nothing acked.

A producer emits continuously (retrying failures with the same uid, as the README says) while
the stream leader is killed, then a second node, then both come back. Every acknowledged
message is in the stream exactly once, no emit ever says the existing stream is missing, and
``plan()`` after the recovery has nothing to change.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import nats
import pytest
from nats.aio.client import Client

from protonats import (
    Action,
    ConnectedEvents,
    EmitError,
    Event,
    Events,
    JetStreamError,
    Limits,
    Storage,
)
from tests.models import User
from tests.servers import Server, cluster
from tests.test_faults_emit import Progress


async def _until_ok(what: str, within: float, call: object) -> None:
    """Retry ``call`` (a coroutine function) until it succeeds; each try has its own timeout."""
    deadline = time.monotonic() + within
    last: BaseException | None = None
    while time.monotonic() < deadline:
        try:
            await call()  # type: ignore[operator]
            return
        except (nats.errors.Error, JetStreamError) as exc:
            last = exc
    raise AssertionError(f"{what}: {last!r}")


@pytest.fixture
async def nodes() -> AsyncIterator[list[Server]]:
    with cluster(3) as running:
        yield running


async def _client(nodes: list[Server]) -> Client:
    return await nats.connect(
        servers=[node.url for node in nodes],
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.1,
        connect_timeout=2,
    )


async def _stored(conn: ConnectedEvents, event: Event[User]) -> list[str]:
    info = await conn.client.jetstream().stream_info(event.stream_name)
    total = int(info.state.messages)
    uids: list[str] = []
    async for delivery in conn.tail(event, from_start=True):
        uids.append(delivery.headers["Nats-Msg-Id"])
        if len(uids) == total:
            break
    return uids


async def test_leader_failover_and_quorum_loss_lose_nothing_acked(
    nodes: list[Server], unique: str
) -> None:
    event = Event(f"replicated-{unique}", User, storage=Storage.FILE, limits=Limits(replicas=3))
    nc = await _client(nodes)
    try:
        await _until_ok("JetStream ready", 60, nc.jetstream().account_info)
        async with Events(event).connect(nc, ack_timeout=2.0) as conn:
            await _until_ok("register", 60, conn.register)
            acked: list[str] = []
            errors: list[str] = []
            progress = Progress()
            stop = asyncio.Event()

            async def produce() -> None:
                i = 0
                while not stop.is_set():
                    uid = f"c-{i}"
                    try:
                        await conn.emit(event, User(uid, "x"), uid=uid)
                    except (EmitError, JetStreamError) as exc:
                        errors.append(type(exc).__name__)
                    else:
                        acked.append(uid)
                        i += 1
                    await progress.changed()

            producer = asyncio.create_task(produce())
            try:
                await progress.until(lambda: len(acked) >= 20, 30, "acks before any fault")
                info = await conn.client.jetstream().stream_info(event.stream_name)
                assert info.cluster is not None
                leader = next(n for n in nodes if n.name == info.cluster.leader)
                await asyncio.to_thread(leader.kill)
                mark = len(acked)
                await progress.until(lambda: len(acked) >= mark + 20, 60, "acks after failover")
                other = next(n for n in nodes if n is not leader)
                failed = len(errors)
                await asyncio.to_thread(other.kill)  # one of three left: no quorum
                await progress.until(lambda: len(errors) > failed, 60, "an emit without quorum")
                await asyncio.to_thread(leader.start)
                await asyncio.to_thread(other.start)
                mark = len(acked)
                await progress.until(lambda: len(acked) >= mark + 20, 90, "acks after recovery")
            finally:
                stop.set()
                await asyncio.wait_for(producer, 60)
            assert "NoStreamError" not in errors, errors
            uids: list[str] = []

            async def read_back() -> None:  # the recovered nodes may still be catching up
                uids[:] = await _stored(conn, event)

            await _until_ok("read the stream back", 60, read_back)
            assert len(uids) == len(set(uids)), "a message was stored twice"
            assert set(acked) <= set(uids), f"lost: {sorted(set(acked) - set(uids))[:10]}"
            actions: list[Action] = []

            async def plan() -> None:
                actions[:] = [p.action for p in await conn.plan()]

            await _until_ok("plan after the recovery", 60, plan)
            assert actions == [Action.UNCHANGED]
    finally:
        await nc.close()
