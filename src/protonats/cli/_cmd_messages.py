"""Commands about messages: ``emit`` and ``tail``."""

import asyncio
import sys
from pathlib import Path
from typing import Annotated

import typer

from . import _commands, _ledger
from ._common import CliError, Connection, OutputFormat, State, UsageError
from ._options import Debug, EventName, Format, Registry, connection_flags, registry_of
from ._signals import run_stoppable

__all__ = ["emit_command", "tail_command"]


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
    headers = _commands.parse_headers(header or [])
    found, ack = asyncio.run(
        _commands.emit(
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
    _commands.ack_table(found, ack).print(fmt)


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


@connection_flags
def tail_command(
    ctx: typer.Context,
    event: EventName,
    from_start: Annotated[
        bool, typer.Option("--from-start", help="Start at the stream's first message.")
    ] = False,
    last: Annotated[
        int | None,
        typer.Option("--last", "-n", min=1, metavar="N", help="Start N messages back."),
    ] = None,
    count: Annotated[
        int | None,
        typer.Option("--count", "-c", min=1, metavar="N", help="Stop after N messages."),
    ] = None,
    idle_timeout: Annotated[
        float | None,
        typer.Option(
            "--idle-timeout", min=0.001, metavar="SECONDS", help="Stop after this long idle."
        ),
    ] = None,
    headers: Annotated[
        bool, typer.Option("--headers", help="Include each message's headers.")
    ] = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Print an event's messages (seq, time, data) as they arrive.

    New messages only, unless --from-start or --last N. Uses an ephemeral consumer that acks
    nothing and is deleted when tail stops (Ctrl-C, --count or --idle-timeout). Each message
    is a line as it arrives: aligned on a terminal, tab-separated when piped, one JSON object
    per line with --format jsonl; --format json prints one array when tail stops. An event
    that no installed registry declares is decoded with its schema from the server's ledger.
    """
    if from_start and last is not None:
        raise UsageError("--from-start and --last cannot be used together")
    events = _ledger.registry_for(registry or State.of(ctx).registry, event)
    if events is None:
        events = asyncio.run(_ledger.tail_registry(conn, event))
    out_format = OutputFormat.resolve(fmt)
    # On a terminal the lines are the progress; when they go to a file, a count on stderr.
    watching = _commands.status(f"tailing {event!r} (Ctrl-C to stop)...", show=not _tty())
    with watching as progress:
        run_stoppable(  # Ctrl-C, SIGTERM, a closed pipe: the consumer is deleted first
            _commands.tail(
                events,
                conn,
                event,
                last=last,
                from_start=from_start,
                count=count,
                idle_timeout=idle_timeout,
                with_headers=headers,
                fmt=out_format,
                out=sys.stdout,
                err=sys.stderr,
                progress=progress,
            )
        )


def _tty() -> bool:
    try:
        return sys.stdout.isatty()
    except ValueError:  # closed
        return False
