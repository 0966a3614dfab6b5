"""The boundary's translations: a nats-py or JetStream failure as a ``ProtonatsError``.

Part of the boundary (``_nats`` re-exports these): pure functions from a nats-py exception to
the error protonats raises, keeping the server's code and description.
"""

from __future__ import annotations

import asyncio
from typing import Any

import nats.errors
from nats.js import errors as js_errors

from .._errors import (
    ConsumerDeletedError,
    ConsumerError,
    JetStreamError,
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
)
from ..events._event import Event

__all__ = [
    "CONSUMER_NOT_FOUND",
    "ENABLE_JETSTREAM",
    "STREAM_NAME_IN_USE",
    "STREAM_NOT_FOUND",
    "SUBJECTS_OVERLAP",
    "consumer_error",
    "failure_class",
    "failure_reason",
    "jetstream_error",
]

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
    if isinstance(base, JetStreamNotEnabledError | JetStreamTimeoutError):
        why = str(base)
        if isinstance(base, JetStreamTimeoutError):
            return _ConsumerTimeoutError(why, consumer=consumer, **_fields(base))
        return _ConsumerNotEnabledError(why, consumer=consumer, **_fields(base))
    return cls(str(base), consumer=consumer, **_fields(base))


def _fields(err: JetStreamError) -> dict[str, Any]:
    return {
        "event": err.event,
        "stream": err.stream,
        "code": err.code,
        "err_code": err.err_code,
        "description": err.description,
    }


class _ConsumerTimeoutError(ConsumerError, JetStreamTimeoutError):
    """A consumer call got no answer in time."""


class _ConsumerNotEnabledError(ConsumerError, JetStreamNotEnabledError):
    """A consumer call on a server without JetStream."""
