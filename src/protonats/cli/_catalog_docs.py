"""The event catalog: a Markdown page per event, an index, and an AsyncAPI 3.0 document.

Written for teams that do not use Python: each page says what the event means, where it is
published, what its payload holds (with an example) and how long the stream keeps it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .. import _wire
from ..events._event import Event
from ..events._registry import Events
from ..events._serializers import BytesSerializer, ProtobufSerializer
from ._catalog_schemas import Schemas, event_schemas, example
from ._field_tables import field_sections
from ._human import limit_items
from ._manifest import Manifest
from ._markdown import block, cell, inline

__all__ = ["asyncapi_document", "event_page", "message_headers", "write_catalog"]

ASYNCAPI_FILE = "asyncapi.json"
_PROTOBUF_NOTE = (
    "The payload is protobuf binary ({schema}); the schema and example show its proto3 JSON "
    "mapping."
)
_BYTES_NOTE = (
    "The payload is raw bytes; the schema and example show them as base64 text, as "
    "`protonats tail` prints them and `protonats emit --json` takes them."
)


def _json_note(event: Event[Any]) -> str | None:
    """What the JSON Schema and example mean when the payload on the wire is not JSON."""
    if isinstance(event.serializer, ProtobufSerializer):
        return _PROTOBUF_NOTE.format(schema=event.schema_name)
    if isinstance(event.serializer, BytesSerializer):
        return _BYTES_NOTE
    return None


def write_catalog(
    events: Events,
    out: Path,
    *,
    title: str | None = None,
    server: str | None = None,
    schemas: Schemas | None = None,
    manifest: Manifest | None = None,
) -> list[Path]:
    """Write ``index.md``, ``events/<name>.md`` per event and ``asyncapi.json`` under ``out``.

    ``schemas`` are the payload schemas when given (from the ledger), else the events'.
    Files go through ``manifest`` (``cli/_manifest.py``: only the catalog's own files are
    overwritten); without one, a manifest of ``out`` is made and finished here (removing
    the pages of events no longer in ``events``)."""
    schemas = schemas if schemas is not None else event_schemas(events, events.docs)
    title = title or _default_title(events)
    files: dict[str, str] = {"index.md": index_page(events, title)}
    for event in events:
        files[f"events/{event.name}.md"] = event_page(event, schemas, events.docs)
    document = asyncapi_document(events, title=title, server=server, schemas=schemas)
    files[ASYNCAPI_FILE] = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    writer = manifest if manifest is not None else Manifest(out)
    written = [writer.write_file(name, text) for name, text in files.items()]
    if manifest is None:
        writer.finish()
    return written


def _default_title(events: Events) -> str:
    return "Event catalog" + (f" {events.version}" if events.version else "")


def _code(text: str) -> str:
    """A code span of ``text`` (a field name, an enum value), whatever backticks it holds."""
    text = " ".join(text.split()).replace("|", "\\|")
    fence = "`" * (max((len(r) for r in re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _summary(event: Event[Any]) -> str:
    return (event.description or "").strip().split("\n")[0]


def index_page(events: Events, title: str) -> str:
    """The catalog's front page: every event with its summary, linking to its page."""
    lines = [f"# {inline(title)}", ""]
    if events.version:
        lines += [f"Registry version `{events.version}`.", ""]
    lines += [
        f"{len(events)} events. Each is published on the NATS subject of its name and stored "
        f"in the JetStream stream of the same name. [AsyncAPI 3.0 document]({ASYNCAPI_FILE}).",
        "",
        "| Event | Schema | Summary |",
        "| --- | --- | --- |",
    ]
    for event in events:
        lines.append(
            f"| [{event.name}](events/{event.name}.md) | `{event.schema_name}` | "
            f"{cell(_summary(event))} |"
        )
    return "\n".join(lines) + "\n"


def event_page(event: Event[Any], schemas: Schemas, docs: Mapping[str, str] | None = None) -> str:
    """One event's page: description, subject, schema fields (with their ``.proto`` comments
    from ``docs``), limits and an example payload."""
    lines = [f"# {event.name}", ""]
    if event.description:
        lines += [block(event.description), ""]
    lines += [
        "| | |",
        "| --- | --- |",
        f"| Subject | `{event.subject_name}` |",
        f"| Stream | `{event.stream_name}` |",
        f"| Schema | `{event.schema_name}` |",
        f"| Content type | `{event.content_type}` |",
        f"| Storage / retention / discard | {event.storage.value} / {event.retention.value} / "
        f"{event.discard.value} |",
        "",
        "## Fields",
        "",
    ]
    for section in field_sections(event, schemas, docs):
        if section.title is not None:
            lines += [f"### {inline(section.title)}", ""]
        if not section.rows:
            lines += ["No fields.", ""]
            continue
        lines += ["| " + " | ".join(section.columns) + " |", "| --- | --- | --- |"]
        lines += [f"| {_code(a)} | {cell(b)} | {cell(c)} |" for a, b, c in section.rows]
        lines.append("")
    lines.pop()
    lines += ["", "## Limits", ""]
    items = limit_items(event)
    lines += [f"- {label}: {value}" for label, value in items] or ["No limits: kept forever."]
    ttl_default = event.limits.message_ttl is not None
    lines += [
        "",
        "## Producing",
        "",
        f"Publish to subject `{event.subject_name}` with JetStream (the stream acknowledges "
        f"each stored message). Headers: `{_wire.CONTENT_TYPE}: {event.content_type}`, "
        f"`{_wire.SCHEMA}: {event.schema_name}`, `{_wire.EXPECTED_STREAM}: "
        f"{event.stream_name}` (the stream refuses a message meant for another), "
        f"`{_wire.MSG_ID}` with a unique id so that a retried publish is stored once, and "
        f"optionally `{_wire.TRACE_ID}` to correlate messages across services, "
        f"`{_wire.TRACEPARENT}` (W3C trace context) and the CloudEvents headers "
        + ", ".join(f"`{name}`" for name in _wire.CLOUDEVENTS)
        + "."
        + (
            f" Delayed messages (emit with a delay) arrive with `{_wire.SCHEDULER}` and "
            f"`{_wire.SCHEDULE_NEXT}: purge`, set by the server."
            if event.allow_delay
            else ""
        )
        + (
            f" A message may carry `{_wire.TTL}` (seconds it is kept; allow_ttl"
            + (f", every message's default {event.limits.message_ttl:g}" if ttl_default else "")
            + ")."
            if event.allow_ttl or ttl_default
            else ""
        )
        + (
            f" Atomic batches (all stored or none) carry `{_wire.BATCH_ID}`, "
            f"`{_wire.BATCH_SEQUENCE}` and, on the last message, `{_wire.BATCH_COMMIT}: 1`."
            if event.allow_atomic
            else ""
        ),
        "",
        "## Example payload",
        "",
    ]
    note = _json_note(event)
    if note:
        lines += [note, ""]
    payload = example(schemas.payloads[event.name], schemas.components)
    lines += ["```json", json.dumps(payload, indent=2, ensure_ascii=False), "```"]
    return "\n".join(lines) + "\n"


def asyncapi_document(
    events: Events,
    *,
    title: str | None = None,
    server: str | None = None,
    schemas: Schemas | None = None,
) -> dict[str, Any]:
    """An AsyncAPI 3.0.0 document: a channel, message and send operation per event."""
    schemas = schemas if schemas is not None else event_schemas(events, events.docs)
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    for event in events:
        messages[event.name] = _message(event, schemas)
        channel: dict[str, Any] = {
            "address": event.subject_name,
            "title": event.name,
            "messages": {event.name: {"$ref": f"#/components/messages/{event.name}"}},
        }
        if event.description:
            channel["description"] = event.description
        channels[event.name] = channel
        operations[f"emit-{event.name}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{event.name}"},
            "summary": f"Emit {event.name} (a JetStream publish, acknowledged once stored).",
            "messages": [{"$ref": f"#/channels/{event.name}/messages/{event.name}"}],
        }
    document: dict[str, Any] = {
        "asyncapi": "3.0.0",
        "info": {
            "title": title or _default_title(events),
            "version": events.version or "0.0.0",
            "description": "Events of a protonats registry. Each event is published on the "
            "NATS subject of its name and stored in the JetStream stream of the same name.",
        },
    }
    if server:
        document["servers"] = {"nats": _server(server)}
    document["channels"] = channels
    document["operations"] = operations
    document["components"] = {"messages": messages, "schemas": schemas.components}
    return document


def message_headers(event: Event[Any]) -> dict[str, dict[str, Any]]:
    """The headers a message of ``event`` carries, each as a JSON Schema with its
    description (a constant value where there is one): the AsyncAPI document and the site's
    event pages."""
    headers: dict[str, dict[str, Any]] = {
        _wire.CONTENT_TYPE: {
            "type": "string",
            "const": event.content_type,
            "description": "How the payload is encoded.",
        },
        _wire.SCHEMA: {
            "type": "string",
            "const": event.schema_name,
            "description": "Full name of the payload's schema: what to decode it as.",
        },
        _wire.EXPECTED_STREAM: {
            "type": "string",
            "const": event.stream_name,
            "description": "The stream the message must be stored in.",
        },
        _wire.MSG_ID: {
            "type": "string",
            "description": "Unique message id: a repeat within the duplicate window is "
            "stored once.",
        },
        _wire.TRACE_ID: {
            "type": "string",
            "description": "Optional trace id, for correlating messages across services.",
        },
        _wire.TRACEPARENT: {
            "type": "string",
            "description": "W3C trace context of the emitting span (OpenTelemetry).",
        },
        **{
            name: {
                "type": "string",
                "description": "CloudEvents 1.0 binary mode, when the producer sets a "
                "CloudEvents source.",
            }
            for name in _wire.CLOUDEVENTS
        },
    }
    if event.allow_delay:  # set by the server on a delayed message when it publishes it
        headers[_wire.SCHEDULER] = {
            "type": "string",
            "description": "A delayed message: the subject that held it until it was due.",
        }
        headers[_wire.SCHEDULE_NEXT] = {
            "type": "string",
            "const": "purge",
            "description": "A delayed message: its schedule is gone.",
        }
    headers.update(_feature_headers(event))
    return headers


def _message(event: Event[Any], schemas: Schemas) -> dict[str, Any]:
    headers = {"type": "object", "properties": message_headers(event)}
    message: dict[str, Any] = {
        "name": event.name,
        "title": event.name,
        "contentType": event.content_type,
        "headers": headers,
        "payload": schemas.payloads[event.name],
        "examples": [
            {
                "name": "example",
                "payload": example(schemas.payloads[event.name], schemas.components),
            }
        ],
        "x-protonats-schema": event.schema_name,
    }
    summary = _summary(event)
    if summary:
        message["summary"] = summary
    description = event.description.strip() if event.description else ""
    note = _json_note(event)
    if note:
        description = f"{description}\n\n{note}" if description else note
    if description:
        message["description"] = description
    return message


def _server(url: str) -> dict[str, Any]:
    parts = urlsplit(url if "://" in url else f"nats://{url}")
    host = parts.hostname or "localhost"
    if ":" in host:
        host = f"[{host}]"
    port = parts.port or 4222
    protocol = "tls" if parts.scheme == "tls" else "nats"
    return {"host": f"{host}:{port}", "protocol": protocol, "description": "NATS with JetStream"}


def _feature_headers(event: Event[Any]) -> dict[str, Any]:
    """The headers of the features the event declares: TTL, atomic batches."""
    out: dict[str, Any] = {}
    if event.allow_ttl or event.limits.message_ttl is not None:
        out[_wire.TTL] = {
            "type": "string",
            "description": "Seconds (or a Go duration) the server keeps this message."
            + (f" Default: {event.limits.message_ttl:g}." if event.limits.message_ttl else ""),
        }
    if event.allow_atomic:
        batch = "An atomic batch (all of its messages stored, or none): "
        out[_wire.BATCH_ID] = {"type": "string", "description": batch + "its id."}
        out[_wire.BATCH_SEQUENCE] = {
            "type": "string",
            "description": batch + "this message's place in it, from 1.",
        }
        out[_wire.BATCH_COMMIT] = {
            "type": "string",
            "const": "1",
            "description": batch + "on its last message, which commits it.",
        }
    return out
