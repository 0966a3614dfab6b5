"""A local npm registry for tests: verdaccio (pinned in tests/npm-registry/package-lock.json,
installed by ``npm ci`` once per change of the lock) on a free loopback port, with no uplink:
it serves only what the test publishes to it, so an install from it proves the packages and
their dependencies are complete, and nothing is fetched from the internet.
"""

from __future__ import annotations

import contextlib
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from protonats.testing import free_port

from . import ts_env
from .packaging_env import http_service

HERE = Path(__file__).resolve().parent / "npm-registry"
VERDACCIO = HERE / "node_modules" / "verdaccio" / "bin" / "verdaccio"

_CONFIG = """\
storage: {storage}
auth:
  htpasswd:
    file: {htpasswd}
    max_users: 10
uplinks: {{}}
packages:
  "**":
    access: $all
    publish: $authenticated
    unpublish: $authenticated
log: {{type: file, path: {log}, level: warn}}
"""


def _installed() -> str:
    node, npm = ts_env.tools()
    stamp = HERE / "node_modules" / ".package-lock.json"
    lock = HERE / "package-lock.json"
    if not stamp.exists() or stamp.stat().st_mtime < lock.stat().st_mtime:
        ts_env.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], HERE, timeout=600)
    return node


def _token(url: str) -> str:
    """A user of the registry (created on first use), and its token: what ``npm adduser``
    does, without a terminal."""
    body = json.dumps({"name": "ci", "password": "unused-password"}).encode()
    request = urllib.request.Request(  # noqa: S310 - a loopback URL this module made
        f"{url}/-/user/org.couchdb.user:ci",
        data=body,
        method="PUT",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        token: str = json.loads(response.read())["token"]
    return token


@contextlib.contextmanager
def npm_registry(base: Path, timeout: float = 60.0) -> Iterator[tuple[str, Path]]:
    """Yields the registry's URL and an npm user config (``--userconfig``) that publishes to
    and installs from it, with a cache of its own."""
    node = _installed()
    base.mkdir(parents=True, exist_ok=True)
    config = base / "verdaccio.yaml"
    log = base / "verdaccio.log"
    config.write_text(_CONFIG.format(storage=base / "storage", htpasswd=base / "htpasswd", log=log))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    args = [node, str(VERDACCIO), "--config", str(config), "--listen", f"127.0.0.1:{port}"]
    with http_service("verdaccio", args, f"{url}/-/ping", base / "verdaccio.out", timeout):
        userconfig = base / "npmrc"
        host = url.removeprefix("http:")
        userconfig.write_text(
            f"registry={url}/\n{host}/:_authToken={_token(url)}\ncache={base / 'npm-cache'}\n"
            "audit=false\nfund=false\nupdate-notifier=false\n"
        )
        yield url, userconfig


def dependency_closure(roots: list[str]) -> list[Path]:
    """The folders in ts/node_modules of ``roots`` and everything they depend on, from the
    lock file (what a project installing the published packages needs from the registry)."""
    lock = json.loads((ts_env.TS / "package-lock.json").read_text())["packages"]
    seen: list[str] = []
    todo = list(roots)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        todo += list(lock[f"node_modules/{name}"].get("dependencies", {}))
    return [ts_env.NODE_MODULES / name for name in sorted(seen)]
