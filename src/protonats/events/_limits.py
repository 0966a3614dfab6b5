"""Stream limits of an event, validated when declared (the rules are rows of ``_fields``)."""

from __future__ import annotations

import dataclasses
from typing import Any

from ._fields import validate
from ._policies import Discard, Retention, Storage

__all__ = ["Discard", "Limits", "Retention", "Storage"]


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
    """Seconds in which a repeated ``uid`` is stored once.

    Server default: 2 minutes, or ``age`` if shorter."""
    message_ttl: float | None = None
    """Seconds each message lives unless ``emit(ttl=)`` says otherwise (the ``Nats-TTL``
    header); at least 1, not longer than ``age``. Turns on per-message TTLs (nats-server
    2.11+)."""

    def __post_init__(self) -> None:
        validate({field.name: getattr(self, field.name) for field in dataclasses.fields(self)})

    def evolve(self, **changes: Any) -> Limits:
        """Return a copy with ``changes`` applied (and validated)."""
        return dataclasses.replace(self, **changes)
