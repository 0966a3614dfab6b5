"""Numbers for people: durations, byte sizes, counts and an event's limits (a stream config
change says itself in these words: ``FieldChange.human()``)."""

from __future__ import annotations

import re
from typing import Any

from ..events._event import Event
from ..events._fields import FLAGS, LIMITS, POLICIES, count, duration, size
from ..jetstream._features import BY_FLAG

__all__ = ["count", "duration", "limit_items", "limits_text", "parse_duration", "size"]

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|min|s|m|h|d)")


def parse_duration(text: str) -> float:
    """``10m`` -> 600, ``1h30m`` -> 5400, ``90`` (seconds) -> 90, ``2d``, ``500ms``;
    ``ValueError`` for anything else."""
    plain = text.strip().lower()
    try:
        return float(plain)
    except ValueError:
        pass
    parts = _PART.findall(plain)
    if not parts or _PART.sub("", plain).strip():
        raise ValueError(f"{text!r} is not a duration: use e.g. 90s, 10m, 1h30m, 2d")
    return sum(float(number) * _UNITS[unit] for number, unit in parts)


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
    for flag in FLAGS:
        if flag.on(event):
            needed = BY_FLAG[flag.keyword].needed
            items.append((flag.label, f"allowed, {flag.call} (nats-server {needed}+)"))
    return items


def limits_text(event: Event[Any]) -> str:
    """One line of the event's limits: ``max age 7 d, max bytes 1 GiB``, or ``none``."""
    return ", ".join(f"{label} {value}" for label, value in limit_items(event)) or "none"
