"""Messages from and to JSON: the protobuf JSON mapping for protobuf schemas, pydantic's own
validation for models, and msgspec's strict JSON decoding for dataclasses, Structs and the rest.

Every problem becomes one ``CliError`` line naming the event and, where known, the field.
"""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import msgspec
from google.protobuf import json_format
from google.protobuf.message import Message

from ..events._event import Event
from ..events._serializers import is_pydantic
from ._common import CliError, one_line

__all__ = ["is_protobuf", "is_pydantic", "message_from_json", "message_to_json"]

_PROTOBUF_FIELD = re.compile(r"Failed to parse (?P<field>\S+) field: ")
_MSGSPEC_AT = re.compile(r"^(?P<what>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.DOTALL)


def is_protobuf(schema: Any) -> bool:
    """Whether ``schema`` is a generated protobuf message class."""
    return isinstance(schema, type) and issubclass(schema, Message)


def message_from_json(event: Event[Any], text: str) -> Any:
    """Build a message of ``event``'s schema from JSON ``text``, validating every field."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CliError(f"event {event.name!r}: the message is not valid JSON: {exc}") from None
    schema = event.schema
    if is_protobuf(schema):
        well_known = event.schema_name.startswith("google.protobuf.")  # Timestamp: a string
        if not isinstance(value, dict) and not well_known:
            raise CliError(
                f"event {event.name!r}: {event.schema_name} is a protobuf message, so the JSON "
                f"must be an object, got {type(value).__name__}"
            )
        try:
            return json_format.ParseDict(value, schema())
        except json_format.ParseError as exc:
            raise CliError(f"event {event.name!r}: {_protobuf_error(exc)}") from None
    if is_pydantic(schema):
        return _pydantic(event, value)
    try:
        return msgspec.json.decode(text.encode(), type=schema)
    except msgspec.ValidationError as exc:
        raise CliError(f"event {event.name!r}: {_msgspec_error(exc)}") from None
    except (TypeError, ValueError) as exc:
        raise CliError(
            f"event {event.name!r}: cannot build a {event.schema_name} from JSON: {one_line(exc)}"
        ) from None


def _protobuf_error(exc: json_format.ParseError) -> str:
    """``Failed to parse a field: Failed to parse b field: why`` -> ``field a.b: why``."""
    text = one_line(exc)
    path = []
    while match := _PROTOBUF_FIELD.match(text):
        path.append(match["field"])
        text = text[match.end() :]
    return f"field {'.'.join(path)}: {text.rstrip('.')}" if path else text


def _pydantic(event: Event[Any], value: Any) -> Any:
    import pydantic

    try:
        return event.schema.model_validate(value)
    except pydantic.ValidationError as exc:
        problems = []
        for error in exc.errors():
            where = ".".join(str(part) for part in error["loc"])
            problems.append(f"field {where}: {error['msg']}" if where else error["msg"])
        raise CliError(f"event {event.name!r}: {'; '.join(problems)}") from None


def _msgspec_error(exc: msgspec.ValidationError) -> str:
    """``Expected `int`, got `str` - at `$.count``` -> ``field count: expected int, got str``."""
    match = _MSGSPEC_AT.match(str(exc))
    if match is None:  # pragma: no cover - the pattern matches any text
        return one_line(exc)
    what = match["what"].replace("`", "")
    what = what[:1].lower() + what[1:]
    path = (match["path"] or "").lstrip(".")
    return one_line(f"field {path}: {what}" if path else what)


def message_to_json(event: Event[Any], message: Any) -> Any:
    """A JSON-compatible value of ``message``: what ``message_from_json`` accepts back."""
    if isinstance(message, Message):
        return json_format.MessageToDict(message, always_print_fields_with_no_presence=True)
    if is_pydantic(type(message)):
        return message.model_dump(mode="json")
    if isinstance(message, bytes | bytearray):
        return base64.b64encode(bytes(message)).decode()
    try:
        return msgspec.to_builtins(message)
    except TypeError:
        return repr(message)
