"""``make demo``: register, emit and consume every event of a registry on an embedded server.

Without ``--registry`` it uses a few hand-written dataclass events (the walnats way); with
``--registry shop_events:EVENTS`` the generated example registry. The server is a throwaway
``nats-server`` on a free port unless ``NATS_URL`` names one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import datetime
import enum
import importlib
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from .._errors import ProtonatsError
from ..events._event import Event
from ..events._limits import Limits, Storage
from ..events._registry import Events
from ..jetstream._config import Action
from ..testing import nats_server


class ParcelStatus(enum.Enum):
    PACKED = "packed"
    SHIPPED = "shipped"


@dataclasses.dataclass
class UserRegistered:
    user_id: str
    registered_at: datetime.datetime


@dataclasses.dataclass
class ParcelStatusChanged:
    parcel_id: str
    old_status: ParcelStatus
    new_status: ParcelStatus
    note: str | None = None


USER_REGISTERED = Event(
    "user-registered",
    UserRegistered,
    description="A user created an account.",
    limits=Limits(age=7 * 24 * 3600, messages=1_000_000),
)
PARCEL_STATUS_CHANGED = Event(
    "parcel-status-changed",
    ParcelStatusChanged,
    description="A parcel moved from one status to another.",
    limits=Limits(age=30 * 24 * 3600, message_size=4096),
)
DEFAULT = Events(USER_REGISTERED, PARCEL_STATUS_CHANGED, version="1.0.0")
_NOW = datetime.datetime(2026, 11, 26, 12, 0, tzinfo=datetime.UTC)
_SAMPLES: dict[str, Any] = {
    "user-registered": UserRegistered("u-42", _NOW),
    "parcel-status-changed": ParcelStatusChanged("p-7", ParcelStatus.PACKED, ParcelStatus.SHIPPED),
}


def sample(event: Event[Any]) -> Any:
    """A message for ``event``: a hand-made one, or built from its schema's JSON example."""
    if event.name in _SAMPLES and isinstance(_SAMPLES[event.name], event.schema):
        return _SAMPLES[event.name]
    from ._catalog_schemas import event_schemas, example
    from ._json import message_from_json

    schemas = event_schemas([event])
    value = example(schemas.payloads[event.name], schemas.components)
    return message_from_json(event, json.dumps(value))


def _table(rows: Sequence[tuple[str, ...]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


async def run(events: Events, url: str) -> int:
    """The demo itself; returns the exit code (non-zero if any event did not round-trip)."""
    print(f"registry: {len(events)} events, version {events.version or '(none)'}; server {url}\n")
    async with events.connect(url) as conn:
        plans = await conn.register()
        print(_table([("event", "register"), *((p.event, p.action.value) for p in plans)]))
        again = await conn.register()
        unchanged = all(p.action is Action.UNCHANGED for p in again)
        print(f"\nregister again: {'every stream unchanged (no-op)' if unchanged else again}\n")
        rows = [("event", "schema", "seq", "retry of uid", "consumed", "round-trip")]
        failures = 0
        for event in events:
            message = sample(event)
            ack = await conn.emit(event, message, uid=f"demo-{event.name}")
            retry = await conn.emit(event, message, uid=f"demo-{event.name}")
            if ack is None or retry is None:
                raise ProtonatsError("emit without sync=False always returns an ack")
            got = None
            async for delivery in conn.consume(event, "demo", idle_timeout=0.5):
                got = delivery.data
                await delivery.ack()
            equal = got == message
            failures += not equal
            rows.append(
                (
                    event.name,
                    event.schema_name,
                    str(ack.seq),
                    "stored once" if retry.duplicate else f"stored again as {retry.seq}",
                    "yes" if got is not None else "no",
                    "equal" if equal else "DIFFERENT",
                )
            )
        print(_table(rows))
    await _show_refusals(events, url)
    from ._demo_actors import show_actors

    failures += not await show_actors(url)
    return 1 if failures else 0


async def _show_refusals(events: Events, url: str) -> None:
    """What walnats would do silently, protonats refuses with a reason."""
    first = next(iter(events))
    print("\nwhat register refuses:")
    moved = dataclasses.replace(
        first,
        storage=Storage.MEMORY if first.storage is Storage.FILE else Storage.FILE,
    )
    older = Events(
        dataclasses.replace(first, limits=first.limits.evolve(messages=10)), version="0.0.1"
    )
    for title, registry in (
        ("storage changed", Events(moved, version=events.version)),
        ("an older deployment", older),
    ):
        async with registry.connect(url) as conn:
            try:
                await conn.register()
            except ProtonatsError as exc:
                print(f"- {title}: {type(exc).__name__}: {exc}")


def _load(spec: str) -> Events:
    module, _, attr = spec.partition(":")
    registry = getattr(importlib.import_module(module), attr or "EVENTS")
    if not isinstance(registry, Events):
        raise SystemExit(f"{spec} is not a protonats.Events")
    return registry


@contextlib.contextmanager
def _server() -> Iterator[str]:
    if os.environ.get("NATS_URL"):
        yield os.environ["NATS_URL"]
    else:
        with nats_server() as url:
            yield url


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m protonats.cli._demo", description=__doc__)
    parser.add_argument("--registry", help="module:attr of an Events registry")
    args = parser.parse_args(argv)
    events = _load(args.registry) if args.registry else DEFAULT
    with _server() as url:
        return asyncio.run(run(events, url))


if __name__ == "__main__":  # run the importable module, so schema names read protonats.cli._demo.X
    from protonats.cli._demo import main as _main

    sys.exit(_main())
