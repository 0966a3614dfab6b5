"""The ``emit`` command: a message built from JSON, validated, emitted, and the server's ack
printed."""

import asyncio
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from .._errors._cli import CliError
from ..events._event import Event
from ..events._registry import Events
from ..jetstream._publish import Ack
from ._json import message_from_json
from ._options import Connection, Debug, EventName, Format, Registry, connection_flags, registry_of
from ._output import Table

__all__ = ["ack_table", "emit", "emit_command", "parse_headers"]


@connection_flags
def emit_command(
    ctx: typer.Context,
    event: EventName,
    json_text: Annotated[
        str,
        typer.Option(
            "--json",
            "-j",
            metavar="JSON",
            help="The message as JSON (protobuf JSON mapping, or the dataclass/model fields); "
            "@FILE reads a file, - reads stdin.",
        ),
    ],
    uid: Annotated[
        str | None,
        typer.Option("--uid", metavar="ID", help="Message id: a repeated uid is stored once."),
    ] = None,
    header: Annotated[
        list[str] | None,
        typer.Option("--header", "-H", metavar="NAME=VALUE", help="An extra header."),
    ] = None,
    ack_timeout: Annotated[
        float,
        typer.Option("--ack-timeout", metavar="SECONDS", help="Seconds to wait for the ack."),
    ] = 5.0,
    delay: Annotated[
        float | None,
        typer.Option(
            "--delay",
            metavar="SECONDS",
            min=0,
            help="Have the server publish it this much later (events with allow_delay).",
        ),
    ] = None,
    ttl: Annotated[
        float | None,
        typer.Option(
            "--ttl",
            metavar="SECONDS",
            help="Have the server remove it this long after storing it (events with allow_ttl "
            "or message_ttl; at least 1).",
        ),
    ] = None,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Build a message from JSON, validate it, emit it and print the server's ack."""
    events = registry_of(ctx, registry)
    text = _read_json(json_text)
    headers = parse_headers(header or [])
    found, ack = asyncio.run(
        emit(
            events,
            conn,
            event,
            text,
            uid=uid,
            headers=headers,
            ack_timeout=ack_timeout,
            delay=delay,
            ttl=ttl,
        )
    )
    ack_table(found, ack).print(fmt)


def _read_json(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text()
        except OSError as exc:
            raise CliError(f"--json {value}: cannot read {str(path)!r}: {exc.strerror}") from exc
    return value


def parse_headers(values: list[str]) -> dict[str, str]:
    """``["K=V", ...]`` -> ``{"K": "V"}``; ``CliError`` for an entry without ``=``."""
    headers = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CliError(f"--header {item!r} must look like NAME=VALUE")
        headers[key.strip()] = value
    return headers


async def emit(
    events: Events,
    connection: Connection,
    name: str,
    text: str,
    *,
    uid: str | None,
    headers: Mapping[str, str],
    ack_timeout: float,
    delay: float | None = None,
    ttl: float | None = None,
) -> tuple[Event[Any], Ack]:
    """Build the message from JSON, validate it, emit it and return the server's ack."""
    event = events.get(name)
    message = message_from_json(event, text)
    event.encode(message)  # validate before connecting
    async with connection.connect(events, ack_timeout=ack_timeout) as conn:
        ack = await conn.emit(
            event, message, uid=uid, headers=headers or None, delay=delay, ttl=ttl
        )
    if ack is None:  # pragma: no cover - emit waits for the ack by default
        raise CliError(f"event {name!r}: no ack")
    return event, ack


def ack_table(event: Event[Any], ack: Ack) -> Table:
    """The ack of one emit."""
    record = {"event": event.name, "stream": ack.stream, "seq": ack.seq, "duplicate": ack.duplicate}
    row = [event.name, ack.stream, str(ack.seq), "yes" if ack.duplicate else "no"]
    return Table("stored", ["EVENT", "STREAM", "SEQ", "DUPLICATE"], [row], record)
