"""Numbers for people: durations, byte sizes, counts, limits and stream config changes."""

from __future__ import annotations

from typing import Any

from ..events._event import Event
from ..events._fields import BY_JETSTREAM, LIMITS, POLICIES, Unit, count, duration, size
from ..jetstream._config import FieldChange

__all__ = ["change_text", "count", "duration", "limit_items", "limits_text", "size"]


def limit_items(event: Event[Any]) -> list[tuple[str, str]]:
    """The event's limits and non-default policies as (label, human value) pairs."""
    items = [
        (row.label, row.unit.text(value))
        for row in LIMITS
        if (value := getattr(event.limits, row.keyword)) is not None
    ]
    for policy in POLICIES:
        member = getattr(event, policy.keyword)
        if member is not policy.default:
            items.append((policy.label, member.value))
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
    row = BY_JETSTREAM.get(field)
    if row is not None and isinstance(value, int):
        if value < 0 or (value == 0 and row.unit is Unit.SECONDS):
            return "unlimited"
        return row.int_text(value)
    if field == "subjects" and isinstance(value, list):
        return ", ".join(value) or "none"
    return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return str(value)
