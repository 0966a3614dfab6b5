"""SIGTERM to a process running ``listen``: running jobs finish, nothing is lost or doubled."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import signal
import subprocess
import sys
import time
from pathlib import Path

import nats

from protonats import Event, Events

from .models import User

ROOT = Path(__file__).resolve().parent.parent
COUNT = 40


def start_worker(url: str, event: str, out: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as err:
        return subprocess.Popen(
            [sys.executable, "-m", "tests.actors_worker", url, event, str(out)],
            cwd=ROOT,
            stdout=err,
            stderr=subprocess.STDOUT,
        )


def handled(out: Path) -> list[str]:
    return out.read_text().split() if out.exists() else []


def wait_for(proc: subprocess.Popen[bytes], out: Path, count: int, log: Path) -> None:
    """Wait until ``count`` messages are handled (the worker's own exit ends the wait)."""
    deadline = time.monotonic() + 60
    while len(handled(out)) < count:
        assert proc.poll() is None, log.read_text()
        assert time.monotonic() < deadline, f"only {len(handled(out))} handled:\n{log.read_text()}"
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.05)  # wait on the process, not a blind sleep


def stop(proc: subprocess.Popen[bytes], log: Path) -> None:
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(60) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def emit_all(url: str, event: Event[User]) -> None:
    async with Events(event).connect(url) as conn:
        await conn.register()
        await conn.emit_many(event, [User(str(i), "x") for i in range(COUNT)])


async def redelivered(url: str, event: Event[User]) -> tuple[int, int, int]:
    """The consumer's redelivered, pending and unacked counts once acks are applied."""
    nc = await nats.connect(url)
    deadline = time.monotonic() + 30
    try:
        while True:  # the server applies acks asynchronously: poll, with a deadline
            info = await nc.jetstream().consumer_info(event.stream_name, "worker")
            if info.num_ack_pending == 0 or time.monotonic() > deadline:
                return info.num_redelivered, info.num_pending, info.num_ack_pending
    finally:
        await nc.close()


def test_sigterm_mid_batch_then_restart_handles_every_message_exactly_once(
    nats_url: str, unique: str, tmp_path: Path
) -> None:
    event = Event(f"terminated-{unique}", User)
    out, log = tmp_path / "handled.txt", tmp_path / "worker.log"
    asyncio.run(emit_all(nats_url, event))

    first = start_worker(nats_url, event.name, out, log)
    wait_for(first, out, 6, log)
    stop(first, log)  # mid-batch: jobs are running, most messages are not handled yet
    after_first = handled(out)
    assert len(after_first) < COUNT
    assert "stopped" in log.read_text()

    second = start_worker(nats_url, event.name, out, log)
    wait_for(second, out, COUNT, log)
    stop(second, log)

    counts = collections.Counter(handled(out))
    assert sorted(counts, key=int) == [str(i) for i in range(COUNT)]
    assert set(counts.values()) == {1}, counts
    # Running jobs finished before the exit: nothing was redelivered, nothing left unacked.
    assert asyncio.run(redelivered(nats_url, event)) == (0, 0, 0)
