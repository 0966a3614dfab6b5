"""Stream limits and policies of an event, validated when declared."""

from __future__ import annotations

import dataclasses
import enum
import math
from typing import Any, NoReturn

from .._errors import InvalidLimitsError

__all__ = ["Discard", "Limits", "Retention", "Storage"]

# A max age above ~31 years is almost surely nanoseconds passed where seconds are expected.
_MAX_AGE_SECONDS = 1_000_000_000
_MIN_DUPLICATE_WINDOW = 0.1


class Storage(enum.StrEnum):
    """Where a stream keeps messages. JetStream cannot change it once the stream exists."""

    FILE = "file"
    MEMORY = "memory"


class Retention(enum.StrEnum):
    """When a stream may drop a message. JetStream cannot change it once the stream exists.

    The default, ``LIMITS``, keeps every message until a limit drops it, so an event emitted
    before its first consumer exists is not lost (walnats' ``INTEREST`` default dropped it).
    """

    LIMITS = "limits"
    INTEREST = "interest"
    WORK_QUEUE = "workqueue"


class Discard(enum.StrEnum):
    """What a full stream does: drop its oldest messages, or refuse new ones."""

    OLD = "old"
    NEW = "new"


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """How much of an event the stream keeps. ``None`` means no limit (or the server default).

    When a limit is reached the server drops the oldest messages (``Discard.OLD``), so choose
    limits from how long actors may be down, not from how long they usually take.
    """

    age: float | None = None
    """Maximum age of a message, in seconds."""
    consumers: int | None = None
    """Maximum number of consumers of the stream."""
    messages: int | None = None
    """Maximum number of messages in the stream."""
    bytes: int | None = None
    """Maximum total size of the stream, in bytes."""
    message_size: int | None = None
    """Maximum size of one payload, in bytes; ``emit`` refuses larger ones before sending."""
    replicas: int | None = None
    """Copies of each message in a cluster, 1 to 5. Server default: 1."""
    duplicate_window: float | None = None
    """Seconds in which a repeated ``uid`` is stored once. Server default: 120 (or ``age``)."""

    def __post_init__(self) -> None:
        for name in ("consumers", "messages", "bytes", "message_size"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int):
                _fail(name, f"must be an int, got {type(value).__name__} {value!r}")
            if value < 1:
                _fail(name, f"must be at least 1, got {value}; use None for no limit")
        if self.replicas is not None and (
            isinstance(self.replicas, bool)
            or not isinstance(self.replicas, int)
            or not 1 <= self.replicas <= 5
        ):
            _fail("replicas", f"must be an int from 1 to 5, got {self.replicas!r}")
        for name in ("age", "duplicate_window"):
            value = getattr(self, name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, int | float):
                _fail(name, f"must be a number of seconds, got {type(value).__name__}")
            if not math.isfinite(value) or value <= 0:
                _fail(name, f"must be a positive number of seconds, got {value}")
        if self.age is not None:
            if self.age >= _MAX_AGE_SECONDS:
                _fail("age", f"is in seconds; {self.age} looks like nanoseconds")
            if self.age < 0.001:
                _fail("age", f"must be at least 0.001 s (1 ms), got {self.age}")
        if self.duplicate_window is not None:
            if self.duplicate_window < _MIN_DUPLICATE_WINDOW:
                _fail(
                    "duplicate_window",
                    f"must be at least 0.1 s (100 ms), got {self.duplicate_window}",
                )
            if self.age is not None and self.duplicate_window > self.age:
                _fail(
                    "duplicate_window",
                    f"({self.duplicate_window} s) must not be longer than age ({self.age} s)",
                )

    def evolve(self, **changes: Any) -> Limits:
        """Return a copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)


def _fail(field: str, why: str) -> NoReturn:
    raise InvalidLimitsError(f"Limits.{field} {why}")
