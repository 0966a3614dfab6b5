"""Whether a lowered limit makes the server delete stored messages, and how many (pure).

JetStream applies a stream's limits the moment they change: a lower ``max_age`` expires
every message older than it, a lower ``max_msgs`` or ``max_bytes`` removes the oldest
messages over it (with ``discard=old``; ``discard=new`` keeps them and refuses new ones).
``register`` refuses such a change unless asked (``allow_data_loss``): a deploy must not
delete events as a side effect. All three limits drop from the oldest end, so together
they drop as many messages as the worst of them alone.

The counts come from the stream's state; for ``age``, from the first message not older
than the new limit (the server's get-message-by-time, asked by ``_register``). Bytes are
estimated from the stream's average message size.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from .._errors import DataLossError, Fix
from ..events._fields import BY_JETSTREAM, BY_KEYWORD, Unit
from ._changes import FieldChange

__all__ = ["DataLoss", "Stored", "age_lowered", "data_loss_error", "losses"]

_DELETING = ("age", "messages", "bytes")
"""The limits whose lowering deletes stored messages (``Limits`` keywords)."""


@dataclasses.dataclass(frozen=True, slots=True)
class Stored:
    """What a stream holds: its state, and for a lowered ``max_age`` the answer of the
    server's get-message-by-time."""

    messages: int
    bytes: int
    first_seq: int
    last_seq: int
    kept_from: int | None = None
    """The first sequence not older than the declared max age (``last_seq + 1`` when every
    message is older); ``None`` when not asked (the age is not lowered)."""

    def about_bytes(self, messages: int) -> int:
        """The bytes ``messages`` of the oldest messages hold, from the average size."""
        if messages >= self.messages:
            return self.bytes
        return math.ceil(messages * self.bytes / self.messages) if self.messages else 0


@dataclasses.dataclass(frozen=True, slots=True)
class DataLoss:
    """What one lowered limit would delete at once."""

    field: str
    """The ``Limits`` keyword: ``age``, ``messages`` or ``bytes``."""
    old: Any
    new: Any
    """The limit's values in ``Limits`` units (``None``: unlimited)."""
    messages: int
    bytes: int
    """About: from the stream's average message size."""


def _lowered(old: int, new: int) -> bool:
    """Whether a limit goes down; ``old``/``new`` as the plan compares them (0 or -1: none)."""
    return new > 0 and (old <= 0 or new < old)


def age_lowered(old_ns: int, new_ns: int) -> float | None:
    """The declared max age in seconds when it is lower than the stream's (then register
    asks the server which messages it keeps); else ``None``."""
    return new_ns / BY_KEYWORD["age"].scale if _lowered(old_ns, new_ns) else None


def losses(changes: Sequence[FieldChange], discard: str, stored: Stored | None) -> list[DataLoss]:
    """What each lowered limit among ``changes`` would delete
    from ``stored``, under the declared ``discard`` policy; empty when nothing."""
    if stored is None or stored.messages <= 0:
        return []
    found: list[DataLoss] = []
    for change in changes:
        row = BY_JETSTREAM.get(change.field)
        if row is None or row.keyword not in _DELETING or not _lowered(change.old, change.new):
            continue
        if row.keyword == "age":
            if stored.kept_from is None:
                continue
            drop = min(max(stored.kept_from - stored.first_seq, 0), stored.messages)
            size = stored.about_bytes(drop)
        elif discard != "old":
            continue  # discard=new keeps what is stored and refuses new messages instead
        elif row.keyword == "messages":
            drop = max(stored.messages - change.new, 0)
            size = stored.about_bytes(drop)
        else:
            over = stored.bytes - change.new
            average = stored.bytes / stored.messages
            drop = min(math.ceil(over / average), stored.messages) if over > 0 else 0
            size = max(over, 0)
        if drop > 0:
            found.append(DataLoss(row.keyword, change.value(change.old), change.value(change.new),
                              drop, size))  # fmt: skip
    return found


def data_loss_error(event: str, stream: str, found: Sequence[DataLoss], held: int) -> DataLossError:
    """The refusal of the lowered limits in ``found`` (not empty) on a stream holding
    ``held`` messages: it names the worst one, the count and the flag."""
    worst = max(found, key=lambda loss: loss.messages)
    row = BY_KEYWORD[worst.field]
    also = [f"{BY_KEYWORD[o.field].label} too" for o in found if o is not worst]
    what = (
        f"lowering {row.label} {row.text(worst.old)} → {row.text(worst.new)}"
        + (f" ({', '.join(also)})" if also else "")
        + f" would make the server delete {worst.messages:,} of the {held:,} messages "
        f"stream {stream!r} holds (about {BY_KEYWORD['bytes'].unit.text(worst.bytes)})"
    )
    how = "older than the new limit" if row.unit is Unit.SECONDS else "the oldest ones"
    return DataLossError.with_fix(
        f"event {event!r}: {what}, {how}, the moment it is applied; register does not "
        "delete stored messages without consent",
        Fix(
            "Register with allow_data_loss=True to apply it, or keep the limit",
            "Run `protonats register --allow-data-loss` to apply it, or keep the limit",
        ),
        event=event,
        stream=stream,
        field=worst.field,
        old=worst.old,
        new=worst.new,
        would_drop=worst.messages,
        would_drop_bytes=worst.bytes,
    )
