"""The ``schema`` command: what the server's schema ledger says about its events."""

import asyncio
import datetime
import json
from typing import Annotated, Any

import typer

from ..jetstream._ledger import LedgerEntry, LedgerRevision, encode_entry
from ._human import limits_text
from ._ledger_events import entries, ledger_event, one
from ._options import Connection, Debug, Format, connection_flags
from ._output import Table

__all__ = ["history_table", "list_table", "schema_command", "show_table"]


@connection_flags
def schema_command(
    event: Annotated[
        str | None,
        typer.Argument(metavar="EVENT", help="The event to show (default: list every event)."),
    ] = None,
    history: Annotated[
        bool,
        typer.Option("--history", help="Every kept revision: version, fingerprint and time."),
    ] = False,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Show the schema ledger on the server: every event, or one event's entry.

    register records each event in the KV bucket protonats-registry: version, fingerprint,
    limits and schema (the protobuf descriptor set and a JSON Schema). Needs no registry.
    --format json prints the ledger's JSON document itself.
    """
    if event is None:
        list_table(asyncio.run(entries(conn))).print(fmt)
        return
    found = asyncio.run(one(conn, event))
    table = history_table(found) if history else show_table(found[-1])
    table.print(fmt)


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
