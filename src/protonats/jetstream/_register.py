"""Make each event's stream match its declaration: create, update, or refuse with reasons.

The one register loop (``converge``: look, plan, apply; look again when another process
created the stream meanwhile) and the one aggregation of refusals (``raise_refusals``) serve
the events' streams here and the actors' dead-letter streams and consumers
(``actors/_connected.py``) alike.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import warnings
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, Literal, Protocol, TypeVar

from .._errors import (
    JetStreamError,
    ProtonatsError,
    StreamConfigError,
    StreamExistsError,
    with_message,
)
from ..events._event import Event
from ..events._fields import BY_KEYWORD
from ._config import Action, StreamPlan, plan_stream, stream_config
from ._ledger_kv import LedgerStore, RegisterLock
from ._ledger_step import LedgerStep
from ._loss import Stored, age_lowered
from ._nats import STREAM_NAME_IN_USE, SUBJECTS_OVERLAP, Link, api

__all__ = [
    "OnNewer",
    "converge",
    "observe_stream",
    "plan_events",
    "raise_refusals",
    "register_events",
]

OnNewer = Literal["raise", "skip"]
C = TypeVar("C")


class Plan(Protocol):
    """What ``converge`` applies: a ``StreamPlan`` or an actor's ``ConsumerPlan``."""

    @property
    def action(self) -> Action: ...

    @property
    def error(self) -> ProtonatsError | None: ...


P = TypeVar("P", bound=Plan)
_ATTEMPTS = 3


async def converge(
    event: Event[Any],
    what: str,
    look: Callable[[], Awaitable[C]],
    plan: Callable[[C], P],
    apply: Callable[[P], Awaitable[P]],
) -> P:
    """Look at the server's ``what``, plan, apply the plan (``apply`` returns what was done);
    when the server says it was created meanwhile by another process (JetStream error
    10058), look again."""
    for _attempt in range(_ATTEMPTS):
        planned = plan(await look())
        try:
            return await apply(planned)
        except JetStreamError as exc:
            if exc.err_code == STREAM_NAME_IN_USE:
                continue  # another process created it first: look again
            raise
    raise JetStreamError(
        f"event {event.name!r}: {what} kept changing while registering; register again",
        event=event.name,
        stream=event.stream_name,
    )


def raise_refusals(plans: Sequence[Plan], names: Sequence[str]) -> None:
    """Raise the first refusal among ``plans`` (applied, all of them), naming the other
    refused ones (``names``: what each plan is about)."""
    refused = [
        (name, p.error)
        for p, name in zip(plans, names, strict=True)
        if p.action is Action.REFUSED and p.error is not None
    ]
    if not refused:
        return
    first = refused[0][1]
    if len(refused) > 1:
        others = ", ".join(repr(name) for name, _ in refused[1:])
        raise with_message(first, f"{first} (also refused: {others}; see plan())") from first
    raise first


_PARALLEL = 16
_RECORDED = (Action.CREATE, Action.UPDATE, Action.UNCHANGED)


async def plan_events(
    link: Link,
    events: Iterable[Event[Any]],
    *,
    version: str | None,
    on_newer: OnNewer = "raise",
    allow_incompatible: bool = False,
    allow_data_loss: bool = False,
) -> list[StreamPlan]:
    """What ``register`` would do for each event, in order; changes nothing."""
    limit = asyncio.Semaphore(_PARALLEL)
    events = list(events)
    ledger = LedgerStep(
        await LedgerStore.open(link), version, allow_incompatible=allow_incompatible
    )
    await ledger.load(events)

    async def one(event: Event[Any]) -> StreamPlan:
        async with limit:
            refusal = ledger.prepare(event).refusal
            if refusal is not None:
                return StreamPlan(event.name, event.stream_name, Action.REFUSED, error=refusal)
            desired = stream_config(event, version=version)
            current, stored = await observe_stream(link, event, desired)
            owner = await _subject_owner(link, event) if current is None else None
            if owner is not None:  # register would be refused: say so now, not "create"
                error = _subject_taken(event, owner)
                return StreamPlan(event.name, event.stream_name, Action.REFUSED, error=error)
            return plan_stream(
                event,
                desired,
                current,
                on_newer=on_newer,
                max_payload=link.max_payload,
                server=link.server,
                stored=stored,
                allow_data_loss=allow_data_loss,
            )

    return list(await asyncio.gather(*(one(e) for e in events)))


async def register_events(
    link: Link,
    events: Iterable[Event[Any]],
    *,
    version: str | None,
    create: bool = True,
    update: bool = True,
    on_newer: OnNewer = "raise",
    allow_incompatible: bool = False,
    allow_data_loss: bool = False,
    lock_timeout: float = 60.0,
) -> list[StreamPlan]:
    """Apply the plan of every event; raise the first refusal after applying all the others.

    Safe to run from many processes at once: everything happens under the ledger's register
    lock, so each event's look-compare-write of its stream and ledger entry is atomic.
    """
    events = list(events)
    replicas = max((e.limits.replicas or 1 for e in events), default=1)
    store = await LedgerStore.ensure(link, replicas=replicas)
    ledger = LedgerStep(store, version, allow_incompatible=allow_incompatible)
    limit = asyncio.Semaphore(_PARALLEL)
    async with store.lock(wait=lock_timeout) as lock:
        await ledger.load(events)

        async def one(event: Event[Any]) -> StreamPlan:
            async with limit:
                prepared = ledger.prepare(event)
                if prepared.refusal is not None:
                    error = prepared.refusal
                    return StreamPlan(event.name, event.stream_name, Action.REFUSED, error=error)
                plan = await _register_one(
                    link, event, version, create, update, on_newer, allow_data_loss, lock
                )
                if plan.action in _RECORDED:
                    lock.check(f"record event {event.name!r} in the ledger")
                    await ledger.record(prepared)
                return plan

        plans = list(await asyncio.gather(*(one(e) for e in events)))
    for plan in plans:
        if plan.action is Action.SKIPPED and plan.error is not None:
            warnings.warn(str(plan.error), UserWarning, stacklevel=3)
    raise_refusals(plans, [p.event for p in plans])
    return plans


async def _register_one(
    link: Link,
    event: Event[Any],
    version: str | None,
    create: bool,
    update: bool,
    on_newer: OnNewer,
    allow_data_loss: bool,
    lock: RegisterLock,
) -> StreamPlan:
    desired = stream_config(event, version=version)

    def plan(found: tuple[api.StreamConfig | None, Stored | None]) -> StreamPlan:
        current, stored = found
        return plan_stream(
            event,
            desired,
            current,
            on_newer=on_newer,
            max_payload=link.max_payload,
            server=link.server,
            stored=stored,
            allow_data_loss=allow_data_loss,
        )

    async def apply(plan: StreamPlan) -> StreamPlan:
        if plan.action is Action.CREATE:
            if not create:
                return _skipped(plan)
            lock.check(f"create stream {event.stream_name!r}")
            try:
                await link.add_stream(event, desired)
            except JetStreamError as exc:
                if exc.err_code == SUBJECTS_OVERLAP:
                    raise await _overlap_error(link, event, exc) from exc
                raise
        elif plan.action is Action.UPDATE:
            if not update:
                return _skipped(plan)
            lock.check(f"update stream {event.stream_name!r}")
            try:
                await link.update_stream(event, desired)
            except StreamConfigError as exc:  # the server refused it (others: no answer)
                raise _update_error(event, plan, exc) from exc
        return plan

    return await converge(
        event,
        f"stream {event.stream_name!r}",
        lambda: observe_stream(link, event, desired),
        plan,
        apply,
    )


async def observe_stream(
    link: Link,
    event: Event[Any],
    desired: api.StreamConfig,
    stream: str | None = None,
    doing: str = "look up the stream",
) -> tuple[api.StreamConfig | None, Stored | None]:
    """The config on the server of ``stream`` (default: the event's; None: no such stream)
    and what it holds; for a lowered max age, also the first message the new limit keeps
    (``_loss``)."""
    info = await link.stream_info(event, doing, stream)
    if info is None:
        return None, None
    state = info.state
    stored = Stored(state.messages, state.bytes, state.first_seq, state.last_seq)
    row = BY_KEYWORD["age"]
    age = age_lowered(row.comparable(info.config.max_age), row.comparable(desired.max_age))
    if age is not None and stored.messages:
        since = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=age)
        first = await link.first_seq_since(event, since, stream)
        kept_from = state.last_seq + 1 if first is None else first
        stored = dataclasses.replace(stored, kept_from=kept_from)
    return info.config, stored


def _skipped(plan: StreamPlan) -> StreamPlan:
    return StreamPlan(plan.event, plan.stream, Action.SKIPPED, plan.changes)


async def _overlap_error(link: Link, event: Event[Any], exc: JetStreamError) -> JetStreamError:
    owner = await _subject_owner(link, event) or "another stream"
    return _subject_taken(event, owner, exc)


async def _subject_owner(link: Link, event: Event[Any]) -> str | None:
    """The stream that stores the event's subject already, if any (None: none, or the server
    would not say)."""
    try:
        return await link.find_stream(event, event.subject_name)
    except JetStreamError:
        return None


def _subject_taken(
    event: Event[Any], owner: str, exc: JetStreamError | None = None
) -> StreamExistsError:
    said = f" (JetStream error {exc.err_code}: {exc.description})" if exc is not None else ""
    return StreamExistsError(
        f"event {event.name!r}: subject {event.subject_name!r} is already stored by stream "
        f"{owner!r}; protonats will not create a second stream on it{said}. Remove that "
        f"subject from {owner!r} or rename the event",
        event=event.name,
        stream=event.stream_name,
        code=exc.code if exc is not None else None,
        err_code=exc.err_code if exc is not None else None,
        description=exc.description if exc is not None else None,
    )


def _update_error(event: Event[Any], plan: StreamPlan, exc: JetStreamError) -> JetStreamError:
    changes = "; ".join(str(c) for c in plan.changes)
    first = plan.changes[0] if plan.changes else None
    return StreamConfigError(
        f"event {event.name!r}: the server refused to update stream {event.stream_name!r} "
        f"({changes}): {exc.description} (JetStream error {exc.err_code})",
        event=event.name,
        stream=event.stream_name,
        field=first.field if first else None,
        old=first.old if first else None,
        new=first.new if first else None,
        code=exc.code,
        err_code=exc.err_code,
        description=exc.description,
    )
