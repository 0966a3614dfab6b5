"""The boundary's translations: a nats-py or JetStream failure as a ``ProtonatsError``.

Part of the boundary (``_nats`` re-exports these): functions from a nats-py exception to the
error protonats raises, keeping the server's code and description; and ``ServerErrors``, the
async errors a server sends (a publish it refused names its subject), which turn a denied
publish, JetStream API call or KV write into a ``PermissionDeniedError`` at once instead of
the timeout that would follow.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable
from typing import Any, NoReturn, TypeVar

import nats.errors
from nats.aio.client import Client
from nats.js import errors as js_errors

from .._errors import (
    ConsumerDeletedError,
    ConsumerError,
    JetStreamError,
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
    LedgerError,
    PermissionDeniedError,
)
from .._errors._jetstream import (
    ConsumerNotEnabledError,
    ConsumerTimeoutError,
    LedgerNotEnabledError,
    LedgerPermissionError,
    LedgerTimeoutError,
)
from ..events._event import Event

__all__ = [
    "CONSUMER_NOT_FOUND",
    "DEFAULT_API_PREFIX",
    "DEFAULT_PENDING_SIZE",
    "ENABLE_JETSTREAM",
    "STREAM_NAME_IN_USE",
    "STREAM_NOT_FOUND",
    "SUBJECTS_OVERLAP",
    "ServerErrors",
    "attach",
    "consumer_error",
    "denied_subject",
    "failure_class",
    "failure_reason",
    "jetstream_error",
    "kv_error",
]

log = logging.getLogger("protonats")
T = TypeVar("T")

DEFAULT_API_PREFIX = "$JS.API"

# JetStream API error codes (nats-server errors.json).
CONSUMER_NOT_FOUND = 10014
STREAM_NAME_IN_USE = 10058
STREAM_NOT_FOUND = 10059
SUBJECTS_OVERLAP = 10065
_NOT_ENABLED = frozenset({10039, 10076})  # for the account / on the server
ENABLE_JETSTREAM = (
    "JetStream is not enabled: start nats-server with -js (or jetstream {} in its config), "
    "or enable JetStream for this account"
)
_ROUTINE = (nats.errors.UnexpectedEOF, nats.errors.StaleConnectionError)
_PERMISSIONS = "permissions violation for publish to"


def failure_class(exc: BaseException) -> type[JetStreamError] | None:
    """The error class a nats-py failure calls for whatever the call was:
    ``JetStreamNotEnabledError``, ``JetStreamTimeoutError``, or None (the caller's own)."""
    description = getattr(exc, "description", None)
    if getattr(exc, "err_code", None) in _NOT_ENABLED or (
        not description
        and isinstance(exc, js_errors.ServiceUnavailableError | nats.errors.NoRespondersError)
    ):
        return JetStreamNotEnabledError
    if isinstance(exc, nats.errors.TimeoutError | asyncio.TimeoutError):
        return JetStreamTimeoutError
    return None


def failure_reason(exc: BaseException) -> str:
    """Why a nats-py call failed, in words, with the server's description and codes."""
    code = getattr(exc, "code", None)
    err_code = getattr(exc, "err_code", None)
    description = getattr(exc, "description", None)
    kind = failure_class(exc)
    if kind is JetStreamNotEnabledError:
        return f"{description}; {ENABLE_JETSTREAM}" if description else ENABLE_JETSTREAM
    if kind is JetStreamTimeoutError:
        return (
            "no answer from JetStream in time (server paused or overloaded, or a leader election)"
        )
    if description:
        return f"{description} (JetStream error {err_code}, status {code})"
    return str(exc) or type(exc).__name__


def jetstream_error(
    exc: BaseException,
    event: Event[Any],
    doing: str,
    *,
    cls: type[JetStreamError] = JetStreamError,
) -> JetStreamError:
    """Convert a nats-py error into ours, keeping the server's code and description."""
    kind = failure_class(exc)
    why = failure_reason(exc) + ("; retry" if kind is JetStreamTimeoutError else "")
    return (kind or cls)(
        f"event {event.name!r}: could not {doing} {event.stream_name!r}: {why}",
        event=event.name,
        stream=event.stream_name,
        code=getattr(exc, "code", None),
        err_code=getattr(exc, "err_code", None),
        description=getattr(exc, "description", None),
    )


def consumer_error(
    exc: BaseException, event: Event[Any], consumer: str | None, doing: str
) -> ConsumerError:
    """A failed consumer operation as a ``ConsumerError`` naming event and consumer."""
    base = jetstream_error(exc, event, f"{doing} consumer {consumer!r} on stream")
    cls: type[ConsumerError] = ConsumerError
    if base.err_code in (CONSUMER_NOT_FOUND, STREAM_NOT_FOUND):
        cls = ConsumerDeletedError
    if isinstance(base, JetStreamTimeoutError):
        cls = ConsumerTimeoutError
    elif isinstance(base, JetStreamNotEnabledError):
        cls = ConsumerNotEnabledError
    return cls(
        str(base),
        consumer=consumer,
        event=base.event,
        stream=base.stream,
        code=base.code,
        err_code=base.err_code,
        description=base.description,
    )


def kv_error(exc: BaseException, bucket: str, doing: str, fix: str) -> NoReturn:
    """Raise a failed call on KV bucket ``bucket`` as a ``LedgerError`` naming the bucket (a
    refused write also a ``PermissionDeniedError``, a timeout a ``JetStreamTimeoutError``)."""
    if isinstance(exc, PermissionDeniedError):
        raise LedgerPermissionError(
            f"could not {doing} KV bucket {bucket!r}: {exc}",
            subject=exc.subject,
            stream=f"KV_{bucket}",
            description=exc.description,
        ) from exc
    kind = failure_class(exc)
    cls: type[LedgerError] = LedgerError
    if kind is JetStreamNotEnabledError:
        cls, fix = LedgerNotEnabledError, "then register"
    elif kind is JetStreamTimeoutError:
        cls, fix = LedgerTimeoutError, "retry"
    raise cls(
        f"could not {doing} KV bucket {bucket!r}: {failure_reason(exc)}; {fix}",
        code=getattr(exc, "code", None),
        err_code=getattr(exc, "err_code", None),
        description=getattr(exc, "description", None),
    ) from exc


def denied(subject: str) -> PermissionDeniedError:
    """The error of a publish to ``subject`` the server refused."""
    return PermissionDeniedError(
        f"no permission to publish to {subject!r} (Permissions Violation): grant this user "
        "publish permission on it in the server's authorization or accounts config, or "
        "connect as a user that has it",
        subject=subject,
        description="Permissions Violation",
    )


class ServerErrors:
    """The async errors a server sends (``-ERR ...``): logged, and handed to who waits on them.

    Pass ``ServerErrors.callback`` as nats-py's ``error_cb``. A permission violation names a
    subject; the publishes waiting on that subject are failed by their watcher. nats-py
    lower-cases the server's error line, so watchers get the subject in lower case.
    ``redact`` hides the connection's secrets in what is logged.
    """

    __slots__ = ("_denied", "_forward", "_redact", "_watchers")

    def __init__(
        self,
        forward: Callable[[Exception], Awaitable[None]] | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self._forward = forward  # the user's own error_cb, still called
        self._redact = redact
        self._watchers: list[Callable[[str], None]] = []
        self._denied: dict[str, float] = {}  # subject (lower case) -> when, the last few

    def denied_recently(self, subject: str, within: float = 30.0) -> bool:
        """Whether the server refused a publish to ``subject`` in the last ``within`` s."""
        when = self._denied.get(subject.lower())
        return when is not None and time.monotonic() - when < within

    async def guard(self, subject: str, call: Awaitable[T]) -> T:
        """Await ``call``; ``PermissionDeniedError`` as soon as the server refuses a publish
        to ``subject`` meanwhile (instead of the timeout that would follow)."""
        loop = asyncio.get_running_loop()
        refused: asyncio.Future[str] = loop.create_future()
        wanted = subject.lower()

        def on_denied(subject: str) -> None:
            if subject == wanted and not refused.done():
                refused.set_result(subject)

        unwatch = self.watch(on_denied)
        work = asyncio.ensure_future(call)
        try:
            await asyncio.wait((work, refused), return_when=asyncio.FIRST_COMPLETED)
        finally:
            unwatch()
            if not work.done():
                work.cancel()
                await asyncio.wait((work,))
        if refused.done() and (work.cancelled() or work.exception() is not None):
            raise denied(subject)
        return work.result()

    def watch(self, on_denied: Callable[[str], None]) -> Callable[[], None]:
        """Call ``on_denied(subject)`` for each publish permission violation; returns undo."""
        self._watchers.append(on_denied)
        return lambda: self._watchers.remove(on_denied)

    async def callback(self, exc: Exception) -> None:
        text = str(exc) or type(exc).__name__
        # What the server says (-ERR, permissions, authorization) is a warning; a socket that
        # fails while (re)connecting is routine and the operation waiting on it reports it.
        server_said = isinstance(exc, nats.errors.Error) and not isinstance(exc, _ROUTINE)
        level = logging.WARNING if server_said else logging.DEBUG
        log.log(level, "nats: %s", self._redact(text))
        if self._forward is not None:
            await self._forward(exc)
        subject = denied_subject(text)
        if subject is not None:
            if len(self._denied) > 100:
                self._denied.clear()
            self._denied[subject] = time.monotonic()
            for watcher in list(self._watchers):
                watcher(subject)


def denied_subject(text: str) -> str | None:
    """The subject of ``Permissions Violation for Publish to "subject"`` (any case: nats-py
    lower-cases the line), in lower case; else None."""
    _, found, rest = text.lower().partition(_PERMISSIONS)
    if not found:
        return None
    return rest.strip().strip("'\"").split('"')[0].strip() or None


_HOOKS: weakref.WeakKeyDictionary[Client, tuple[ServerErrors, int]] = weakref.WeakKeyDictionary()
# nats-py's default outgoing buffer (its ``pending_size`` option), for a client we did not open.
DEFAULT_PENDING_SIZE = 2 * 1024 * 1024


def attach(nc: Client, errors: ServerErrors, pending_size: int = DEFAULT_PENDING_SIZE) -> None:
    """Tell the boundary that ``errors.callback`` is ``nc``'s error_cb and ``pending_size`` its
    outgoing buffer (both set at connect, as the client's options)."""
    _HOOKS[nc] = (errors, pending_size)


def hooks_of(nc: Client) -> tuple[ServerErrors, int]:
    """What ``attach`` said of ``nc``; a client connected elsewhere has its own error_cb, so its
    violations stay timeouts."""
    return _HOOKS.get(nc) or (ServerErrors(), DEFAULT_PENDING_SIZE)
