"""Per-message time to live (nats-server 2.11+, ADR-43): the ``Nats-TTL`` header of a message.

An event declared with ``allow_ttl=True`` or ``limits.message_ttl`` has a stream that allows
per-message TTLs. ``limits.message_ttl`` is sent on every message (it is in the event's shared
headers); ``emit(ttl=...)`` gives one message (or one batch) its own. The server removes the
message that long after storing it. Pure: the checks run before anything is sent.
"""

from __future__ import annotations

import math
from typing import Any

from .. import _wire
from .._errors import EmitError
from ..events._event import Event
from ..events._fields import BY_KEYWORD
from ._features import MESSAGE_TTL, ServerInfo, refusal

__all__ = ["default_ttl", "ttl_header", "ttl_value"]

_ROW = BY_KEYWORD["message_ttl"]


def ttl_value(seconds: float) -> str:
    """The header's value: whole seconds (``60``), else a Go duration (``1.5s``)."""
    return str(int(seconds)) if float(seconds).is_integer() else f"{seconds:g}s"


def default_ttl(event: Event[Any]) -> dict[str, str]:
    """The header every message of ``event`` carries: its ``limits.message_ttl``, if set."""
    ttl = event.limits.message_ttl
    return {_wire.TTL: ttl_value(ttl)} if ttl is not None else {}


def ttl_header(event: Event[Any], ttl: object, server: ServerInfo) -> dict[str, str]:
    """The ``Nats-TTL`` header of a message emitted with ``ttl=`` seconds; ``EmitError`` (or
    ``ServerTooOldError``) before anything is sent if the event, the value or the server does
    not allow it."""
    name = event.name
    if isinstance(ttl, bool) or not isinstance(ttl, int | float) or not math.isfinite(ttl):
        raise EmitError(f"event {name!r}: ttl must be a number of seconds, got {ttl!r}")
    if not (event.allow_ttl or event.limits.message_ttl is not None):
        raise EmitError(
            f"event {name!r}: emit(ttl=...) needs the event declared with allow_ttl=True (or "
            "limits.message_ttl) and registered since: its stream then allows per-message "
            "TTLs; nothing was sent"
        )
    if ttl < _ROW.minimum:
        raise EmitError(
            f"event {name!r}: ttl must be at least {_ROW.minimum:g} s (the server refuses "
            f"shorter ones), got {ttl:g}; nothing was sent"
        )
    age = event.limits.age
    if age is not None and ttl > age:
        raise EmitError(
            f"event {name!r}: ttl {_ROW.text(ttl)} is longer than limits.age {_ROW.text(age)}: "
            "the stream drops every message at that age whatever its TTL; nothing was sent"
        )
    too_old = refusal(
        MESSAGE_TTL,
        server,
        what=f"event {name!r}: emit(ttl=)",
        field="ttl",
        fix="emit without ttl",
        event=name,
        stream=event.stream_name,
    )
    if too_old is not None:
        raise too_old
    return {_wire.TTL: ttl_value(ttl)}
