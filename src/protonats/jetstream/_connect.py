"""Opening and closing the NATS connection behind ``Events.connect()``."""

from __future__ import annotations

import logging
import os
from types import TracebackType
from typing import TYPE_CHECKING, Any

import nats
from nats.aio.client import Client

from .._errors import ConnectError
from ._connected import ConnectedEvents
from ._nats import ServerErrors, api_prefix, attach

if TYPE_CHECKING:
    from ..events._registry import Events

__all__ = ["DEFAULT_SERVER", "ConnectContext"]

DEFAULT_SERVER = "nats://localhost:4222"
log = logging.getLogger("protonats")


class ConnectContext:
    """``async with events.connect(...) as conn``: connects, and closes what it opened."""

    def __init__(
        self,
        events: Events,
        server: str | Client | None,
        options: dict[str, Any],
        *,
        ack_timeout: float = 5.0,
        cloudevents_source: str | None = None,
    ) -> None:
        self._events = events
        self._server = server
        self._options = options
        self._ack_timeout = ack_timeout
        self._cloudevents_source = cloudevents_source
        self._owned: Client | None = None
        self._conn: ConnectedEvents | None = None

    async def __aenter__(self) -> ConnectedEvents:
        options = dict(self._options)
        prefix = api_prefix(options.pop("domain", None), options.pop("api_prefix", None))
        errors = ServerErrors(forward=options.pop("error_cb", None))
        if isinstance(self._server, Client):
            nc = self._server
        else:
            url = self._server or os.environ.get("NATS_URL") or DEFAULT_SERVER
            nc = await _connect(url, {**options, "error_cb": errors.callback})
            attach(nc, errors)
            self._owned = nc
        conn = ConnectedEvents(
            self._events,
            nc,
            ack_timeout=self._ack_timeout,
            cloudevents_source=self._cloudevents_source,
            api_prefix=prefix,
        )
        try:
            await conn._inbox.start()
        except BaseException:
            await self._close()
            raise
        self._conn = conn
        return conn

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._conn is not None:
            await self._conn._inbox.stop()
            self._conn = None
        await self._close()

    async def _close(self) -> None:
        if self._owned is not None:
            nc, self._owned = self._owned, None
            await nc.drain()


async def _connect(url: str, options: dict[str, Any]) -> Client:
    # nats-py retries a failed first connection like a reconnect: 60 tries, 2 s apart. Try
    # twice, then fail; restore the reconnect settings for later disconnects (nats-py reads
    # them from ``options`` at reconnect time).
    later = {
        "max_reconnect_attempts": options.pop("max_reconnect_attempts", 60),
        "reconnect_time_wait": options.pop("reconnect_time_wait", 2.0),
    }
    first = {"max_reconnect_attempts": 1, "reconnect_time_wait": 0.2}
    try:
        nc = await nats.connect(url, **{"connect_timeout": 2, **options, **first})
        nc.options.update(later)
        return nc
    except Exception as exc:
        scheme, _, rest = url.rpartition("://")
        shown = f"{scheme or 'nats'}://{rest.rpartition('@')[2]}"  # never print credentials
        raise ConnectError(
            f"cannot connect to NATS at {shown}: {exc or type(exc).__name__}; check the URL "
            "(or NATS_URL), that the server runs with JetStream, and the credentials"
        ) from exc
