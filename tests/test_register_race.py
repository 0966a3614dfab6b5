"""register from several processes at the same moment, as in a rolling deploy: an older
registry never wins, equal registries change nothing after the first, and a registrant killed
while holding the register lock blocks the next one for a bounded time only."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from nats.js import JetStreamContext

from protonats import Events

from .race_worker import LIMITS, registry

ROOT = Path(__file__).resolve().parents[1]
TRIALS = 10
STREAMS = 5


class Worker:
    """One registrant process, answering commands line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    async def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command.encode() + b"\n")
        await self.proc.stdin.drain()

    async def answer(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = await asyncio.wait_for(self.proc.stdout.readline(), 120)
        assert line, f"worker exited with {await self.proc.wait()}"
        result: dict[str, Any] = json.loads(line)
        return result


async def _spawn() -> Worker:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.race_worker",
        cwd=ROOT,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
    )
    return Worker(proc)


@pytest.fixture
async def workers() -> AsyncIterator[list[Worker]]:
    started = [await _spawn() for _ in range(4)]
    yield started
    for worker in started:
        if worker.proc.returncode is None:
            worker.proc.kill()
        await worker.proc.wait()


async def test_older_registry_never_wins_a_race(
    nats_url: str, unique: str, js: JetStreamContext, workers: list[Worker]
) -> None:
    wrong: list[str] = []
    for trial in range(TRIALS):
        prefix = f"race-{unique}-{trial}"
        async with registry(prefix, STREAMS, "0.5.0").connect(nats_url) as conn:
            await conn.register()
        racing = workers[: 2 + trial % 3]  # 2, 3 or 4 registrants
        versions = [("2.0.0", "1.0.0")[(i + trial) % 2] for i in range(len(racing))]
        for worker, version in zip(racing, versions, strict=True):  # all start together
            await worker.send(f"register {nats_url} {prefix} {STREAMS} {version}")
        results = [await w.answer() for w in racing]
        for version, result in zip(versions, results, strict=True):
            if version == "2.0.0" or result.get("error") != "NewerRegistryError":
                assert result["ok"], (version, result)
        for version in set(versions):  # equal registries: only the first changes a stream
            updates = [
                r["actions"][f"{prefix}-{i}"]
                for v, r in zip(versions, results, strict=True)
                if v == version and r["ok"]
                for i in range(STREAMS)
            ]
            assert updates.count("update") <= STREAMS, (version, results)
        async with Events().connect(nats_url) as conn:
            for i in range(STREAMS):
                name = f"{prefix}-{i}"
                config = (await js.stream_info(name)).config
                if config.max_msgs != LIMITS["2.0.0"].messages:
                    wrong.append(f"{name}: max_msgs {config.max_msgs}")
                history = [r.entry.version for r in await conn.ledger_history(name)]
                assert history in (["0.5.0", "2.0.0"], ["0.5.0", "1.0.0", "2.0.0"]), history
    assert wrong == []


async def test_a_killed_lock_holder_blocks_the_next_register_only_until_its_ttl(
    nats_url: str, unique: str, js: JetStreamContext, workers: list[Worker]
) -> None:
    holder = workers[0]
    await holder.send(f"hold {nats_url}")
    assert (await holder.answer())["locked"]
    holder.proc.send_signal(signal.SIGKILL)
    await holder.proc.wait()
    kv = await js.key_value("protonats-registry")
    assert (await kv.get("_lock.register")).value  # the dead process still holds the lock
    events = registry(f"after-kill-{unique}", 2, "1.0.0")
    async with events.connect(nats_url) as conn:
        plans = await conn.register(lock_timeout=30)  # the bound: a 15 s TTL, and slack
    assert [p.action.value for p in plans] == ["create", "create"]
    assert (await js.stream_info(f"after-kill-{unique}-0")).config.max_msgs == 100
