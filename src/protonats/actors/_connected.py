"""``ConnectedActors``: register the actors' consumers and dead-letter streams, and listen."""

from __future__ import annotations

import asyncio
import datetime
import logging
import signal
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from .._errors import (
    ActorDeclarationError,
    NoStreamError,
)
from ..events._event import Event
from ..jetstream._config import Action, StreamPlan
from ..jetstream._connection import Connection, Shareable, link_of
from ..jetstream._loss import Stored
from ..jetstream._nats import Client, Link, api
from ..jetstream._register import converge, observe_stream, raise_refusals
from ._actor import Actor
from ._config import (
    ConsumerPlan,
    consumer_config,
    dead_letter_stream,
    dead_letter_stream_config,
    plan_consumer,
    plan_dead_letter_stream,
)
from ._dead import DeadLetter, Replayed, dead_letters, replay
from ._pause import ActorState, actor_states, pause, pause_until, resume
from ._pool import DaemonPool
from ._runner import Runner
from ._slots import Slots
from ._watch import watch

if TYPE_CHECKING:
    from ._registry import Actors

__all__ = ["ConnectedActors"]

log = logging.getLogger("protonats.actors")


class ConnectedActors(Shareable):
    """The registry's actors on a live connection. Get one from ``Actors.connect()``.

    ``api_prefix`` and ``servers`` as ``ConnectedEvents``'.
    """

    def __init__(self, actors: Actors, connection: Connection, *, ack_timeout: float = 5.0) -> None:
        self.actors = actors
        self._connection = connection
        self._link = link_of(connection)
        self.api_prefix = connection.api_prefix
        self.servers = connection.servers
        self.ack_timeout = ack_timeout

    @property
    def client(self) -> Client:
        """The nats-py client under this connection: the escape hatch for what protonats does
        not do. Leave its lifecycle (close, drain) to ``Actors.connect()``."""
        return self._link.client

    def __repr__(self) -> str:
        return (
            f"ConnectedActors({self.actors!r}, servers={list(self.servers)}, "
            f"api_prefix={self.api_prefix!r})"
        )

    def _dead_letter_events(self) -> Iterator[Event[Any]]:
        seen: set[str] = set()
        for actor in self.actors:
            if actor.dead_letter and actor.event.name not in seen:
                seen.add(actor.event.name)
                yield actor.event

    async def plan(self, *, allow_data_loss: bool = False) -> list[StreamPlan | ConsumerPlan]:
        """What ``register()`` would do: dead-letter streams first, then consumers."""
        return await self._plan_or_apply(apply=False, allow_data_loss=allow_data_loss)

    async def register(self, *, allow_data_loss: bool = False) -> list[StreamPlan | ConsumerPlan]:
        """Create or update each dead-letter stream and each actor's durable consumer.

        Unchanged ones are not touched. The events' own streams must exist (``Events``
        registers them): ``NoStreamError`` otherwise. Refuses (``ConsumerConfigError``,
        ``StreamExistsError``) a consumer or stream protonats did not create for the actor,
        and changes JetStream cannot make, after applying everything else; a lowered
        ``dead_letter_limits`` that would delete stored dead letters (``DataLossError``)
        unless ``allow_data_loss``.
        """
        return await self._plan_or_apply(apply=True, allow_data_loss=allow_data_loss)

    async def _plan_or_apply(
        self, *, apply: bool, allow_data_loss: bool
    ) -> list[StreamPlan | ConsumerPlan]:
        link = self._link
        checked: set[str] = set()
        for actor in self.actors:
            if actor.event.name not in checked:
                checked.add(actor.event.name)
                await _check_stream(link, actor.event)
        plans: list[StreamPlan | ConsumerPlan] = []
        names: list[str] = []
        for event in self._dead_letter_events():
            plans.append(await self._dead_letter_stream(event, apply, allow_data_loss))
            names.append(dead_letter_stream(event))
        for actor in self.actors:
            plans.append(await self._consumer(actor, apply))
            names.append(f"{actor.event.name}/{actor.name}")
        if apply:
            raise_refusals(plans, names)
        return plans

    async def _dead_letter_stream(
        self, event: Event[Any], apply: bool, allow_data_loss: bool
    ) -> StreamPlan:
        link, stream = self._link, dead_letter_stream(event)
        desired = dead_letter_stream_config(event, self.actors.dead_letter_limits)

        def look() -> Awaitable[tuple[api.StreamConfig | None, Stored | None]]:
            return observe_stream(link, event, desired, stream, _DEAD_OF % "look up")

        async def make(plan: StreamPlan) -> StreamPlan:
            if apply and plan.action is Action.CREATE:
                await link.add_stream(event, desired, _DEAD_OF % "create")
            elif apply and plan.action is Action.UPDATE:
                await link.update_stream(event, desired, _DEAD_OF % "update")
            return plan

        def planned(found: tuple[api.StreamConfig | None, Stored | None]) -> StreamPlan:
            actual, stored = found
            return plan_dead_letter_stream(
                event, desired, actual, stored, allow_data_loss=allow_data_loss
            )

        return await converge(event, f"stream {stream!r}", look, planned, make)

    async def _consumer(self, actor: Actor[Any], apply: bool) -> ConsumerPlan:
        link, desired = self._link, consumer_config(actor)

        async def look() -> api.ConsumerConfig | None:
            return await link.consumer_config(actor.event, actor.name)

        async def make(plan: ConsumerPlan) -> ConsumerPlan:
            if apply and plan.action in (Action.CREATE, Action.UPDATE):
                await link.add_consumer(actor.event, desired)
            return plan

        server = await link.learn_server() if actor.pinned or actor.overflow is not None else None

        def planned(actual: api.ConsumerConfig | None) -> ConsumerPlan:
            return plan_consumer(actor, desired, actual, server)

        return await converge(actor.event, f"consumer {actor.name!r}", look, planned, make)

    async def pause(self, actor_name: str, until: datetime.datetime | float) -> datetime.datetime:
        """Pause the actor (every actor of that name, if several events have one) until
        ``until``, an aware datetime or seconds from now: its listeners, here and in every
        other process, receive nothing meanwhile and lose nothing; when the pause ends they
        continue where they were. Returns when it ends (UTC). nats-server 2.11+."""
        actors = self._named(actor_name)
        try:
            end = pause_until(until)
        except ValueError as exc:
            raise ActorDeclarationError(f"actor {actor_name!r}: pause: {exc}") from exc
        for actor in actors:
            await pause(self._link, actor.event, actor.name, end)
        return end

    async def resume(self, actor_name: str) -> None:
        """End the actor's pause now: its listeners continue where they were."""
        for actor in self._named(actor_name):
            await resume(self._link, actor.event, actor.name)

    async def states(self) -> list[ActorState]:
        """Each actor's consumer on the server: pending messages, in progress, paused until."""
        return await actor_states(self._link, {a.event.name: a.event for a in self.actors}.values())

    def _named(self, name: str) -> list[Actor[Any]]:
        found = [actor for actor in self.actors if actor.name == name]
        if not found:
            known = ", ".join(sorted({a.name for a in self.actors}))
            raise ActorDeclarationError(f"no actor named {name!r} here (actors: {known})")
        return found

    async def dead_letters(
        self, event: Event[Any], *, actor: str | None = None
    ) -> list[DeadLetter]:
        """The messages the actors of ``event`` gave up on (of ``actor`` only, if given)."""
        return await dead_letters(self._link, event, actor=actor)

    async def replay_dead_letters(
        self, event: Event[Any], *, actor: str | None = None
    ) -> list[Replayed]:
        """Send ``event``'s dead letters back to it, each with its original uid (so a
        replay twice stores once), and remove them from the dead letters.

        Every actor of the event gets a replayed message again, not only the one that
        gave up on it: handlers should be idempotent.
        """
        letters = await dead_letters(self._link, event, actor=actor)
        return await replay(self._link, event, letters, within=self.ack_timeout)

    async def listen(
        self,
        *,
        burst: bool = False,
        batch: int = 100,
        max_jobs: int = 16,
        poll_delay: float = 2.0,
        drain_timeout: float = 20.0,
        max_threads: int | None = None,
        max_polls: int | None = None,
        handle_signals: bool = True,
    ) -> None:
        """Pull every actor's messages and run its handler on each, until cancelled.

        ``max_jobs`` bounds the jobs running at once over all actors (each actor also has
        its own ``max_jobs``), handed out first come, first served; an actor pulls only as
        many messages as it has free slots, at most ``batch`` per request, waiting up to
        ``poll_delay`` s for one to arrive without holding any shared slot.
        ``burst=True`` handles what is there now, and the retries of those messages that
        fall due while it runs, then returns. Cancelling the call, or SIGTERM/SIGINT (with
        ``handle_signals``, in the main thread), stops pulling, lets running jobs finish for
        up to ``drain_timeout`` s, naks the others so they are redelivered at once, and
        returns (a second signal stops waiting); ``SystemExit``/``KeyboardInterrupt`` from a
        handler does the same, then is raised here. Sync handlers run in a pool of
        ``max_threads`` daemon threads (a stuck one never keeps the process alive).
        ``max_polls`` is accepted for walnats compatibility; each actor has one poll.
        See docs/actors.md.
        """
        for name, value in (("batch", batch), ("max_jobs", max_jobs)):
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ActorDeclarationError(
                    f"listen: {name} must be an integer >= 1, got {value!r}"
                )
        for name, seconds in (("poll_delay", poll_delay), ("drain_timeout", drain_timeout)):
            if not isinstance(seconds, int | float) or seconds < 0:
                raise ActorDeclarationError(f"listen: {name} must be seconds >= 0, not {seconds!r}")
        del max_polls
        shared = Slots(max_jobs)
        executor = DaemonPool(max_threads, "protonats-actor")
        interrupts: list[BaseException] = []
        runners: list[Runner] = []

        def stop_all() -> None:
            for runner in runners:
                runner.stop()

        def interrupted(exc: BaseException) -> None:
            interrupts.append(exc)
            stop_all()

        runners.extend(
            Runner(
                a,
                self._link,
                shared,
                executor,
                batch=batch,
                poll_delay=poll_delay,
                interrupted=interrupted,
            )
            for a in self.actors
        )
        loop = asyncio.get_running_loop()
        pulls = {loop.create_task(r.pull(burst), name=f"actor {r.actor.name}") for r in runners}
        watchers = [loop.create_task(watch(r)) for r in runners]
        signalled: list[int] = []

        def on_signal(signum: int) -> None:
            signalled.append(signum)
            if len(signalled) == 1:
                log.info("%s: stopping; draining running jobs", signal.Signals(signum).name)
                stop_all()
            else:  # a second signal: stop waiting for jobs
                for runner in runners:
                    for job in runner.jobs:
                        job.cancel()

        restore = _install_signals(loop, on_signal) if handle_signals else _nothing
        cancelled = False
        try:
            # One actor's pull failing (its consumer deleted, the server gone) stops them all.
            await asyncio.wait(pulls, return_when=asyncio.FIRST_EXCEPTION)
        except asyncio.CancelledError:
            cancelled = True
        finally:
            try:
                stop_all()
                await asyncio.wait(pulls)  # each ends after its fetch in flight
                await _drain(runners, drain_timeout)
                await self._link.flush(5.0)  # the server has read every ack and nak
            finally:
                for task in watchers:
                    task.cancel()
                executor.shutdown(wait=False, cancel_futures=True)  # never waits for a thread
                restore()
        if cancelled:
            raise asyncio.CancelledError
        if interrupts:
            raise interrupts[0]  # SystemExit or KeyboardInterrupt from a handler, after the drain
        for task in pulls:
            task.result()  # a pull that failed (its consumer deleted, say) raises here


async def _drain(runners: list[Runner], within: float) -> None:
    jobs = {job for runner in runners for job in runner.jobs}
    if jobs:
        log.info("waiting up to %s s for %d running jobs", within, len(jobs))
        _done, late = await asyncio.wait(jobs, timeout=within)
        for job in late:
            job.cancel()  # the job naks its message (no delay) and ends
        if late:
            await asyncio.wait(late)
    hooks = {hook for runner in runners for hook in runner.hooks}
    if hooks:
        await asyncio.wait(hooks, timeout=1.0)


_DEAD_OF = "%s the dead-letter stream of"


async def _check_stream(link: Link, event: Event[Any]) -> None:
    """Raise ``NoStreamError`` unless the event's stream exists."""
    if await link.stream_info(event) is None:
        raise NoStreamError(
            f"event {event.name!r}: stream {event.stream_name!r} does not exist; register "
            "the events first (Events(...).connect() then register()), then the actors"
        )


def _nothing() -> None:
    return None


def _install_signals(
    loop: asyncio.AbstractEventLoop, callback: Callable[[int], None]
) -> Callable[[], None]:
    """Route SIGTERM and SIGINT to ``callback``; return what puts the old handlers back."""
    if threading.current_thread() is not threading.main_thread():
        return _nothing
    installed: list[tuple[signal.Signals, Any]] = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        previous = signal.getsignal(signum)
        try:
            loop.add_signal_handler(signum, callback, signum)
        except (NotImplementedError, RuntimeError, ValueError):
            continue
        installed.append((signum, previous))

    def restore() -> None:
        for signum, previous in installed:
            loop.remove_signal_handler(signum)
            signal.signal(signum, previous)

    return restore
