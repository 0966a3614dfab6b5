"""Errors of a message on its way in or out: not stored (``EmitError`` and its kinds), or not
decodable (``DecodeError``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._base import ProtonatsError

__all__ = [
    "AckTimeoutError",
    "BatchEmitError",
    "DecodeError",
    "DelayError",
    "EmitError",
    "MessageTooLargeError",
    "MessageTypeError",
    "NoStreamError",
    "UnknownEventError",
]


class EmitError(ProtonatsError):
    """A message was not stored; nothing is reported as sent unless the server acked it."""


class AckTimeoutError(EmitError, TimeoutError):
    """No acknowledgement arrived in time: the message may or may not be stored.

    Likely causes: an overloaded or partitioned server. Retry with the same ``uid`` so the
    stream stores it exactly once.
    """


class UnknownEventError(EmitError, KeyError):
    """The event is not in this ``Events`` registry: add it, or use the registry it belongs to.

    ``name`` is the unknown name, ``suggestion`` the closest known name, if any.
    """

    def __init__(self, message: str, *, name: str | None = None, suggestion: str | None = None):
        super().__init__(message)
        self.name = name
        self.suggestion = suggestion

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class MessageTypeError(EmitError, TypeError):
    """The message is not an instance of the event's schema (wrong event or wrong object)."""


class EncodeError(EmitError, ValueError):
    """A message of the event's schema does not encode: a proto2 ``required`` field unset, a
    value its serializer cannot write. ``event`` names the event; nothing was sent."""

    def __init__(self, message: str, *, event: str) -> None:
        super().__init__(message)
        self.event = event


class MessageTooLargeError(EmitError, ValueError):
    """The encoded payload is larger than the event's ``limits.message_size``."""


class DelayError(EmitError, ValueError):
    """``emit(delay=...)`` cannot be honoured; raised before anything is sent.

    Likely causes: the event was not declared with ``allow_delay=True`` (or not registered
    since), or the delay is longer than the stream keeps messages (``limits.age``). A server
    older than nats-server 2.12 (no message scheduling) is a ``ServerTooOldError``.
    """


class NoStreamError(EmitError):
    """No stream stores the event's subject: call ``register()`` first, or check the server."""


class BatchEmitError(EmitError):
    """Some messages of ``emit_many`` were not stored.

    ``failures`` maps each failed message's index to its exception; ``acks`` holds the ack
    of every message, ``None`` where it failed, in input order. ``not_stored`` are the
    indexes the server certainly did not store (refused, or never sent); ``maybe_stored`` got
    no answer: retry them with the same uids within ``duplicate_window`` seconds so the stream
    stores each exactly once.
    """

    def __init__(
        self,
        message: str,
        failures: dict[int, BaseException],
        acks: Sequence[Any],
        *,
        maybe_stored: frozenset[int] = frozenset(),
        duplicate_window: float,
    ) -> None:
        super().__init__(message)
        self.failures = failures
        self.acks = list(acks)
        self.maybe_stored = maybe_stored
        self.not_stored = frozenset(failures) - maybe_stored
        self.duplicate_window = duplicate_window


class DecodeError(ProtonatsError, ValueError):
    """A payload does not decode with the event's schema: a producer sent another shape.

    ``raw`` holds the undecoded message; it is not acked, so nothing is lost.
    """

    def __init__(self, message: str, *, event: str, raw: Any = None) -> None:
        super().__init__(message)
        self.event = event
        self.raw = raw


class ConnectionClosedError(EmitError):
    """The connection was closed before the server acknowledged the message."""
