"""The pluginrpc protocol (version 1) and the ``buf.plugin.check.v1`` messages the plugin reads
and writes, in both formats buf may ask for (``--format binary``, the default, or ``json``).

Field names and numbers are those of ``pluginrpc.v1`` (Spec, Procedure, Request, Response,
Error) and ``buf.plugin.check.v1`` (ListRules/ListCategories/Check requests and responses,
Rule, Category, Annotation, ``buf.plugin.descriptor.v1.FileLocation``). Messages are written by
hand (``protonats._pbwire``, which imports nothing: ``import protonats`` loads no runtime),
so nothing here imports protobuf.
"""

from __future__ import annotations

from protonats._pbwire import encode, fields, packed_varints

TYPE_CHECKING = False  # typing and collections.abc cost start-up time; buf starts us 9 times
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = [
    "CHECK",
    "CODE_INTERNAL",
    "CODE_INVALID_ARGUMENT",
    "LIST_CATEGORIES",
    "LIST_RULES",
    "PROCEDURES",
    "Annotation",
    "ProtocolError",
    "error_response",
    "read_request",
    "response",
    "spec",
]

_TYPE_PREFIX = "type.googleapis.com/"
_SERVICE = "buf.plugin.check.v1.CheckService"
CHECK, LIST_RULES, LIST_CATEGORIES = "Check", "ListRules", "ListCategories"
PROCEDURES: dict[str, str] = {
    "check": CHECK,
    "list-rules": LIST_RULES,
    "list-categories": LIST_CATEGORIES,
}
"""Command-line args -> method of CheckService (its path is ``/<service>/<method>``)."""

# pluginrpc.v1.Code (google.rpc.Code numbers).
CODE_INVALID_ARGUMENT = 3
CODE_INTERNAL = 13
_CODE_NAMES = {CODE_INVALID_ARGUMENT: "CODE_INVALID_ARGUMENT", CODE_INTERNAL: "CODE_INTERNAL"}
_RULE_TYPE_NAMES = {1: "RULE_TYPE_LINT", 2: "RULE_TYPE_BREAKING"}

Location = tuple[str, tuple[int, ...]]
"""``buf.plugin.descriptor.v1.FileLocation``: file name (as in the FileDescriptorProto) and
SourceCodeInfo path; buf turns it into ``file:line:col`` and reads ignore comments there."""
Annotation = tuple[str, str, Location | None, Location | None]
"""``(rule_id, message, file_location, against_file_location)``."""


def _dumps(value: object) -> bytes:
    """JSON bytes; json is imported for ``--format json`` only (buf uses binary)."""
    import json

    return json.dumps(value).encode()


def _loads(data: bytes) -> Any:
    import json

    return json.loads(data)


class ProtocolError(Exception):
    """A request buf (or anyone) sent that cannot be read; answered as a pluginrpc error."""


def method_path(method: str) -> str:
    return f"/{_SERVICE}/{method}"


def spec(fmt: str) -> bytes:
    """The ``--spec`` answer: every procedure with its path and args."""
    procedures = [(method_path(method), arg) for arg, method in PROCEDURES.items()]
    if fmt == "json":
        body = {"procedures": [{"path": path, "args": [arg]} for path, arg in procedures]}
        return _dumps(body)
    return encode((1, encode([(1, path), (2, arg)])) for path, arg in procedures)


def read_request(data: bytes, fmt: str, method: str) -> dict[str, Any]:
    """The body of a ``pluginrpc.v1.Request`` for ``method``, as a dict keyed by proto field
    names (JSON) or by field number (binary: ``{number: [values]}``). Empty stdin is an empty
    request. Raises ``ProtocolError`` for anything malformed."""
    want = f"buf.plugin.check.v1.{method}Request"
    if not data.strip():
        return {}
    if fmt == "json":
        try:
            request = _loads(data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProtocolError(f"the request is not JSON: {exc}") from None
        value = request.get("value") if isinstance(request, dict) else None
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ProtocolError("the request value must be a JSON object")
        got = str(value.get("@type", "")).rpartition("/")[2]
        if got != want:
            raise ProtocolError(f"{method} takes a {want}, got {got or 'no @type'}")
        return {_snake(k): v for k, v in value.items() if k != "@type"}
    try:
        request_fields = fields(data)
        anys = request_fields.get(1, [])
        if not anys:
            return {}
        body = _last_bytes(anys, "value")
        any_fields = fields(body)
        type_url = _last_bytes(any_fields.get(1, [b""]), "type_url").decode("utf-8")
        got = type_url.rpartition("/")[2]
        if got != want:
            raise ProtocolError(f"{method} takes a {want}, got {got or 'no type_url'}")
        inner = fields(_last_bytes(any_fields.get(2, [b""]), "value"))
    except ValueError as exc:  # malformed bytes, or text that is not UTF-8
        raise ProtocolError(f"the request is not a pluginrpc.v1.Request: {exc}") from None
    return {str(k): v for k, v in inner.items()}


def _snake(name: str) -> str:
    """protojson accepts lowerCamelCase and proto names: read both as proto names."""
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)


def _last_bytes(values: Sequence[int | bytes], what: str) -> bytes:
    value = values[-1]
    if not isinstance(value, bytes):
        raise ValueError(f"{what} must be length-delimited")
    return value


def response(fmt: str, method: str, body: dict[str, Any]) -> bytes:
    """A ``pluginrpc.v1.Response`` carrying the ``<method>Response`` ``body``.

    ``body`` is in JSON shape (proto field names): ``rules``/``categories`` with
    ``next_page_token``, or ``annotations`` (a list of ``Annotation`` tuples).
    """
    type_url = f"{_TYPE_PREFIX}buf.plugin.check.v1.{method}Response"
    if fmt == "json":
        value: dict[str, Any] = {"@type": type_url}
        if body.get("next_page_token"):
            value["next_page_token"] = body["next_page_token"]
        if "rules" in body:
            value["rules"] = [_rule_json(*rule) for rule in body["rules"]]
        if body.get("categories"):
            value["categories"] = [{"id": i, "purpose": p} for i, p in body["categories"]]
        if body.get("annotations"):
            value["annotations"] = [_annotation_json(*a) for a in body["annotations"]]
        return _dumps({"value": value})
    pairs: list[tuple[int, str | bytes | None]] = []
    if method == CHECK:
        pairs = [(1, _annotation_binary(*a)) for a in body.get("annotations", ())]
    else:
        pairs.append((1, body.get("next_page_token")))
        if "rules" in body:
            pairs += [(2, _rule_binary(*rule)) for rule in body["rules"]]
        else:
            pairs += [(2, encode([(1, i), (2, p)])) for i, p in body.get("categories", ())]
    value_bytes = encode(pairs)
    return encode([(1, encode([(1, type_url), (2, value_bytes)]))])


def error_response(fmt: str, code: int, message: str) -> bytes:
    """A ``pluginrpc.v1.Response`` with only an error: buf shows ``message``."""
    if fmt == "json":
        return _dumps({"error": {"code": _CODE_NAMES[code], "message": message}})
    return encode([(2, encode([(1, code), (2, message)]))])


def _rule_json(rule_id: str, rule_type: int, purpose: str, category: str) -> dict[str, Any]:
    return {
        "id": rule_id,
        "category_ids": [category],
        "default": True,
        "purpose": purpose,
        "type": _RULE_TYPE_NAMES[rule_type],
    }


def _rule_binary(rule_id: str, rule_type: int, purpose: str, category: str) -> bytes:
    return encode([(1, rule_id), (2, category), (3, True), (4, purpose), (5, rule_type)])


def _location_json(location: Location | None) -> dict[str, Any] | None:
    if location is None:
        return None
    out: dict[str, Any] = {"file_name": location[0]}
    if location[1]:
        out["source_path"] = list(location[1])
    return out


def _annotation_json(
    rule_id: str, message: str, where: Location | None, against: Location | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"rule_id": rule_id, "message": message}
    for key, location in (("file_location", where), ("against_file_location", against)):
        shaped = _location_json(location)
        if shaped is not None:
            out[key] = shaped
    return out


def _location_binary(location: Location | None) -> bytes | None:
    if location is None:
        return None
    return encode([(1, location[0]), (2, packed_varints(location[1]))])


def _annotation_binary(
    rule_id: str, message: str, where: Location | None, against: Location | None
) -> bytes:
    return encode(
        [(1, rule_id), (2, message), (3, _location_binary(where)), (4, _location_binary(against))]
    )
