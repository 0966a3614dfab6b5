"""Shared fixtures: one real JetStream nats-server for the whole test session."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator, Iterator

import nats
import pytest
from nats.js import JetStreamContext

from protonats.testing import nats_server

_counter = itertools.count()


@pytest.fixture(scope="session")
def nats_url() -> Iterator[str]:
    """URL of a nats-server with JetStream on a free loopback port and a temp store."""
    with nats_server() as url:
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
