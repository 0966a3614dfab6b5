"""The stream policies an event declares: storage, retention and discard."""

from __future__ import annotations

import enum

__all__ = ["Discard", "Retention", "Storage"]


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
