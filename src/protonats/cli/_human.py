"""Numbers for people: durations, byte sizes, counts, limits and stream config changes."""

from __future__ import annotations

from typing import Any

from ..events._event import Event
from ..events._limits import Discard, Retention, Storage
from ..jetstream._config import FieldChange

__all__ = ["change_text", "count", "duration", "limit_items", "limits_text", "size"]

_DURATION_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))
_SIZE_UNITS = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))
_NS = 1_000_000_000


def duration(seconds: float) -> str:
    """``604800`` -> ``7 d``, ``5400`` -> ``1 h 30 min``, ``0.25`` -> ``250 ms``."""
    if seconds < 1:
        return f"{seconds * 1000:g} ms"
    parts = []
    rest = seconds
    for unit, length in _DURATION_UNITS:
        if rest >= length:
            whole = int(rest // length)
            parts.append(f"{whole} {unit}")
            rest -= whole * length
    if rest >= 0.001:
        parts.append(f"{round(rest * 1000):g} ms")
    return " ".join(parts)


def size(value: int) -> str:
    """``1048576`` -> ``1 MiB``, ``1500000`` -> ``1.43 MiB``, ``100`` -> ``100 B``."""
    for unit, length in _SIZE_UNITS:
        if value >= length:
            if value % length == 0:
                return f"{value // length} {unit}"
            return f"{value / length:.3g} {unit}"
    return f"{value} B"


def count(value: int) -> str:
    """``1000000`` -> ``1,000,000``."""
    return f"{value:,}"


def limit_items(event: Event[Any]) -> list[tuple[str, str]]:
    """The event's limits and non-default policies as (label, human value) pairs."""
    limits = event.limits
    items: list[tuple[str, str]] = []
    if limits.age is not None:
        items.append(("max age", duration(limits.age)))
    if limits.messages is not None:
        items.append(("max messages", count(limits.messages)))
    if limits.bytes is not None:
        items.append(("max bytes", size(limits.bytes)))
    if limits.message_size is not None:
        items.append(("max message size", size(limits.message_size)))
    if limits.consumers is not None:
        items.append(("max consumers", count(limits.consumers)))
    if limits.replicas is not None:
        items.append(("replicas", str(limits.replicas)))
    if limits.duplicate_window is not None:
        items.append(("duplicate window", duration(limits.duplicate_window)))
    if event.storage is not Storage.FILE:
        items.append(("storage", event.storage.value))
    if event.retention is not Retention.LIMITS:
        items.append(("retention", event.retention.value))
    if event.discard is not Discard.OLD:
        items.append(("discard", event.discard.value))
    return items


def limits_text(event: Event[Any]) -> str:
    """One line of the event's limits: ``max age 7 d, max bytes 1 GiB``, or ``none``."""
    return ", ".join(f"{label} {value}" for label, value in limit_items(event)) or "none"


def change_text(change: FieldChange) -> str:
    """One stream config change in human units: ``max_age: unlimited -> 7 d``."""
    if change.field == "metadata":
        old, new = change.old or {}, change.new or {}
        keys = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
        return ", ".join(f"{k}: {_plain(old.get(k))} -> {_plain(new.get(k))}" for k in keys)
    return (
        f"{change.field}: {_value(change.field, change.old)} -> {_value(change.field, change.new)}"
    )


def _value(field: str, value: Any) -> str:
    if field in {"max_age", "duplicate_window"} and isinstance(value, int):
        return "unlimited" if value <= 0 else duration(value / _NS)
    if field in {"max_bytes", "max_msg_size"} and isinstance(value, int):
        return "unlimited" if value < 0 else size(value)
    if field in {"max_msgs", "max_consumers"} and isinstance(value, int):
        return "unlimited" if value < 0 else count(value)
    if field == "subjects" and isinstance(value, list):
        return ", ".join(value) or "none"
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return str(value)
