"""Middlewares: hooks called around each job, and the contexts they receive (walnats' names)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..jetstream._consume import Received

if TYPE_CHECKING:
    from ..jetstream._nats import Msg
    from ._actor import Actor

__all__ = ["Context", "ErrorContext", "Middleware", "OkContext"]

T = TypeVar("T")


@dataclasses.dataclass(frozen=True, slots=True)
class Context(Received, Generic[T]):
    """What ``on_start`` gets: the actor, the decoded message and its delivery. Like a
    ``Delivery``: ``headers`` (CloudEvents values decoded), ``seq`` (walnats'
    ``seq_number``), ``num_delivered``, ``timestamp``, ``trace_id``."""

    actor: Actor[T]
    """The actor running the job (``ctx.actor.name``, ``ctx.actor.event.name``)."""
    message: T
    """The decoded message (``None`` in an ``ErrorContext`` of an undecodable payload)."""
    attempt: int
    """Which delivery of the message this is to the actor: 1 the first time."""
    _msg: Msg = dataclasses.field(repr=False)
    # The received message, read through the boundary (``Received``'s properties).

    @property
    def attempts(self) -> int:
        """``attempt``, under walnats' name."""
        return self.attempt


@dataclasses.dataclass(frozen=True, slots=True)
class OkContext(Context[T]):
    """What ``on_success`` gets: also how long the handler took."""

    duration: float = 0.0
    """Seconds the handler ran (awaits included)."""


@dataclasses.dataclass(frozen=True, slots=True)
class ErrorContext(Context[T]):
    """What ``on_failure`` and ``on_dead_letter`` get: also the error and what happens next."""

    exception: BaseException | None = None
    """What the handler raised (``TimeoutError`` after ``job_timeout``; the ``DecodeError``
    of an undecodable payload)."""
    duration: float = 0.0
    """Seconds the handler ran before it failed (0 when it never ran)."""
    final: bool = False
    """True when the message will not be retried: it goes to the dead letters (or is
    terminated when the actor has ``dead_letter=False``)."""


class Middleware:
    """Callbacks around each job: subclass and override the hooks you need.

    Hooks may be plain functions or return an awaitable (run as a task, not awaited before
    the job goes on). They run on the event loop, in the job's task, so a plain hook sees
    the job's context variables and must be fast. A hook that raises is logged and ignored:
    middlewares observe jobs, they never decide an ack.
    """

    __slots__ = ()

    def on_start(self, ctx: Context[Any]) -> Awaitable[None] | None:
        """Right before the handler is called."""
        return None

    def on_success(self, ctx: OkContext[Any]) -> Awaitable[None] | None:
        """The handler returned; the message is acked."""
        return None

    def on_failure(self, ctx: ErrorContext[Any]) -> Awaitable[None] | None:
        """The handler raised or timed out, or the payload did not decode (then without
        ``on_start`` before it)."""
        return None

    def on_dead_letter(self, ctx: ErrorContext[Any]) -> Awaitable[None] | None:
        """The message was stored in the event's dead letters and terminated on its stream."""
        return None
