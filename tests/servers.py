"""nats-server processes a fault test can kill, pause, resume and restart, and a 3-node cluster.

Every server runs on free loopback ports with its own store directory, keeps both across
restarts (clients reconnect to the same URL, JetStream recovers from the same files), and is
stopped by PID when its ``with`` block ends.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from protonats.testing import find_nats_server, free_port

__all__ = ["Server", "cluster", "server"]


class Server:
    """One nats-server with JetStream: ``kill``, ``pause``, ``resume``, ``start`` again."""

    def __init__(
        self,
        store: Path,
        *,
        name: str = "n1",
        cluster_port: int | None = None,
        routes: Sequence[int] = (),
    ) -> None:
        self.store = store
        self.name = name
        self.port = free_port()
        self.cluster_port = cluster_port
        self.routes = list(routes)
        self.proc: subprocess.Popen[bytes] | None = None
        self.paused = False

    @property
    def url(self) -> str:
        return f"nats://127.0.0.1:{self.port}"

    def args(self) -> list[str]:
        args = [find_nats_server(), "-a", "127.0.0.1", "-p", str(self.port), "-n", self.name]
        args += ["-js", "-sd", str(self.store / self.name)]
        if self.cluster_port is not None:
            routes = ",".join(f"nats://127.0.0.1:{p}" for p in self.routes)
            args += ["--cluster_name", "protonats-test"]
            args += ["--cluster", f"nats://127.0.0.1:{self.cluster_port}", "--routes", routes]
        return args

    def start(self, timeout: float = 15.0) -> None:
        """Start (or restart, same port and store) and wait until it answers."""
        log = self.store / f"{self.name}.log"
        with log.open("ab") as out:
            self.proc = subprocess.Popen(self.args(), stdout=out, stderr=subprocess.STDOUT)
        self.paused = False
        deadline = time.monotonic() + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nats-server {self.name} exited:\n{log.read_text()[-3000:]}")
            address = ("127.0.0.1", self.port)
            with contextlib.suppress(OSError), socket.create_connection(address, 0.5) as sock:
                if sock.recv(4).startswith(b"INFO"):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nats-server {self.name} did not answer in {timeout} s")
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(0.05)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush; whatever it acked must survive."""
        if self.proc is not None:
            if self.paused:
                self.proc.send_signal(signal.SIGCONT)
            self.proc.kill()
            self.proc.wait(10)
            self.proc = None
            self.paused = False

    def pause(self) -> None:
        """SIGSTOP: the sockets stay open, nothing answers."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGSTOP)
        os.waitid(os.P_PID, self.proc.pid, os.WSTOPPED | os.WNOWAIT)  # until it has stopped
        self.paused = True

    def resume(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGCONT)
        os.waitid(os.P_PID, self.proc.pid, os.WCONTINUED | os.WNOWAIT)
        self.paused = False

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.paused:
            self.proc.send_signal(signal.SIGCONT)
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None


@contextlib.contextmanager
def server() -> Iterator[Server]:
    """A single JetStream server of the test's own; stopped (by PID) on exit."""
    with tempfile.TemporaryDirectory(prefix="protonats-fault-") as store:
        node = Server(Path(store))
        try:
            node.start()
            yield node
        finally:
            node.stop()


@contextlib.contextmanager
def cluster(size: int = 3) -> Iterator[list[Server]]:
    """``size`` JetStream servers routed to each other on loopback, each with its own store."""
    with tempfile.TemporaryDirectory(prefix="protonats-cluster-") as store:
        ports = [free_port() for _ in range(size)]
        nodes = [
            Server(Path(store), name=f"n{i + 1}", cluster_port=port, routes=ports)
            for i, port in enumerate(ports)
        ]
        try:
            for node in nodes:
                node.start()
            yield nodes
        finally:
            for node in nodes:
                node.stop()
