"""The ledger when the server misbehaves: no JetStream, a paused server, a live lock holder.
Each is a typed error within a stated bound, naming the cause and the fix."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from nats.js import api

from protonats import (
    Event,
    Events,
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
    LedgerError,
    RegisterLockTimeoutError,
)
from protonats.jetstream._ledger_kv import BUCKET, STREAM, LedgerStore
from protonats.jetstream._nats import Link
from protonats.testing import find_nats_server, nats_server

from .models import User


@contextlib.contextmanager
def server_process() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A JetStream nats-server whose process the test can pause. It picks its own port and
    writes it to a ports file, so no other process can take the port in between."""
    with tempfile.TemporaryDirectory(prefix="protonats-ledger-") as store:
        args = ["-a", "127.0.0.1", "-p", "-1", "-js", "-sd", store, "-ports_file_dir", store]
        proc = subprocess.Popen(
            [find_nats_server(), *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        ports = Path(store, f"nats-server_{proc.pid}.ports")
        try:
            deadline = time.monotonic() + 20
            while not ports.exists() or not ports.read_text().strip():
                assert proc.poll() is None, "nats-server exited"
                assert time.monotonic() < deadline, "nats-server did not start"
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(0.02)
            yield json.loads(ports.read_text())["nats"][0], proc
        finally:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
            proc.wait()


def pause(proc: subprocess.Popen[bytes]) -> None:
    """SIGSTOP the server and wait until every one of its threads has stopped: kill() returns
    before a busy thread on another CPU is stopped, and that thread could still answer."""
    proc.send_signal(signal.SIGSTOP)
    tasks = Path(f"/proc/{proc.pid}/task")
    deadline = time.monotonic() + 20
    while not all(
        (t / "stat").read_text().rpartition(")")[2].split()[0] in "tT" for t in tasks.iterdir()
    ):
        assert time.monotonic() < deadline, "nats-server did not stop"
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(0.01)


async def test_no_jetstream_is_a_typed_error_naming_the_fix(unique: str) -> None:
    with nats_server(jetstream=False) as url, pytest.raises(JetStreamNotEnabledError) as info:
        async with Events(Event(f"nojs-{unique}", User)).connect(url) as conn:
            await conn.ledger(f"nojs-{unique}")
    assert "-js" in str(info.value)


async def test_a_paused_server_is_a_ledger_timeout_within_the_api_timeout(unique: str) -> None:
    name = f"paused-{unique}"
    with server_process() as (url, proc):
        async with Events(Event(name, User)).connect(url) as conn:
            await conn.register()
            pause(proc)
            started = time.monotonic()
            with pytest.raises(JetStreamTimeoutError) as info:
                await conn.ledger(name)
            waited = time.monotonic() - started
            proc.send_signal(signal.SIGCONT)
    assert isinstance(info.value, LedgerError)
    assert "retry" in str(info.value)
    assert waited < 30  # the JetStream API timeout (5 s), with room for a loaded machine


async def test_a_live_lock_holder_makes_register_wait_then_time_out(
    nats_url: str, unique: str
) -> None:
    async with Events().connect(nats_url) as holder:
        store = await LedgerStore.ensure(Link(holder.client), replicas=1)
        async with store.lock():
            async with Events(Event(f"waiting-{unique}", User)).connect(nats_url) as conn:
                with pytest.raises(RegisterLockTimeoutError) as info:
                    await conn.register(lock_timeout=0.5)
            assert '"pid"' in str(info.value)  # names the holder
            assert "lock_timeout" in str(info.value)
        async with Events(Event(f"waiting-{unique}", User)).connect(nats_url) as conn:
            [plan] = await asyncio.wait_for(conn.register(lock_timeout=0.5), 30)
    assert plan.action.value == "create"


async def test_a_live_holder_renews_its_lock_past_the_ttl(nats_url: str) -> None:
    async with Events().connect(nats_url) as one, Events().connect(nats_url) as two:
        holder = await LedgerStore.ensure(Link(one.client), replicas=1)
        contender = await LedgerStore.ensure(Link(two.client), replicas=1)
        async with holder.lock(ttl=2) as held:
            first = held.revision
            with pytest.raises(RegisterLockTimeoutError):  # 2.5 TTLs: renewed, never expired
                async with contender.lock(wait=5):
                    pass
            assert held.revision > first  # renewed by compare-and-set
            held.check("go on")  # still held
        async with contender.lock(wait=5):  # released on exit: free at once
            pass


async def test_a_bucket_without_per_message_ttl_is_refused(unique: str) -> None:
    with nats_server() as url:
        async with Events(Event(f"nottl-{unique}", User)).connect(url) as conn:
            await conn.client.jetstream().add_stream(
                api.StreamConfig(
                    name=STREAM,
                    subjects=[f"$KV.{BUCKET}.>"],
                    max_msgs_per_subject=64,
                    allow_direct=True,
                    allow_rollup_hdrs=True,
                    deny_delete=True,
                )
            )
            with pytest.raises(LedgerError, match="per-message TTL") as info:
                await conn.register()
    assert "2.11" in str(info.value)
