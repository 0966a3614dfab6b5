"""Small helpers shared by the server tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

from protonats import ConnectedEvents, Event, Events


@contextlib.asynccontextmanager
async def registered(url: str, *events: Event[Any]) -> AsyncIterator[ConnectedEvents]:
    """A connection to ``url`` whose events' streams are registered."""
    async with Events(*events).connect(url) as conn:
        await conn.register()
        yield conn
