"""What the commands do, apart from parsing flags: async, testable, and printing via ``Table``."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import sys
import warnings
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from typing import Any, TextIO

from .._errors import DecodeError, JetStreamError, ProtonatsError
from ..events._event import Event
from ..events._fields import BY_KEYWORD, size
from ..events._registry import Events
from ..jetstream._config import Action, StreamPlan
from ..jetstream._connected import ConnectedEvents
from ..jetstream._loss import DataLoss
from ..jetstream._publish import Ack
from ._common import CliError, Connection, OutputFormat, StreamPrinter, Table, one_line
from ._hints import cli_message
from ._human import limits_text
from ._json import message_from_json, message_to_json

__all__ = [
    "Progress",
    "ack_table",
    "emit",
    "ls_table",
    "plan",
    "plan_table",
    "register",
    "status",
    "tail",
]

Progress = Callable[[str], None]


def _no_progress(text: str) -> None:
    """Progress where nobody watches: nothing to show."""


@contextlib.contextmanager
def status(message: str, *, show: bool = True) -> Iterator[Progress]:
    """A spinner with ``message`` on stderr while the block runs, when ``show`` and stderr is
    a terminal; yields a function that replaces the message (e.g. with a count).

    Nothing may be printed to stdout meanwhile when it is the same terminal.
    """
    if not show or not sys.stderr.isatty():
        yield _no_progress
        return
    from rich.console import Console
    from rich.live import Live
    from rich.spinner import Spinner

    spinner = Spinner("dots", text=message)
    console = Console(file=sys.stderr)
    with Live(spinner, console=console, transient=True, redirect_stdout=False):
        yield lambda text: spinner.update(text=text)


def ls_table(events: Events) -> Table:
    """Every event of the registry: name, schema, limits and description."""
    rows = [
        [e.name, e.schema_name, limits_text(e), (e.description or "").strip().split("\n")[0]]
        for e in events
    ]
    records = [
        {
            "name": e.name,
            "schema": e.schema_name,
            "content_type": e.content_type,
            "description": e.description,
            "limits": dataclasses.asdict(e.limits),
            "storage": e.storage.value,
            "retention": e.retention.value,
            "discard": e.discard.value,
        }
        for e in events
    ]
    title = f"{len(rows)} events" + (
        f", registry version {events.version}" if events.version else ""
    )
    return Table(title, ["EVENT", "SCHEMA", "LIMITS", "DESCRIPTION"], rows, records)


def plan_table(rows: Sequence[StreamPlan], title: str) -> Table:
    """The plan (or what register did) per event, with changes in ``Limits`` names and human
    units (``FieldChange.human()``) and errors in the command line's words."""
    cells = []
    for row in rows:
        ordered = sorted(row.changes, key=lambda c: c.field == "metadata")  # metadata last
        details = "; ".join(c.human() for c in ordered)
        if row.loss and row.action is not Action.REFUSED:  # refused: the error says it
            details += "; " + "; ".join(loss_text(loss) for loss in row.loss)
        error = _error_text(row)
        if error:
            details = error if not details else f"{error} [{details}]"
        cells.append([row.event, row.action.value, details])
    records = [
        {
            "event": r.event,
            "stream": r.stream,
            "action": r.action.value,
            "changes": [
                {"field": c.name, "old": c.value(c.old), "new": c.value(c.new), "text": c.human()}
                for c in r.changes
            ],
            "error": _error_text(r),
            "would_drop": [
                {"field": x.field, "messages": x.messages, "bytes": x.bytes} for x in r.loss
            ],
        }
        for r in rows
    ]
    return Table(title, ["EVENT", "ACTION", "DETAILS"], cells, records)


def loss_text(loss: DataLoss) -> str:
    """``max messages deletes 40 stored messages (about 1.72 KiB)``."""
    label = BY_KEYWORD[loss.field].label
    return f"{label} deletes {loss.messages:,} stored messages (about {size(loss.bytes)})"


def _error_text(plan: StreamPlan) -> str | None:
    if plan.error is None:
        return None
    if plan.action is Action.SKIPPED and plan.error.problem:
        return one_line(plan.error.problem)  # skipped as asked: no fix to suggest
    return cli_message(plan.error)


@contextlib.asynccontextmanager
async def _connect(events: Events, connection: Connection) -> AsyncIterator[ConnectedEvents]:
    async with events.connect(connection.server, **connection.options()) as conn:
        yield conn


async def plan(events: Events, connection: Connection, **options: Any) -> list[StreamPlan]:
    """What ``register`` would do for every event (``options`` as ``plan()``'s); changes
    nothing on the server."""
    async with _connect(events, connection) as conn:
        return await conn.plan(**options)


async def register(
    events: Events, connection: Connection, **options: Any
) -> tuple[list[StreamPlan], ProtonatsError | None]:
    """Register every event; return what was done, and the refusal that failed it, if any.

    When register refuses an event it still applies the others, so the rows are rebuilt from
    a plan made before and one made after: created or updated streams, and the refusals.
    """
    async with _connect(events, connection) as conn:
        before = {p.event: p for p in await conn.plan(**options)}
        try:
            with warnings.catch_warnings():  # a skipped stream is a row of the table
                warnings.simplefilter("ignore", UserWarning)
                return await conn.register(**options), None
        except ProtonatsError as exc:
            failure = exc
        after = await conn.plan(**options)
    rows = []
    for now in after:
        was = before[now.event]
        if now.action is Action.REFUSED or was.action not in (Action.CREATE, Action.UPDATE):
            rows.append(now)
        elif now.action is Action.UNCHANGED:
            rows.append(was)  # applied
        else:
            own = getattr(failure, "event", None) == now.event
            why = failure if own else JetStreamError("not applied", event=now.event)
            rows.append(StreamPlan(now.event, now.stream, Action.FAILED, now.changes, why))
    return rows, failure


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
    async with events.connect(
        connection.server, ack_timeout=ack_timeout, **connection.options()
    ) as conn:
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
    progress: Progress = _no_progress,
) -> int:
    """Print the event's messages, one row each as they arrive, until ``count`` or
    ``idle_timeout``.

    The ephemeral consumer acks nothing and is deleted when tail ends. Returns how many
    messages were printed; one that does not decode is reported on ``err`` and skipped.
    """
    event = events.get(name)
    columns = ["SEQ", "TIME", "DATA", *(["HEADERS"] if with_headers else [])]
    printer = StreamPrinter(fmt, columns, out)
    async with _connect(events, connection) as conn:
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
