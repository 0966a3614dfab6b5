"""``async with ….connect(...) as conn``: the context managers behind ``Events.connect()``
(``ConnectContext``) and ``Actors.connect()`` (``actors/_registry.py``), on one
``Connection`` each, or on one they share."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from .._errors import ConnectError, ProtonatsError
from ._connected import ConnectedEvents
from ._connection import Connection, Server, Shareable, shown
from ._nats import Client
from ._servers import DEFAULT_SERVER

if TYPE_CHECKING:
    from ..events._registry import Events

__all__ = ["DEFAULT_SERVER", "ConnectContext", "Connecting"]

log = logging.getLogger("protonats")

T = TypeVar("T")


class Connecting(Generic[T]):
    """Opens a ``Connection`` (or borrows the one of a ``Shareable`` given as ``server``) on
    enter, binds it (``_bind``) and closes what it opened on exit."""

    def __init__(
        self,
        server: Server | Shareable,
        options: dict[str, Any],
        *,
        domain: str | None = None,
        api_prefix: str | None = None,
    ) -> None:
        self._server = server
        self._options = options
        self._domain = domain
        self._api_prefix = api_prefix
        self._opened: Connection | None = None

    def _bind(self, connection: Connection) -> T:
        raise NotImplementedError

    def _where(self) -> str:
        if isinstance(self._server, Shareable):
            return "shared with another connect()"
        return shown(self._server, self._options)

    async def __aenter__(self) -> T:
        server = self._server
        if isinstance(server, Shareable):
            if self._options or self._domain or self._api_prefix:
                raise ConnectError(
                    "connect() on a shared connection takes no connection options "
                    f"({sorted(self._options) or 'domain/api_prefix'}): pass them to the "
                    "connect() that opened it"
                )
            return self._bind(server._connection)
        connection = await Connection.open(
            server, self._options, domain=self._domain, prefix=self._api_prefix
        )
        try:
            bound = self._bind(connection)
        except BaseException:
            await connection.close()
            raise
        self._opened = connection
        return bound

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._opened is not None:
            connection, self._opened = self._opened, None
            try:
                await connection.close()
            except Exception as closing:
                if exc is not None:  # never replace the error in flight
                    log.warning("protonats: closing the connection failed too: %s", closing)
                    return
                if isinstance(closing, ProtonatsError):
                    raise
                raise ConnectError(
                    f"closing the connection to {self._where()} failed: "
                    f"{type(closing).__name__}: {closing}"
                ) from closing


class ConnectContext(Connecting[ConnectedEvents]):
    """``async with events.connect(...) as conn``: connects, and closes what it opened."""

    def __init__(
        self,
        events: Events,
        server: str | Sequence[str] | Client | Shareable | None,
        options: dict[str, Any],
        *,
        ack_timeout: float = 5.0,
        cloudevents_source: str | None = None,
        domain: str | None = None,
        api_prefix: str | None = None,
    ) -> None:
        super().__init__(server, options, domain=domain, api_prefix=api_prefix)
        self._events = events
        self._ack_timeout = ack_timeout
        self._cloudevents_source = cloudevents_source

    def __repr__(self) -> str:
        return f"ConnectContext({self._events!r}, {self._where()})"

    def _bind(self, connection: Connection) -> ConnectedEvents:
        return ConnectedEvents(
            self._events,
            connection,
            ack_timeout=self._ack_timeout,
            cloudevents_source=self._cloudevents_source,
        )
