"""The ``plan`` and ``register`` commands: one module, as ``plan`` is ``register`` changing
nothing. They take the same flags (``--skip-newer``, ``--allow-incompatible``,
``--allow-data-loss``) and print the same table, and register's table is made of plans: one
made before applying and one after, so that a refused event does not hide what was done to
the others.
"""

import asyncio
import warnings
from collections.abc import Sequence
from typing import Annotated, Any, Literal

import typer

from .._errors import JetStreamError, ProtonatsError
from .._errors._cli import CliError
from ..events._fields import BY_KEYWORD, size
from ..events._registry import Events
from ..jetstream._config import Action, StreamPlan
from ..jetstream._loss import DataLoss
from ._contract import EXIT_CHANGES, cli_message
from ._options import Connection, Debug, Format, Registry, connection_flags, registry_of
from ._output import Table, one_line, status

__all__ = [
    "loss_text",
    "plan",
    "plan_command",
    "plan_table",
    "register",
    "register_command",
]

AllowDataLoss = Annotated[
    bool,
    typer.Option(
        "--allow-data-loss",
        help="Apply a lowered limit (age, messages, bytes) even though the server then deletes "
        "stored messages (plan: show it as an update).",
    ),
]
AllowIncompatible = Annotated[
    bool,
    typer.Option(
        "--allow-incompatible",
        help="Register a schema that cannot read what the ledger's current schema wrote.",
    ),
]
SkipNewer = Annotated[
    bool,
    typer.Option(
        "--skip-newer",
        help="Skip streams registered by a newer registry version instead of refusing them.",
    ),
]


@connection_flags
def plan_command(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 3 if register would change or refuse anything.")
    ] = False,
    skip_newer: SkipNewer = False,
    allow_incompatible: AllowIncompatible = False,
    allow_data_loss: AllowDataLoss = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Show what register would do to each event's stream, changing nothing.

    Per event: create, update (with the changed fields), unchanged, or refused and why (a
    lowered limit that would delete stored messages says how many). Exits 0, or with --check
    3 when anything would be created, updated or is refused.
    """
    events = registry_of(ctx, registry)
    on_newer: Literal["raise", "skip"] = "skip" if skip_newer else "raise"
    with status(f"planning {len(events)} events..."):
        rows = asyncio.run(
            plan(
                events,
                conn,
                on_newer=on_newer,
                allow_incompatible=allow_incompatible,
                allow_data_loss=allow_data_loss,
            )
        )
    plan_table(rows, "plan").print(fmt)
    if check and any(row.action.differs for row in rows):
        raise typer.Exit(EXIT_CHANGES)


@connection_flags
def register_command(
    ctx: typer.Context,
    skip_newer: SkipNewer = False,
    allow_incompatible: AllowIncompatible = False,
    allow_data_loss: AllowDataLoss = False,
    registry: Registry = None,
    fmt: Format = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Create missing streams and update changed ones, then print what was done.

    A refused event (a stream protonats does not own, a storage or retention change, a newer
    registry's stream, a lowered limit that would delete stored messages without
    --allow-data-loss) does not stop the others; the table is printed, then exit 1.
    """
    events = registry_of(ctx, registry)
    on_newer: Literal["raise", "skip"] = "skip" if skip_newer else "raise"
    with status(f"registering {len(events)} events..."):
        rows, failure = asyncio.run(
            register(
                events,
                conn,
                on_newer=on_newer,
                allow_incompatible=allow_incompatible,
                allow_data_loss=allow_data_loss,
            )
        )
    plan_table(rows, "register").print(fmt)
    if failure is not None:
        refused = [row.event for row in rows if row.action in (Action.REFUSED, Action.FAILED)]
        if len(refused) > 1:
            raise CliError(
                f"{len(refused)} events were not registered ({', '.join(refused)}); "
                f"the first: {cli_message(failure)}"
            )
        raise failure


async def plan(events: Events, connection: Connection, **options: Any) -> list[StreamPlan]:
    """What ``register`` would do for every event (``options`` as ``plan()``'s); changes
    nothing on the server."""
    async with connection.connect(events) as conn:
        return await conn.plan(**options)


async def register(
    events: Events, connection: Connection, **options: Any
) -> tuple[list[StreamPlan], ProtonatsError | None]:
    """Register every event; return what was done, and the refusal that failed it, if any.

    When register refuses an event it still applies the others, so the rows are rebuilt from
    a plan made before and one made after: created or updated streams, and the refusals.
    """
    async with connection.connect(events) as conn:
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
