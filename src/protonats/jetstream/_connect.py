"""The connection behind ``Events.connect()``: the client (opened and closed through the
boundary, ``_nats_client``), its ``Link`` and the emit's ack inbox."""

from __future__ import annotations

import os
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from .._errors import ConnectError
from ._connected import ConnectedEvents
from ._nats import Client, api_prefix
from ._nats_client import close_client, connect_client, shown_servers
from ._nats_first_connect import check_jetstream
from ._servers import DEFAULT_SERVER, redact, secrets_of, server_urls

if TYPE_CHECKING:
    from ..events._registry import Events

__all__ = ["DEFAULT_SERVER", "ConnectContext"]


class ConnectContext:
    """``async with events.connect(...) as conn``: connects, and closes what it opened."""

    def __init__(
        self,
        events: Events,
        server: str | Sequence[str] | Client | None,
        options: dict[str, Any],
        *,
        ack_timeout: float = 5.0,
        cloudevents_source: str | None = None,
        domain: str | None = None,
        api_prefix: str | None = None,
    ) -> None:
        self._events = events
        self._server = server
        self._options = options
        self._ack_timeout = ack_timeout
        self._cloudevents_source = cloudevents_source
        self._domain = domain
        self._api_prefix = api_prefix
        self._owned: Client | None = None
        self._conn: ConnectedEvents | None = None

    def __repr__(self) -> str:
        if isinstance(self._server, Client):
            return f"ConnectContext({self._events!r}, server=<open client>)"
        urls = server_urls(self._server or os.environ.get("NATS_URL"))
        shown = [redact(url, secrets_of(urls, self._options)) for url in urls]
        return f"ConnectContext({self._events!r}, servers={shown})"

    async def __aenter__(self) -> ConnectedEvents:
        options = dict(self._options)
        domain = options.pop("domain", self._domain)
        prefix = options.pop("api_prefix", self._api_prefix)
        if domain and prefix:
            raise ConnectError(
                f"domain={domain!r} and api_prefix={prefix!r}: pass one of them, not both "
                f"(a domain's API prefix is $JS.{domain}.API)"
            )
        if isinstance(self._server, Client):
            nc = self._server
        else:
            nc = await connect_client(self._server, options)
            self._owned = nc
        try:
            conn = ConnectedEvents(
                self._events,
                nc,
                ack_timeout=self._ack_timeout,
                cloudevents_source=self._cloudevents_source,
                api_prefix=api_prefix(domain, prefix),
                servers=shown_servers(nc, options),
            )
            await check_jetstream(conn._link, ", ".join(conn.servers))
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
        try:
            if self._conn is not None:
                conn, self._conn = self._conn, None
                await conn._inbox.stop()
        finally:
            await self._close()

    async def _close(self) -> None:
        if self._owned is not None:
            nc, self._owned = self._owned, None
            await close_client(nc)
