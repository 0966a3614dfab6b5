"""Part of the boundary: opening and closing a nats-py client.

The first connection fails fast and says why: each server is tried once (nats-py's own
per-step ``connect_timeout`` bounds each try), and the reasons nats-py reports to ``error_cb``
become ``AuthError``, ``TLSError`` or ``ConnectError`` (``_nats_first_connect``). The client
keeps the reconnect settings it was given (protonats' default: reconnect forever), so later
outages are reconnected by nats-py; nothing is changed on the client after it connected.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import nats.errors
from nats.aio.client import Client

from ._nats_errors import DEFAULT_PENDING_SIZE, ServerErrors, attach
from ._nats_first_connect import first_connect_error, refuse_plain_text
from ._servers import check_urls, redact, secrets_of, server_urls

__all__ = ["close_client", "connect_client", "shown_servers"]

log = logging.getLogger("protonats")

_DEFAULTS: dict[str, Any] = {"connect_timeout": 2, "max_reconnect_attempts": -1}
_FLUSH_BOUND = 5  # seconds: leaving connect() does not wait long on a server that went away
_CALLBACKS = ("error_cb", "disconnected_cb", "reconnected_cb", "closed_cb")


async def close_client(nc: Client) -> None:
    """Close a client, flushing what it still has to send if it is connected (within a bound:
    a server that went away does not hold up the exit). Unacked messages of subscriptions
    are dropped here and redelivered by JetStream; nothing is lost."""
    if nc.is_closed:
        return
    _CLOSING.add(nc)
    if nc.is_connected:
        try:
            await nc.flush(_FLUSH_BOUND)
        except (TimeoutError, nats.errors.Error, OSError) as exc:
            log.info("protonats: flush before close failed: %s", type(exc).__name__)
    try:
        await nc.close()
    except (TimeoutError, nats.errors.Error, OSError) as exc:  # the server went away first
        log.warning("protonats: the connection was lost before it closed: %s", type(exc).__name__)


async def connect_client(server: str | Sequence[str] | None, options: dict[str, Any]) -> Client:
    """A new client connected to ``server`` (URL, comma-separated URLs or a list; default
    ``$NATS_URL``, else ``nats://localhost:4222``) with nats-py ``options``. Its async errors
    are logged (redacted) and handed to the boundary's ``ServerErrors``. Close it with
    ``close_client``. Raises ``AuthError``, ``TLSError`` or ``ConnectError``."""
    options = dict(options)
    urls = server_urls(server or os.environ.get("NATS_URL"))
    secrets = secrets_of(urls, options)
    check_urls(urls, secrets)
    user_error_cb = options.pop("error_cb", None)
    shown = functools.partial(redact, secrets=secrets)
    errors = ServerErrors(forward=user_error_cb, redact=shown)
    nc = await open_client(urls, options, errors, secrets, user_error_cb)
    attach(nc, errors, int(options.get("pending_size", DEFAULT_PENDING_SIZE)))
    return nc


def shown_servers(nc: Client, options: dict[str, Any]) -> list[str]:
    """The client's server URLs, their secrets redacted (for messages and reprs)."""
    urls = [url.geturl() for url in nc.servers]
    secrets = secrets_of(urls, options)
    return [redact(url, secrets) for url in urls]


_CLOSING: weakref.WeakSet[Client] = weakref.WeakSet()  # closed by us: no warning


class _Lifecycle:
    """The first connection: what nats-py reports while making it; failed once every server
    failed once."""

    def __init__(self, servers: int) -> None:
        self.servers = servers
        self.errors: list[BaseException] = []
        self.active = True
        self.failed = asyncio.Event()

    def add(self, exc: BaseException) -> None:
        self.errors.append(exc)
        if len(self.errors) >= self.servers:
            self.failed.set()


async def open_client(
    urls: list[str],
    options: dict[str, Any],
    errors: ServerErrors,
    secrets: Sequence[str],
    user_error_cb: Callable[[Exception], Awaitable[None]] | None = None,
) -> Client:
    """A connected client; a ``ConnectError`` naming the reason once every server failed.

    After the first connection, nats-py's errors go to ``errors.callback``."""
    settings = {**_DEFAULTS, **options}
    verifies_clients = await refuse_plain_text(urls, settings, secrets)
    first = _Lifecycle(len(urls))
    nc = Client()
    user = {k: settings.pop(k, None) for k in _CALLBACKS}
    user["error_cb"] = user_error_cb
    shown = functools.partial(redact, secrets=secrets)
    settings.update(_callbacks(nc, first, errors, shown, user))
    attempt = asyncio.ensure_future(nc.connect(urls, **settings))
    failed = asyncio.ensure_future(first.failed.wait())
    # A safety net: nats-py bounds each step of a try by connect_timeout.
    bound = 4 * float(settings["connect_timeout"]) * len(urls) + 1
    connected = False
    try:
        await asyncio.wait((attempt, failed), timeout=bound, return_when=asyncio.FIRST_COMPLETED)
    finally:  # also when we are cancelled: never leave a half-open client behind
        failed.cancel()
        if not attempt.done():
            await _stop(attempt, nc)
        ended = attempt.done() and not attempt.cancelled()
        failure = attempt.exception() if ended else None
        connected = ended and failure is None
        if not connected:
            _CLOSING.add(nc)
            await nc.close()
    first.active = False
    if connected:
        return nc
    reasons = [*first.errors, *([failure] if failure is not None else [])]
    raise first_connect_error(
        urls, reasons, settings, secrets, bound, verifies_clients=verifies_clients
    ) from (reasons[-1] if reasons else None)


async def _stop(attempt: asyncio.Future[None], nc: Client) -> None:
    """End a first connect still under way. nats-py can swallow a cancel (Python 3.11's
    ``wait_for`` inside it), and with reconnects unbounded its connect then tries on for ever,
    once every ``reconnect_time_wait``: cancel again at each of its turns, and close the
    client if that is not enough, so a refused first connection never hangs its caller."""
    for _ in range(_STOP_TRIES):
        attempt.cancel()
        await asyncio.wait((attempt,), timeout=_STOP_TURN)
        if attempt.done():
            return
    _CLOSING.add(nc)
    await nc.close()  # its connect loop ends at its next try
    attempt.cancel()
    await asyncio.wait((attempt,), timeout=_STOP_TURN * _STOP_TRIES)
    if not attempt.done():
        log.warning("protonats: a failed first connect did not stop; left to nats-py")


_STOP_TRIES, _STOP_TURN = 50, 0.1
"""A cancel of a first connect is repeated every 0.1 s for 5 s, then the client is closed."""


def _callbacks(
    nc: Client,
    first: _Lifecycle,
    errors: ServerErrors,
    shown: Callable[[str], str],
    user: dict[str, Callable[..., Awaitable[None]] | None],
) -> dict[str, Callable[..., Awaitable[None]]]:
    """nats-py callbacks: the first connection's failures are collected (and raised by
    ``open_client``); later errors go to ``errors`` (logged, redacted, handed to watchers and
    the user's ``error_cb``); connection changes are logged. The user's callbacks still run."""

    async def error_cb(exc: Exception) -> None:
        if not first.active:
            await errors.callback(exc)
            return
        first.add(exc)
        if user["error_cb"] is not None:
            await user["error_cb"](exc)

    async def disconnected_cb() -> None:
        if not first.active and nc not in _CLOSING:
            log.warning("NATS connection lost; reconnecting")
        if user["disconnected_cb"] is not None:
            await user["disconnected_cb"]()

    async def reconnected_cb() -> None:
        url = nc.connected_url
        log.warning("NATS reconnected to %s", shown(url.geturl() if url else "?"))
        if user["reconnected_cb"] is not None:
            await user["reconnected_cb"]()

    async def closed_cb() -> None:
        if not first.active and nc not in _CLOSING and nc.last_error is not None:
            log.warning("NATS connection closed: %s", shown(str(nc.last_error)))
        if user["closed_cb"] is not None:
            await user["closed_cb"]()

    return {
        "error_cb": error_cb,
        "disconnected_cb": disconnected_cb,
        "reconnected_cb": reconnected_cb,
        "closed_cb": closed_cb,
    }
