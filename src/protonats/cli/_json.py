"""Messages from and to JSON for the command line (``emit --json``, ``tail``): the event's
serializer knows its schema's JSON form; here every problem becomes one ``CliError`` line
naming the event and, where known, the field.
"""

from __future__ import annotations

import json
from typing import Any

from .._errors import DecodeError
from .._errors._cli import CliError
from ..events._event import Event
from ._output import one_line

__all__ = ["message_from_json", "message_to_json"]


def message_from_json(event: Event[Any], text: str) -> Any:
    """Build a message of ``event``'s schema from JSON ``text``, validating every field."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"event {event.name!r}: the message is not valid JSON: {exc}") from None
    try:
        return event.from_json(value)
    except DecodeError as exc:
        raise CliError(one_line(exc)) from None
    except (TypeError, ValueError) as exc:
        raise CliError(
            f"event {event.name!r}: cannot build a {event.schema_name} from JSON: {one_line(exc)}"
        ) from None


def message_to_json(event: Event[Any], message: Any) -> Any:
    """A JSON-compatible value of ``message``: what ``message_from_json`` accepts back."""
    try:
        return event.to_json(message)
    except (TypeError, ValueError):
        return repr(message)
