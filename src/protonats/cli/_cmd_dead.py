"""The ``dead`` command: list the messages an event's actors gave up on, or replay them."""

from __future__ import annotations

import asyncio
import base64
from typing import Annotated, Any

import typer

from .._errors import DecodeError
from ..actors._dead import DeadLetter, Replayed, dead_letters, replay
from ..events._event import Event
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
from ._output import Table

__all__ = ["dead_command", "dead_table", "replayed_table"]


@connection_flags
def dead_command(
    ctx: typer.Context,
    event: EventName,
    replay_them: Annotated[
        bool,
        typer.Option(
            "--replay",
            help="Send them back to the event, each with its original uid (a replay twice "
            "stores once), and remove them. Every actor of the event gets them again.",
        ),
    ] = False,
    actor: Annotated[
        str | None,
        typer.Option("--actor", "-a", metavar="ACTOR", help="Only the dead letters of ACTOR."),
    ] = None,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """List an event's dead letters (stream EVENT-dead): the messages its actors gave up on,
    with the actor, the attempts and the last error. --replay sends them back. An event that
    no installed registry declares is decoded with its schema from the server's ledger."""
    events = event_registry(registry_spec(ctx, registry), conn, event)
    found = events.get(event)
    if replay_them:
        done = asyncio.run(_replay(events, conn, found, actor))
        replayed_table(found, done).print(fmt)
    else:
        letters = asyncio.run(_list(events, conn, found, actor))
        dead_table(found, letters).print(fmt)


async def _list(
    events: Events, conn: Connection, event: Event[Any], actor: str | None
) -> list[DeadLetter]:
    async with conn.connect(events) as connected:
        return await dead_letters(connected._link, event, actor=actor)


async def _replay(
    events: Events, conn: Connection, event: Event[Any], actor: str | None
) -> list[Replayed]:
    async with conn.connect(events) as connected:
        letters = await dead_letters(connected._link, event, actor=actor)
        return await replay(connected._link, event, letters)


def dead_table(event: Event[Any], letters: list[DeadLetter]) -> Table:
    """One row per dead letter; JSON records carry the decoded data and the headers."""
    records = [_record(event, letter) for letter in letters]
    rows = [
        [
            str(letter.seq),
            letter.time.isoformat(timespec="seconds").replace("+00:00", "Z"),
            letter.actor,
            str(letter.attempts),
            letter.reason,
            f"{letter.error_type}: {letter.error}" if letter.error_type else "",
            str(letter.original_seq),
        ]
        for letter in letters
    ]
    columns = ["SEQ", "TIME", "ACTOR", "ATTEMPTS", "REASON", "ERROR", "ORIGINAL SEQ"]
    return Table(f"dead letters of {event.name}", columns, rows, records)


def replayed_table(event: Event[Any], done: list[Replayed]) -> Table:
    records = [
        {
            "seq": r.letter.seq,
            "original_seq": r.letter.original_seq,
            "new_seq": r.new_seq,
            "duplicate": r.duplicate,
            "actor": r.letter.actor,
        }
        for r in done
    ]
    rows = [
        [str(r.letter.seq), str(r.letter.original_seq), str(r.new_seq), _yes(r.duplicate)]
        for r in done
    ]
    columns = ["SEQ", "ORIGINAL SEQ", "NEW SEQ", "DUPLICATE"]
    return Table(f"replayed to {event.name}", columns, rows, records)


def _record(event: Event[Any], letter: DeadLetter) -> dict[str, Any]:
    record: dict[str, Any] = {
        "seq": letter.seq,
        "time": letter.time.isoformat().replace("+00:00", "Z"),
        "actor": letter.actor,
        "attempts": letter.attempts,
        "reason": letter.reason,
        "error_type": letter.error_type,
        "error": letter.error,
        "original_seq": letter.original_seq,
        "uid": letter.uid,
        "headers": letter.headers,
    }
    try:
        record["data"] = message_to_json(event, letter.decode(event))
    except DecodeError:
        record["data"] = None
        record["raw"] = base64.b64encode(letter.data).decode()
    return record


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
