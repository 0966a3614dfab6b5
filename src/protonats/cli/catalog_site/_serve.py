"""``protonats catalog --serve``: the site on a free loopback port, rebuilt when the
registry's files change (and, with a server, every few seconds for fresh numbers).

Each build runs ``protonats catalog`` in a fresh process, so a regenerated registry is read
anew (a protobuf module cannot be imported twice into one process)."""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import threading
import time
import typing
from pathlib import Path

from .._options import _CONNECTION_FLAGS
from .._registry_loading import load_registry
from ._build import CatalogRequest
from ._python import constants

__all__ = ["serve_catalog"]

LIVE_EVERY = 15.0
"""Seconds between rebuilds when the site shows a server's numbers."""
_POLL = 0.5


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per request on stderr."""


def _argv(request: CatalogRequest, registry: str | None) -> list[str]:
    argv = ["catalog", "--out", str(request.out), "--format", "json"]
    for flag, value in (
        ("--title", request.title),
        ("--server", request.server),
        ("--ledger", request.ledger),
        ("--registry", registry),
    ):
        if value is not None:
            argv += [flag, value]
    if request.force:
        argv.append("--force")
    return argv if request.live else [*argv, "--no-live"]


def _connection(request: CatalogRequest) -> tuple[dict[str, str], list[str]]:
    """The connection options of ``request`` for a rebuild: as the environment variables of
    their flags (a password or token never on a command line, where ``ps`` shows it), and
    the flags without one."""
    env: dict[str, str] = {}
    argv: list[str] = []
    for name, flag in _CONNECTION_FLAGS.items():
        value = getattr(request.connection, name, None)
        if name == "server" or value is None:
            continue
        envvar = typing.get_args(flag)[1].envvar
        if isinstance(envvar, str):
            env[envvar] = str(value)
        else:
            argv += ["--" + name.replace("_", "-"), str(value)]
    return env, argv


def _watched(registry: str | None) -> list[Path]:
    """The folders of the modules that declare the registry's events and schemas."""
    events = load_registry(registry)
    names = {module for module, _ in constants(events).values()}
    names |= {e.schema.__module__ for e in events}
    folders = set()
    for name in names:
        file = getattr(sys.modules.get(name), "__file__", None)
        if file:
            folders.add(Path(file).parent)
    return sorted(folders)


def _snapshot(folders: list[Path]) -> dict[Path, tuple[int, int]]:
    found = {}
    for folder in folders:
        for path in folder.glob("*.py"):
            try:
                stat = path.stat()
            except OSError:
                continue
            found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def _rebuild(argv: list[str], env: dict[str, str]) -> bool:
    code = "import sys; from protonats.cli import main; sys.exit(main(sys.argv[1:]))"
    done = subprocess.run(
        [sys.executable, "-c", code, *argv],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **env},
    )
    if done.returncode != 0:
        print(
            done.stderr.strip() or f"protonats: rebuild failed ({done.returncode})", file=sys.stderr
        )
    return done.returncode == 0


def serve_catalog(request: CatalogRequest, registry: str | None) -> None:
    """Build, serve ``request.out`` on 127.0.0.1 (a free port), rebuild on change; until
    interrupted."""
    env, flags = _connection(request)
    argv = [*_argv(request, registry), *flags]
    folders = [] if request.ledger is not None else _watched(registry)
    every = LIVE_EVERY if request.live and (request.server or request.ledger) else None
    request.out.mkdir(parents=True, exist_ok=True)
    _rebuild(argv, env)
    handler = functools.partial(_Quiet, directory=str(request.out))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    port = httpd.server_address[1]
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    print(f"serving {request.out} at http://127.0.0.1:{port}/index.html (Ctrl-C stops)", flush=True)
    seen, built = _snapshot(folders), time.monotonic()
    try:
        while True:
            time.sleep(_POLL)  # polling the registry's files: no watcher dependency
            now = _snapshot(folders)
            due = every is not None and time.monotonic() - built >= every
            if now != seen or due:
                seen, built = now, time.monotonic()
                if _rebuild(argv, env):
                    print(f"rebuilt at {time.strftime('%H:%M:%S')}", flush=True)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.shutdown()
        httpd.server_close()
