"""A uid or header that would not arrive as given is refused before anything is sent.

nats-py strips header values and turns CR/LF into spaces, so ``uid="order-1 "`` would be
stored as ``order-1`` (and dropped as a duplicate of it); it fails in the middle of a send on
a value that is not a UTF-8 ``str``. The rules are ``_wire.header_value_problem`` and
``header_name_problem``; here they become an ``EmitError`` naming the event, the header (or
uid) and why. ``check_uid`` is on emit's hot path: one call per message, returning at once
(no allocation) when the uid is fine; the other headers are checked once per call.
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import _wire
from .._errors import EmitError

__all__ = [
    "check_headers",
    "check_size",
    "check_uid",
    "header_error",
    "header_problem",
    "shown",
    "uid_error",
]

_EMPTY = "an empty uid is no uid to the server (nothing would be deduplicated)"


def shown(value: object, width: int = 60) -> str:
    """``repr(value)``, cut to ``width`` characters."""
    text = repr(value)
    return text if len(text) <= width else f"{text[: width - 4]}...{text[-1]}"


def uid_error(event: str, uid: object) -> EmitError | None:
    """The refusal of ``uid`` (``None``: it arrives as given)."""
    problem = _wire.header_value_problem(uid)
    if problem is None:
        if uid != "":
            return None
        problem = _EMPTY
    return EmitError(
        f"event {event!r}: uid {shown(uid)} would not arrive as given: {problem}. Nothing "
        "was sent: pass the uid exactly as it should be stored"
    )


def header_problem(headers: Mapping[str, object]) -> tuple[str, object, str] | None:
    """The first header of ``headers`` that would not arrive as given: its name, its value
    and why; ``None`` when all would. A ``ce-*`` value is percent-encoded before it is sent,
    so only its type and encoding matter."""
    for name, value in headers.items():
        problem = _wire.header_name_problem(name)
        if problem is not None:
            return str(name), value, problem
        if isinstance(value, str) and name.lower().startswith(_wire.CLOUDEVENTS_PREFIX):
            problem = None if _encodable(value) else "it is not valid Unicode (a lone surrogate)"
        else:
            problem = _wire.header_value_problem(value)
        if problem is not None:
            return name, value, problem
    return None


def header_error(event: str, headers: Mapping[str, object] | None) -> EmitError | None:
    """The refusal of the first header of ``headers`` that would not arrive as given."""
    found = header_problem(headers) if headers else None
    if found is None:
        return None
    name, value, problem = found
    return EmitError(
        f"event {event!r}: header {shown(name)} value {shown(value)} would not arrive as "
        f"given: {problem}. Nothing was sent"
    )


def _encodable(value: str) -> bool:
    try:
        value.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_headers(event: str, headers: Mapping[str, object] | None, trace_id: object) -> None:
    """Raise the refusal of emit's ``headers`` or ``trace_id`` (checked once per call): one
    that would not arrive as given, or one protonats sets itself."""
    clash = _wire.RESERVED.intersection(headers) if headers else None
    if clash:
        raise EmitError(
            f"event {event!r}: headers {sorted(clash)} are set by protonats; use uid= for "
            "Nats-Msg-Id and trace_id= for the trace header"
        )
    refused = header_error(event, headers)
    if refused is None and trace_id is not None:
        refused = header_error(event, {_wire.TRACE_ID: trace_id})
    if refused is not None:
        raise refused


def check_uid(event: str, uid: object) -> None:
    """Raise the refusal of ``uid``; return at once when it arrives as given (hot path)."""
    if (
        type(uid) is str
        and uid
        and uid.isascii()
        and uid.isprintable()
        and uid[0] != " "
        and uid[-1] != " "
    ):
        return
    refused = uid_error(event, uid)
    if refused is not None:
        raise refused


def check_size(event: str, size: int) -> None:
    """Raise when ``size`` bytes of headers are more than JetStream stores with a message."""
    if size > _wire.MAX_HEADER_SIZE:
        raise EmitError(
            f"event {event!r}: {size} bytes of headers (the uid included) are over the "
            f"{_wire.MAX_HEADER_SIZE} bytes JetStream stores with a message; nothing was sent"
        )
