"""Actors with priority groups (nats-server 2.11+, ADR-42): pinned actors fail over to a
standby instance, overflow instances help only under backlog; register diffs the consumer's
priority fields and refuses what JetStream cannot change."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from protonats import (
    Action,
    Actor,
    ActorDeclarationError,
    Actors,
    ConsumerConfigError,
    Event,
    Events,
    ServerTooOldError,
)
from protonats.actors._config import consumer_config, plan_consumer, pull_priority
from protonats.jetstream._features import ServerInfo

from .models import User

ROOT = Path(__file__).resolve().parent.parent
DEADLINE = 60.0


async def nothing(user: User) -> None:
    pass


EVENT = Event("prio-unit", User)


def test_declarations_map_to_the_consumer_and_the_pull_requests() -> None:
    pinned = Actor("a", EVENT, nothing, pinned=True, pinned_ttl=10)
    config = consumer_config(pinned)
    assert (config.priority_policy, config.priority_groups) == ("pinned_client", ["protonats"])
    assert config.as_dict()["priority_timeout"] == 10_000_000_000
    assert pull_priority(pinned) == {"group": "protonats"}
    standby = Actor("a", EVENT, nothing, overflow=100)
    assert consumer_config(standby).priority_policy == "overflow"
    assert pull_priority(standby) == {"group": "protonats", "min_pending": 101}
    assert pull_priority(Actor("a", EVENT, nothing, overflow=0)) == {"group": "protonats"}
    plain = consumer_config(Actor("a", EVENT, nothing))
    assert plain.priority_policy is None
    assert "priority_policy" not in plain.as_dict()
    assert pull_priority(Actor("a", EVENT, nothing)) == {}
    for bad, why in [
        ({"pinned": True, "overflow": 5}, "choose one"),
        ({"overflow": -1}, ">= 0"),
        ({"overflow": 1.5}, "an int"),
        ({"pinned": True, "pinned_ttl": 0}, "pinned_ttl"),
    ]:
        with pytest.raises(ActorDeclarationError, match=why):
            Actor("a", EVENT, nothing, **bad)  # type: ignore[arg-type]


def test_plan_refuses_a_policy_change_and_an_old_server() -> None:
    pinned = Actor("a", EVENT, nothing, pinned=True)
    actual = consumer_config(pinned)
    assert plan_consumer(pinned, actual, actual).action is Action.UNCHANGED
    longer = Actor("a", EVENT, nothing, pinned=True, pinned_ttl=60)
    plan = plan_consumer(longer, consumer_config(longer), actual)
    assert plan.action is Action.UPDATE
    assert [c.field for c in plan.changes] == ["priority_timeout"]
    for other in (Actor("a", EVENT, nothing, overflow=5), Actor("a", EVENT, nothing)):
        refused = plan_consumer(other, consumer_config(other), actual)
        assert refused.action is Action.REFUSED
        assert isinstance(refused.error, ConsumerConfigError)
        assert refused.error.field == "priority_policy"
        assert "cannot change priority_policy of an existing consumer" in str(refused.error)
    old = plan_consumer(pinned, actual, None, ServerInfo((2, 10, 26)))
    assert old.action is Action.REFUSED
    assert isinstance(old.error, ServerTooOldError)
    assert old.error.feature == "consumer priority groups (pinned and overflow)"


async def test_register_writes_and_diffs_the_priority_fields(nats_url: str, unique: str) -> None:
    event = Event(f"prio-reg-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
    pinned = Actor("p", event, nothing, pinned=True, pinned_ttl=20)
    async with Actors(pinned).connect(nats_url) as actors:
        assert [p.action for p in await actors.register()] == [Action.CREATE, Action.CREATE]
        assert [p.action for p in await actors.register()][-1] is Action.UNCHANGED
        config = await actors._link.consumer_config(event, "p")
        assert config is not None
        assert (config.priority_policy, config.priority_timeout) == ("pinned_client", 20.0)
    longer = Actor("p", event, nothing, pinned=True, pinned_ttl=40)
    async with Actors(longer).connect(nats_url) as actors:
        assert [p.action for p in await actors.register()][-1] is Action.UPDATE
    overflow = Actor("p", event, nothing, overflow=3)
    async with Actors(overflow).connect(nats_url) as actors:
        with pytest.raises(ConsumerConfigError, match="priority_policy"):
            await actors.register()


def start(
    url: str, event: str, out: Path, label: str, mode: str, log: Path
) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.priority_worker", url, event, str(out), label, mode],
            cwd=ROOT,
            stdout=err,
            stderr=subprocess.STDOUT,
        )


def handled(out: Path) -> list[tuple[str, str]]:
    lines = out.read_text().splitlines() if out.exists() else []
    return [(line.split()[0], line.split()[1]) for line in lines if len(line.split()) == 2]


def wait_until(check: object, procs: list[subprocess.Popen[bytes]], log: Path, what: str) -> None:
    """Wait until ``check()`` holds, on the processes (never a blind sleep)."""
    assert callable(check)
    deadline = time.monotonic() + DEADLINE
    while not check():
        for proc in procs:
            assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"{what} did not happen:\n{log.read_text()}"
        with contextlib.suppress(subprocess.TimeoutExpired):
            procs[0].wait(0.05)


def listening(log: Path, count: int) -> bool:
    return log.exists() and log.read_text().count("listening") >= count


async def emit(url: str, event: Event[User], ids: range) -> None:
    async with Events(event).connect(url) as conn:
        await conn.register()
        await conn.emit_many(event, [User(str(i), "x") for i in ids])


@contextlib.contextmanager
def workers(url: str, event: Event[User], tmp: Path, modes: dict[str, str]):  # type: ignore[no-untyped-def]
    out, log = tmp / "handled", tmp / "workers.log"
    procs: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for count, (label, mode) in enumerate(modes.items(), 1):
            procs[label] = start(url, event.name, out, label, mode, log)
            wait_until(lambda c=count: listening(log, c), list(procs.values()), log, "listening")
        yield procs, out, log
    finally:
        for proc in procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_the_pinned_instance_gets_everything_and_the_standby_takes_over(
    nats_url: str, unique: str, tmp_path: Path
) -> None:
    event = Event(f"prio-pinned-{unique}", User)
    asyncio.run(emit(nats_url, event, range(0)))
    with workers(nats_url, event, tmp_path, {"a": "pinned", "b": "pinned"}) as (procs, out, log):
        asyncio.run(emit(nats_url, event, range(20)))
        live = list(procs.values())
        wait_until(lambda: len({i for _, i in handled(out)}) >= 20, live, log, "20 handled")
        labels = collections.Counter(label for label, _ in handled(out))
        assert len(labels) == 1, labels  # one instance is pinned and gets every message
        [pinned] = labels
        procs[pinned].kill()  # no goodbye: the server notices it stopped pulling
        procs[pinned].wait()
        standby = next(p for label, p in procs.items() if label != pinned)
        asyncio.run(emit(nats_url, event, range(20, 40)))
        wait_until(
            lambda: len({i for _, i in handled(out)}) >= 40, [standby], log, "the standby took over"
        )
        assert {i for _, i in handled(out)} == {str(i) for i in range(40)}  # nothing lost
        after = {i for label, i in handled(out) if label != pinned}
        assert {str(i) for i in range(20, 40)} <= after


def test_an_overflow_instance_helps_only_under_backlog(
    nats_url: str, unique: str, tmp_path: Path
) -> None:
    event = Event(f"prio-overflow-{unique}", User)
    asyncio.run(emit(nats_url, event, range(0)))
    modes = {"normal": "overflow=0", "extra": "overflow=10"}
    with workers(nats_url, event, tmp_path, modes) as (procs, out, log):
        live = list(procs.values())
        asyncio.run(emit(nats_url, event, range(5)))  # never more than 10 pending
        wait_until(lambda: len(handled(out)) >= 5, live, log, "5 handled")
        assert {label for label, _ in handled(out)} == {"normal"}
        asyncio.run(emit(nats_url, event, range(5, 305)))  # a backlog
        wait_until(lambda: len({i for _, i in handled(out)}) >= 305, live, log, "305 handled")
        labels = collections.Counter(label for label, _ in handled(out))
        assert labels["extra"] > 0, labels
        assert {i for _, i in handled(out)} == {str(i) for i in range(305)}
