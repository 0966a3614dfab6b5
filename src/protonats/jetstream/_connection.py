"""``Connection``: the one NATS connection behind ``Events.connect()`` and ``Actors.connect()``.

A connection is a client (opened and closed through the boundary, ``_nats_client``), its
``Link`` (the JetStream API prefix of a domain included) and the emit's ack inbox. Events and
actors of one service can share one: ``actors.connect(events_conn)`` (or the other way
round) borrows the connection of an open ``ConnectedEvents``/``ConnectedActors``; whoever
opened it closes it.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from .._errors import ConnectError
from ._nats import Client, Link, api_prefix
from ._nats_client import close_client, connect_client, shown_servers
from ._nats_first_connect import check_jetstream
from ._publish import AckInbox
from ._servers import redact, secrets_of, server_urls

__all__ = ["Connection", "Server", "Shareable", "inbox_of", "link_of", "shown"]

Server = str | Sequence[str] | Client | None


class Connection:
    """One NATS connection: its client, ``Link`` and ack inbox. Get one from
    ``Events.connect()`` or ``Actors.connect()``; it is shared by passing the connected object
    as ``server`` to the other's ``connect()``."""

    __slots__ = ("_closed", "_inbox", "_link", "_owned", "servers")

    def __init__(self, nc: Client, prefix: str, servers: Sequence[str], *, owned: bool) -> None:
        self._link = Link(nc, prefix=prefix)
        self._inbox = AckInbox(self._link)
        self._owned = owned
        self._closed = False
        self.servers = tuple(servers)
        """The server URLs, their secrets redacted."""

    @property
    def api_prefix(self) -> str:
        """The JetStream API subject prefix: ``$JS.API``, or ``$JS.<domain>.API``."""
        return self._link.api_prefix

    @classmethod
    async def open(
        cls,
        server: str | Sequence[str] | Client | None,
        options: dict[str, Any],
        *,
        domain: str | None = None,
        prefix: str | None = None,
    ) -> Connection:
        """Connect to ``server`` (or use an open client, left open), check JetStream, start
        the ack inbox. ``AuthError``, ``TLSError``, ``JetStreamNotEnabledError``,
        ``ConnectError``."""
        options = dict(options)
        domain = options.pop("domain", domain)
        prefix = options.pop("api_prefix", prefix)
        if domain and prefix:
            raise ConnectError(
                f"domain={domain!r} and api_prefix={prefix!r}: pass one of them, not both "
                f"(a domain's API prefix is $JS.{domain}.API)"
            )
        if isinstance(server, Client):
            nc, owned = server, False
        else:
            nc, owned = await connect_client(server, options), True
        connection = cls(nc, api_prefix(domain, prefix), shown_servers(nc, options), owned=owned)
        try:
            await check_jetstream(connection._link, ", ".join(connection.servers))
            await connection._inbox.start()
        except BaseException:
            await connection.close()
            raise
        return connection

    async def close(self) -> None:
        """Stop the inbox and close the client, if this connection opened it (once)."""
        if self._closed:
            return
        self._closed = True
        try:
            await self._inbox.stop()
        finally:
            if self._owned:
                await close_client(self._link.client)


def link_of(connection: Connection) -> Link:
    """The connection's ``Link``: every call the runtime makes goes through it."""
    return connection._link


def inbox_of(connection: Connection) -> AckInbox:
    """The connection's ack inbox (emit's acks arrive there)."""
    return connection._inbox


class Shareable:
    """What has a connection another ``connect()`` may share: ``ConnectedEvents`` and
    ``ConnectedActors``."""

    __slots__ = ()
    _connection: Connection


def shown(server: Server, options: dict[str, Any]) -> str:
    """The servers a connect() goes to, their secrets redacted (for reprs)."""
    if isinstance(server, Client):
        return "server=<open client>"
    urls = server_urls(server or os.environ.get("NATS_URL"))
    return f"servers={[redact(url, secrets_of(urls, options)) for url in urls]}"
