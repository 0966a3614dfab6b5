"""Actors scale out without losing anything: four listener processes share one actor of a
``replicas=3`` event on a 3-node cluster; one listener is SIGKILLed mid-run, then the node
leading the actor's consumer. Every message is handled at least once, none is dead-lettered,
nothing is left pending, and the duplicates are only messages in flight at a kill: at most
``MAX_ACK_PENDING`` per kill (docs/actors.md states the bound).

Bounded: the run ends on counts, with generous deadlines for a loaded machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import nats
import nats.errors
from nats.js import api
from nats.js.errors import NotFoundError

from protonats import Actors, EmitError, Event, Events, JetStreamError
from tests.actors_fleet_worker import ACTOR, MAX_ACK_PENDING, fleet_actor, fleet_event
from tests.models import User
from tests.servers import Server, cluster

ROOT = Path(__file__).resolve().parents[1]
MESSAGES = 10_000
LISTENERS = 4


async def _retry(what: str, within: float, call: Callable[[], object]) -> None:
    """Await ``call()`` until it succeeds (the cluster may still be electing)."""
    deadline = time.monotonic() + within
    while True:
        try:
            await call()  # type: ignore[misc]
            return
        except (nats.errors.Error, JetStreamError, EmitError) as exc:
            if time.monotonic() > deadline:
                raise AssertionError(f"{what}: {exc!r}") from exc


async def prepare(urls: list[str], event: Event[User]) -> None:
    """Register the event and the actor, and store the messages (retried with the same uids,
    so each is stored once)."""
    nc = await nats.connect(servers=urls, connect_timeout=2, max_reconnect_attempts=-1)
    try:
        await _retry("JetStream ready", 60, nc.jetstream(timeout=2).account_info)
        async with Events(event).connect(nc, ack_timeout=10.0) as conn:
            await _retry("register the event", 60, conn.register)
            async with Actors(fleet_actor(event, _never)).connect(nc) as actors:
                await _retry("register the actor", 60, actors.register)
            step = 1000
            for start in range(0, MESSAGES, step):
                ids = [f"m-{i:05}" for i in range(start, start + step)]
                users = [User(i, "fleet") for i in ids]

                async def batch(users: list[User] = users, ids: list[str] = ids) -> None:
                    await conn.emit_many(event, users, uids=ids)

                await _retry("emit", 60, batch)
    finally:
        await nc.close()


async def _never(user: User) -> None:
    raise AssertionError("the test process handles nothing")


async def consumer_state(urls: list[str], event: Event[User]) -> api.ConsumerInfo:
    """The actor's consumer, asked again while the cluster is slow to answer."""
    nc = await nats.connect(servers=urls, connect_timeout=2, max_reconnect_attempts=-1)
    found: list[api.ConsumerInfo] = []

    async def ask() -> None:
        found.append(await nc.jetstream(timeout=5).consumer_info(event.stream_name, ACTOR))

    try:
        await _retry("the consumer's state", 60, ask)
        return found[-1]
    finally:
        await nc.close()


async def dead_letters(urls: list[str], event: Event[User]) -> int:
    nc = await nats.connect(servers=urls, connect_timeout=2, max_reconnect_attempts=3)
    try:
        info = await nc.jetstream(timeout=5).stream_info(f"{event.name}-dead")
        return int(info.state.messages)
    except NotFoundError:
        return 0
    finally:
        await nc.close()


class Fleet:
    """The listener processes, their output files and logs."""

    def __init__(self, urls: list[str], event: str, directory: Path) -> None:
        self.outs = [directory / f"listener-{i}.out" for i in range(LISTENERS)]
        self.logs = [directory / f"listener-{i}.log" for i in range(LISTENERS)]
        self.procs = [start_worker(",".join(urls), event, o, g) for o, g in self.alive_files()]
        self.killed: set[int] = set()

    def alive_files(self) -> list[tuple[Path, Path]]:
        return list(zip(self.outs, self.logs, strict=True))

    def kill(self, index: int) -> None:
        self.killed.add(index)
        self.procs[index].kill()
        self.procs[index].wait()

    def handled(self) -> list[str]:
        return [line for out in self.outs if out.exists() for line in out.read_text().split()]

    def wait_until(self, check: Callable[[], bool], within: float, what: str) -> None:
        """Poll ``check`` until it holds, paced by waiting on a listener, not a sleep; fail
        at once when a listener that should run has exited."""
        deadline = time.monotonic() + within
        alive = [p for i, p in enumerate(self.procs) if i not in self.killed]
        while not check():
            for index, proc in enumerate(self.procs):
                if index not in self.killed and proc.poll() is not None:
                    log = self.logs[index].read_text()[-3000:]
                    raise AssertionError(f"listener {index} exited while {what}:\n{log}")
            assert time.monotonic() < deadline, f"{what} did not happen in {within} s"
            with contextlib.suppress(subprocess.TimeoutExpired):
                alive[-1].wait(0.1)

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def start_worker(urls: str, event: str, out: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        command = [sys.executable, "-m", "tests.actors_fleet_worker", urls, event, str(out)]
        return subprocess.Popen(command, cwd=ROOT, stdout=err, stderr=subprocess.STDOUT)


def leader_of(nodes: list[Server], info: api.ConsumerInfo) -> Server:
    assert info.cluster is not None
    assert info.cluster.leader is not None
    return next(node for node in nodes if node.name == info.cluster.leader)


def test_a_fleet_loses_nothing_when_a_listener_then_the_consumer_leader_die(
    tmp_path: Path, unique: str
) -> None:
    began = time.monotonic()
    with cluster(3) as nodes:
        urls = [node.url for node in nodes]
        event = fleet_event(f"fleet-{unique}")
        asyncio.run(prepare(urls, event))
        fleet = Fleet(urls, event.name, tmp_path)
        in_flight: list[int] = []  # delivered and not acked, just before each kill
        try:
            fleet.wait_until(lambda: len(fleet.handled()) >= 2_500, 60, "2,500 handled")
            in_flight.append(asyncio.run(consumer_state(urls, event)).num_ack_pending or 0)
            fleet.kill(0)  # SIGKILL a listener mid-run
            fleet.wait_until(lambda: len(fleet.handled()) >= 5_000, 60, "5,000 handled")
            info = asyncio.run(consumer_state(urls, event))
            in_flight.append(info.num_ack_pending or 0)
            leader = leader_of(nodes, info)
            leader.kill()  # SIGKILL the node leading the actor's consumer
            alive = [node.url for node in nodes if node is not leader]

            def all_handled() -> bool:
                return len(set(fleet.handled())) >= MESSAGES

            fleet.wait_until(all_handled, 90, "all handled")

            def settled() -> bool:
                state = asyncio.run(consumer_state(alive, event))
                return state.num_pending == 0 and state.num_ack_pending == 0

            fleet.wait_until(settled, 60, "nothing left pending")
        finally:
            fleet.stop()
        dead = asyncio.run(dead_letters(alive, event))
    ids = fleet.handled()
    counts = Counter(ids)
    duplicates = len(ids) - len(counts)
    elapsed = time.monotonic() - began
    print(
        f"\nfleet: {len(counts)} of {MESSAGES} handled, {len(ids)} handler calls, "
        f"{duplicates} duplicates (in flight at the kills: {in_flight}), {dead} dead letters, "
        f"{elapsed:.1f} s"
    )
    assert sorted(counts) == [f"m-{i:05}" for i in range(MESSAGES)]
    assert dead == 0
    assert duplicates <= 2 * MAX_ACK_PENDING, (duplicates, in_flight)
