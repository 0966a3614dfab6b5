"""Events known from the server's schema ledger: what ``schema`` reads, and the registry of
``tail``, ``dead`` and ``catalog --ledger`` when no installed registry declares the event.

An event known only from its ledger entry becomes an ``Event``: a protobuf schema is the
message class built from the entry's descriptor set; a JSON schema is a stand-in class of the
same name whose messages are plain JSON values.
"""

from __future__ import annotations

import asyncio
import copy
import dataclasses
import difflib
import json
from typing import Any

from .._errors._cli import CliError
from ..events._event import Event
from ..events._limits import Discard, Limits, Retention, Storage
from ..events._registry import Events
from ..jetstream._ledger import PROTOBUF, LedgerEntry, LedgerRevision, message_class
from ._catalog_schemas import Schemas, event_schemas
from ._options import Connection
from ._registry_loading import registry_for

__all__ = ["entries", "event_registry", "ledger_catalog", "ledger_event", "one"]


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
    async with connection.connect(Events()) as conn:
        return await conn.ledger_entries()


async def one(connection: Connection, name: str) -> list[LedgerRevision]:
    """Every kept revision of event ``name``, the current one last; ``CliError`` if none."""
    async with connection.connect(Events()) as conn:
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


def event_registry(spec: str | None, connection: Connection, name: str) -> Events:
    """The registry that knows event ``name``: the given or installed one when it has the
    event, else a one-event registry built from the server's ledger entry of ``name``."""
    events = registry_for(spec, name)
    if events is None:
        events = asyncio.run(_from_ledger(connection, name))
    return events


async def _from_ledger(connection: Connection, name: str) -> Events:
    found = await one(connection, name)
    return Events(ledger_event(found[-1].entry))


def ledger_catalog(found: list[LedgerEntry]) -> tuple[Events, Schemas]:
    """The events of the ledger and their payload schemas, for ``catalog --ledger``: the JSON
    Schemas the ledger recorded (a protobuf message's, from the message class built from its
    descriptor set, is the same schema)."""
    events = Events(*(ledger_event(entry) for entry in found))
    return events, event_schemas(events)
