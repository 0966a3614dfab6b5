"""Time to a named error, per connect fault, on real servers (not a test: the figures).

    .venv/bin/python bench/connect_faults.py [--repeat 5]

Starts its own nats-servers (auth accounts, token, operator mode with creds, TLS, no
JetStream), runs each fault ``--repeat`` times and prints the median and the worst time from
``Events.connect()`` (or the call) to the typed error, with the error's type.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import socket
import ssl
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from protonats import Event, Events, ProtonatsError
from protonats.testing import free_port, nats_server
from tests.auth_servers import (
    LIMITED_PASSWORD,
    PASSWORD,
    TOKEN_CONFIG,
    WRONG,
    accounts_config,
)
from tests.models import User
from tests.nats_jwt import operator_setup
from tests.tls_files import make_tls_files

Fault = Callable[[], Awaitable[None]]


async def _connect(url: str, **options: Any) -> None:
    async with Events(Event("bench-probe", User)).connect(url, **options):
        pass


async def _register(url: str, name: str, **options: Any) -> None:
    async with Events(Event(name, User)).connect(url, **options) as conn:
        await conn.register()


async def _emit(url: str, name: str, **options: Any) -> None:
    event = Event(name, User)
    async with Events(event).connect(url, **options) as conn:
        await conn.emit(event, User(id="1", name="a"))


async def _time(fault: Fault) -> tuple[float, str]:
    started = time.monotonic()
    try:
        await fault()
    except ProtonatsError as exc:
        return time.monotonic() - started, type(exc).__name__
    raise AssertionError("no error")


@contextlib.contextmanager
def _silent() -> Iterator[str]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield f"nats://127.0.0.1:{sock.getsockname()[1]}"


async def main(repeat: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="protonats-bench-"))
    accounts, _ = accounts_config(work)
    jwt_config, _, stranger = operator_setup(work)
    tls = make_tls_files(work)
    (work / "other").mkdir()
    other_ca = ssl.create_default_context(cafile=str(make_tls_files(work / "other").ca))
    with contextlib.ExitStack() as stack:
        auth = stack.enter_context(nats_server(config=accounts))
        token = stack.enter_context(nats_server(config=TOKEN_CONFIG))
        creds = stack.enter_context(nats_server(config=jwt_config))
        secure = stack.enter_context(nats_server(config=tls.server_config(), scheme="tls"))
        mtls = stack.enter_context(
            nats_server(config=tls.server_config(verify_clients=True), scheme="tls")
        )
        plain = stack.enter_context(nats_server())
        nojs = stack.enter_context(nats_server(jetstream=False))
        silent = stack.enter_context(_silent())
        ca = ssl.create_default_context(cafile=str(tls.ca))
        async with Events(Event("denied-emit", User)).connect(
            auth, user="alice", password=PASSWORD
        ) as conn:
            await conn.register()
        limited = {"user": "limited", "password": LIMITED_PASSWORD}
        faults: list[tuple[str, Fault]] = [
            ("nothing listens on the port", lambda: _connect(f"nats://127.0.0.1:{free_port()}")),
            ("server never answers (connect_timeout=2)", lambda: _connect(silent)),
            ("wrong password", lambda: _connect(auth, user="alice", password=WRONG)),
            ("no credentials", lambda: _connect(auth)),
            ("wrong token", lambda: _connect(token, token=WRONG)),
            ("unknown nkey", lambda: _connect(auth, nkeys_seed=str(work / "other.nk"))),
            (
                "creds of an unknown account",
                lambda: _connect(creds, user_credentials=str(stranger)),
            ),
            ("TLS: unknown CA", lambda: _connect(secure, tls=other_ca)),
            ("TLS: hostname mismatch", lambda: _connect(secure, tls=ca, tls_hostname="x.example")),
            ("TLS: no client certificate", lambda: _connect(mtls, tls=ca)),
            ("TLS: plain server behind tls://", lambda: _connect(plain.replace("nats:", "tls:"))),
            ("server without JetStream", lambda: _connect(nojs)),
            ("account without JetStream", lambda: _connect(auth, user="nojs", password=PASSWORD)),
            ("register: stream create denied", lambda: _register(auth, "denied-create", **limited)),
            ("emit: publish denied", lambda: _emit(auth, "denied-emit", **limited)),
        ]
        print(f"Python {sys.version.split()[0]}, {repeat} runs per fault; seconds to the error")
        print(f"{'fault':44} {'median':>8} {'worst':>8}  error")
        for name, fault in faults:
            runs = [await _time(fault) for _ in range(repeat)]
            times = [t for t, _ in runs]
            kinds = sorted({k for _, k in runs})
            print(
                f"{name:44} {statistics.median(times):8.3f} {max(times):8.3f}  {', '.join(kinds)}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    asyncio.run(main(parser.parse_args().repeat))
