"""The command line on the server's schema ledger: ``schema``, and ``tail`` and ``catalog``
without an installed registry.

An event known only from its ledger entry becomes an ``Event``: a protobuf schema is the
message class built from the entry's descriptor set; a JSON schema is a stand-in class of the
same name whose messages are plain JSON values.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import difflib
import importlib.metadata
import json
from typing import Any

from ..events._event import Event
from ..events._limits import Discard, Limits, Retention, Storage
from ..events._registry import Events
from ..jetstream._ledger import PROTOBUF, LedgerEntry, LedgerRevision, encode_entry, message_class
from ._common import CliError, Connection, Table
from ._human import limits_text
from ._registry_loading import ENTRY_POINT_GROUP, load_registry
from ._schema import Schemas, event_schemas

__all__ = [
    "entries",
    "history_table",
    "ledger_catalog",
    "ledger_event",
    "list_table",
    "one",
    "registry_for",
    "show_table",
    "tail_registry",
]


@dataclasses.dataclass(frozen=True, slots=True)
class _JSONValues:
    """The serializer of an event known only from the ledger: any JSON value, as is, described
    by the JSON Schema the ledger recorded."""

    content_type: str
    recorded: dict[str, Any]

    def encode(self, message: Any) -> bytes:
        return json.dumps(message).encode()

    def decode(self, data: bytes) -> Any:
        if self.content_type != "application/json":
            return data
        return json.loads(data)

    def json_schema(self) -> dict[str, Any]:
        return copy.deepcopy(self.recorded)

    def fingerprint_part(self) -> dict[str, Any]:
        return {"json_schema": {k: v for k, v in self.recorded.items() if k != "$schema"}}

    def to_json(self, message: Any) -> Any:
        return message

    def from_json(self, value: Any) -> Any:
        return value


def ledger_event(entry: LedgerEntry) -> Event[Any]:
    """The ``Event`` an entry describes, built from the entry alone (no Python schema)."""
    limits = entry.limits
    common: dict[str, Any] = {
        "description": entry.description or None,
        "limits": Limits(
            age=limits.max_age_s,
            duplicate_window=limits.duplicate_window_s,
            bytes=limits.max_bytes,
            messages=limits.max_messages,
            message_size=limits.max_message_size,
            consumers=limits.max_consumers,
            replicas=limits.replicas,
        ),
        "storage": Storage(entry.storage),
        "retention": Retention(entry.retention),
        "discard": Discard(entry.discard),
    }
    if entry.schema.content_type == PROTOBUF and entry.schema.descriptor_set is not None:
        return Event(entry.event, message_class(entry.schema), **common)
    module, _, name = entry.schema.name.rpartition(".")
    stand_in = type(name or entry.schema.name, (), {"__module__": module or "ledger"})
    stand_in.__qualname__ = name or entry.schema.name
    codec = _JSONValues(entry.schema.content_type, entry.schema.json_schema)
    return Event(entry.event, stand_in, serializer=codec, **common)


async def entries(connection: Connection) -> list[LedgerEntry]:
    """Every event's current ledger entry on the server."""
    async with Events().connect(connection.server, **connection.options()) as conn:
        return await conn.ledger_entries()


async def one(connection: Connection, name: str) -> list[LedgerRevision]:
    """Every kept revision of event ``name``, the current one last; ``CliError`` if none."""
    async with Events().connect(connection.server, **connection.options()) as conn:
        found = await conn.ledger_history(name)
        known = [] if found else [entry.event for entry in await conn.ledger_entries()]
    if not found:
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? Else " if close else ""
        raise CliError(
            f"event {name!r} is not in the server's schema ledger; {hint}nothing registered "
            "it yet (run `protonats register`), or the name is wrong (`protonats schema` "
            "lists them)"
        )
    return found


def _document(entry: LedgerEntry) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(encode_entry(entry))
    return document


def _when(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def list_table(found: list[LedgerEntry]) -> Table:
    """Every event in the ledger: version, schema, content type, fingerprint, when."""
    rows = [
        [
            e.event,
            e.version or "-",
            e.schema.name,
            e.schema.content_type,
            e.fingerprint[:19],
            _when(e.registered_at),
        ]
        for e in found
    ]
    columns = ["EVENT", "VERSION", "SCHEMA", "CONTENT TYPE", "FINGERPRINT", "REGISTERED"]
    records = [_document(e) for e in found]
    return Table("schema ledger", columns, rows, records)


def show_table(revision: LedgerRevision) -> Table:
    """One event's entry as field/value rows; ``--format json`` prints the document itself."""
    entry = revision.entry
    event = ledger_event(entry)
    rows = [
        ["event", entry.event],
        ["version", entry.version or "-"],
        ["fingerprint", entry.fingerprint],
        ["description", entry.description or "-"],
        ["subject / stream", f"{entry.subject} / {entry.stream}"],
        ["limits", limits_text(event)],
        ["storage / retention / discard", f"{entry.storage} / {entry.retention} / {entry.discard}"],
        ["schema", entry.schema.name],
        ["content type", entry.schema.content_type],
        ["descriptor set", "yes" if entry.schema.descriptor_set else "-"],
        ["registered", f"{_when(entry.registered_at)} (revision {revision.revision})"],
    ]
    return Table(f"ledger entry of {entry.event!r}", ["FIELD", "VALUE"], rows, _document(entry))


def history_table(found: list[LedgerRevision]) -> Table:
    """The kept revisions of one event, oldest first."""
    rows = [
        [
            str(r.revision),
            r.entry.version or "-",
            r.entry.fingerprint[:19],
            r.entry.schema.name,
            _when(r.entry.registered_at),
        ]
        for r in found
    ]
    columns = ["REVISION", "VERSION", "FINGERPRINT", "SCHEMA", "REGISTERED"]
    records = [{"revision": r.revision, **_document(r.entry)} for r in found]
    return Table(f"ledger history of {found[0].entry.event!r}", columns, rows, records)


def registry_for(spec: str | None, name: str) -> Events | None:
    """The registry ``tail`` uses for event ``name``: the given or installed one when it has
    the event, else ``None`` (tail then reads the schema from the server's ledger)."""
    if spec is None and not importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        return None
    events = load_registry(spec)
    return events if name in events else None


async def tail_registry(connection: Connection, name: str) -> Events:
    """A one-event registry built from the ledger entry of ``name``."""
    found = await one(connection, name)
    return Events(ledger_event(found[-1].entry))


def ledger_catalog(found: list[LedgerEntry]) -> tuple[Events, Schemas]:
    """The events of the ledger and their payload schemas, for ``catalog --ledger``: the JSON
    Schemas the ledger recorded (a protobuf message's, from the message class built from its
    descriptor set, is the same schema)."""
    events = Events(*(ledger_event(entry) for entry in found))
    return events, event_schemas(events)
