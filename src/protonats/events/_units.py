"""What a limit counts and how its values read for people: ``7 d``, ``1 MiB``, ``10,000``."""

from __future__ import annotations

import enum

__all__ = ["Unit", "count", "duration", "size"]

_DURATION_UNITS = (("d", 86_400), ("h", 3_600), ("min", 60), ("s", 1))
_SIZE_UNITS = (("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10))


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


class Unit(enum.Enum):
    """What a limit counts. Durations are float seconds in ``Limits``, a
    ``google.protobuf.Duration`` in the option and integer nanoseconds on the wire."""

    SECONDS = "seconds"
    BYTES = "bytes"
    COUNT = "count"

    def text(self, value: float) -> str:
        """``value`` (in this unit) for people: ``7 d``, ``1 MiB``, ``10,000``."""
        if self is Unit.SECONDS:
            return duration(value)
        if self is Unit.BYTES:
            return size(int(value))
        return count(int(value))
