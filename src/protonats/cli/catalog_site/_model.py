"""What the site shows, gathered before a page is drawn: the events and their schemas, and,
with a server, the ledger's history and the live usage of each stream."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping
from typing import Any

from ...actors._config import dead_letter_stream
from ...events._event import Event
from ...events._fields import FLAGS, LIMITS, POLICIES
from ...events._fingerprint import fingerprint
from ...events._registry import Events
from ...events._serializers import ProtobufSerializer
from ...jetstream._ledger import LedgerEntry, LedgerRevision
from ...jetstream._nats_usage import StreamUsage, stream_usage
from .._catalog_schemas import Schemas
from .._options import Connection

__all__ = ["Live", "SiteInput", "badges", "descriptor_of", "read_server"]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class Live:
    """The server's numbers when the site was built."""

    server: str
    """Its URL, credentials redacted."""
    at: datetime.datetime
    streams: Mapping[str, StreamUsage | None]
    """By event name; ``None``: the stream does not exist (not registered)."""
    dead: Mapping[str, StreamUsage | None]
    """The dead-letter stream of each event, by event name; ``None``: none yet."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class SiteInput:
    """Everything the pages show."""

    events: Events
    schemas: Schemas
    """The catalog's schemas: field tables and examples."""
    json_schemas: Mapping[str, dict[str, Any]]
    """Each event's JSON Schema: the document the ledger holds."""
    title: str
    built_at: datetime.datetime
    history: Mapping[str, list[LedgerRevision]] | None = None
    """Each event's ledger revisions, oldest first; ``None``: built without the ledger."""
    live: Live | None = None
    from_ledger: bool = False
    """The events are the ledger's current entries (``catalog --ledger``), not a registry."""

    def _entry(self, event: Event[Any]) -> LedgerEntry | None:
        found = self.history.get(event.name) if self.history else None
        return found[-1].entry if found else None

    def version_of(self, event: Event[Any]) -> str | None:
        """The version that declares the event: the registry's, or the ledger entry's."""
        entry = self._entry(event)
        return entry.version if self.from_ledger and entry else self.events.version

    def fingerprint_of(self, event: Event[Any]) -> str:
        """The declaration's fingerprint: the ledger entry's, or the registry event's."""
        entry = self._entry(event)
        return entry.fingerprint if self.from_ledger and entry else fingerprint(event)


def descriptor_of(event: Event[Any]) -> Any:
    """The protobuf message descriptor of the event's schema; ``None`` for other schemas.
    (``Any``: the pure-Python and upb descriptors differ in the stubs.)"""
    if isinstance(event.serializer, ProtobufSerializer):
        return event.schema.DESCRIPTOR
    return None


def badges(event: Event[Any]) -> list[tuple[str, str]]:
    """(label, tooltip) of what the event declares beyond the defaults: each stream feature
    it turns on (the ``FLAGS`` rows: TTL, atomic batches, delay), replicas, its max age,
    non-default policies."""
    found = [(flag.label, f"producers may {flag.call}") for flag in FLAGS if flag.on(event)]
    for row in LIMITS:
        value = getattr(event.limits, row.keyword)
        if row.keyword == "replicas" and value is not None:
            found.append((f"replicas {value}", "copies of every message kept in the cluster"))
        elif row.keyword == "age" and value is not None:
            found.append((f"kept {row.text(value)}", f"{row.label}: older messages are deleted"))
    for policy in POLICIES:
        member = getattr(event, policy.keyword)
        if member is not policy.default:
            found.append((f"{policy.label} {member.value}", f"{policy.label} is not the default"))
    return found


async def read_server(events: Events, connection: Connection) -> tuple[Live, dict[str, Any]]:
    """The live usage of every event's stream and its ledger history, from one connection."""
    from ...jetstream._servers import redact

    history: dict[str, list[LedgerRevision]] = {}
    streams: dict[str, StreamUsage | None] = {}
    dead: dict[str, StreamUsage | None] = {}
    async with Events().connect(connection.server, **connection.options()) as conn:
        for event in events:
            history[event.name] = await conn.ledger_history(event.name)
            link = conn._link
            streams[event.name] = await stream_usage(link, event, event.stream_name)
            dead[event.name] = await stream_usage(link, event, dead_letter_stream(event))
    live = Live(
        server=redact(connection.server or "nats://localhost:4222"),
        at=datetime.datetime.now(datetime.UTC).replace(microsecond=0),
        streams=streams,
        dead=dead,
    )
    return live, history
