"""The ledger when the server misbehaves: no JetStream, a paused server, a live lock holder.
Each is a typed error within a stated bound, naming the cause and the fix."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest

from protonats import (
    Event,
    Events,
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
    LedgerError,
    RegisterLockTimeoutError,
)
from protonats.jetstream._ledger_kv import LedgerStore
from protonats.jetstream._nats import Link
from protonats.testing import find_nats_server, free_port, nats_server

from .models import User


@contextlib.contextmanager
def server_process() -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A JetStream nats-server whose process the test can pause."""
    with tempfile.TemporaryDirectory(prefix="protonats-ledger-") as store:
        port = free_port()
        proc = subprocess.Popen(
            [find_nats_server(), "-a", "127.0.0.1", "-p", str(port), "-js", "-sd", store],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                        if sock.recv(4).startswith(b"INFO"):
                            break
                except OSError:
                    assert time.monotonic() < deadline, "nats-server did not start"
                    with contextlib.suppress(subprocess.TimeoutExpired):
                        proc.wait(0.02)
            yield f"nats://127.0.0.1:{port}", proc
        finally:
            proc.send_signal(signal.SIGCONT)
            proc.kill()
            proc.wait()


async def test_no_jetstream_is_a_typed_ledger_error(unique: str) -> None:
    with nats_server(jetstream=False) as url:
        async with Events(Event(f"nojs-{unique}", User)).connect(url) as conn:
            with pytest.raises(JetStreamNotEnabledError) as info:
                await conn.ledger(f"nojs-{unique}")
    assert isinstance(info.value, LedgerError)
    assert "-js" in str(info.value)


async def test_a_paused_server_is_a_ledger_timeout_within_the_api_timeout(unique: str) -> None:
    name = f"paused-{unique}"
    with server_process() as (url, proc):
        async with Events(Event(name, User)).connect(url) as conn:
            await conn.register()
            proc.send_signal(signal.SIGSTOP)
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
        store = await LedgerStore.ensure(Link(holder.nc), replicas=1)
        async with store.lock():
            async with Events(Event(f"waiting-{unique}", User)).connect(nats_url) as conn:
                with pytest.raises(RegisterLockTimeoutError) as info:
                    await conn.register(lock_timeout=0.5)
            assert '"pid"' in str(info.value)  # names the holder
            assert "lock_timeout" in str(info.value)
        async with Events(Event(f"waiting-{unique}", User)).connect(nats_url) as conn:
            [plan] = await asyncio.wait_for(conn.register(lock_timeout=0.5), 30)
    assert plan.action.value == "create"
