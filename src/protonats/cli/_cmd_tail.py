"""The ``tail`` command: an event's messages printed as they arrive, through an ephemeral
consumer deleted when tail stops."""

import json
import sys
from typing import Annotated, Any, TextIO

import typer

from .._errors import DecodeError
from .._errors._cli import UsageError
from ..events._registry import Events
from ._json import message_to_json
from ._ledger_events import event_registry
from ._options import (
    Connection,
    Debug,
    EventName,
    Format,
    Registry,
    connection_flags,
    registry_spec,
)
from ._output import OutputFormat, Progress, StreamPrinter, no_progress, one_line, status
from ._signals import run_stoppable

__all__ = ["tail", "tail_command"]


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
    events = event_registry(registry_spec(ctx, registry), conn, event)
    out_format = OutputFormat.resolve(fmt)
    # On a terminal the lines are the progress; when they go to a file, a count on stderr.
    watching = status(f"tailing {event!r} (Ctrl-C to stop)...", show=not _tty())
    with watching as progress:
        run_stoppable(  # Ctrl-C, SIGTERM, a closed pipe: the consumer is deleted first
            tail(
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


async def tail(
    events: Events,
    connection: Connection,
    name: str,
    *,
    last: int | None,
    from_start: bool,
    count: int | None,
    idle_timeout: float | None,
    with_headers: bool,
    out: TextIO,
    err: TextIO,
    fmt: OutputFormat | None = OutputFormat.JSONL,
    progress: Progress = no_progress,
) -> int:
    """Print the event's messages, one row each as they arrive, until ``count`` or
    ``idle_timeout``.

    The ephemeral consumer acks nothing and is deleted when tail ends. Returns how many
    messages were printed; one that does not decode is reported on ``err`` and skipped.
    """
    event = events.get(name)
    columns = ["SEQ", "TIME", "DATA", *(["HEADERS"] if with_headers else [])]
    printer = StreamPrinter(fmt, columns, out)
    async with connection.connect(events) as conn:
        deliveries = conn.tail(event, last=last, from_start=from_start, idle_timeout=idle_timeout)
        try:
            async for delivery in deliveries:
                line: dict[str, Any] = {
                    "seq": delivery.seq,
                    "time": delivery.timestamp.isoformat().replace("+00:00", "Z"),
                }
                try:
                    line["data"] = message_to_json(event, delivery.data)
                except DecodeError as exc:
                    err.write(f"protonats: warning: seq {delivery.seq}: {one_line(exc)}\n")
                    continue
                if with_headers:
                    line["headers"] = delivery.headers
                cells = [str(line["seq"]), line["time"], _compact(line["data"])]
                if with_headers:
                    cells.append(_compact(line["headers"]))
                printer.row(cells, line)
                progress(f"tailing {event.name!r}: {printer.count} messages (Ctrl-C to stop)")
                if count is not None and printer.count >= count:
                    break
        finally:
            try:
                printer.close()
            finally:
                await deliveries.aclose()  # deletes the consumer now, while still connected
    return printer.count


def _compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
