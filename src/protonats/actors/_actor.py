"""``Actor``: a handler bound to an event through a durable consumer, and how it may fail."""

from __future__ import annotations

import dataclasses
import inspect
import math
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from .._errors import ActorDeclarationError
from ..events._event import MAX_DESCRIPTION_LENGTH, MAX_NAME_LENGTH, NAME_PATTERN, Event
from ._middleware import Middleware

__all__ = ["Actor", "validate_actor_name"]

T = TypeVar("T")


def validate_actor_name(name: object) -> str:
    """Return ``name`` if it is a valid actor name (kebab-case, like event names), else raise."""
    if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise ActorDeclarationError(
            f"actor name {name!r} must be lower-case kebab-case, at most {MAX_NAME_LENGTH} "
            "characters (letters a-z, digits, single dashes), e.g. 'send-email'; it is the "
            "durable consumer's name"
        )
    return name


@dataclasses.dataclass(frozen=True, slots=True)
class Actor(Generic[T]):
    """Runs ``handler`` on every message of ``event``, through the durable consumer ``name``.

    ::

        async def send_email(user: User) -> None: ...

        SEND_EMAIL = Actor("send-email", USER_REGISTERED, send_email)

    Every instance of the same actor shares the consumer, so each message is handled by one
    of them. A handler that returns has its message acked; one that raises (or runs past
    ``job_timeout``) has it redelivered after ``retry_delay``, until ``max_attempts`` calls
    are used up; then the message goes to the event's dead letters (``<event>-dead``).
    """

    name: str
    """Durable consumer name: unique per event, never renamed (the old consumer would stay)."""
    event: Event[T]
    """The event to handle."""
    handler: Callable[[T], Any]
    """Called with the decoded message. Async handlers run on the loop; plain functions run
    in a thread pool, so they never block it."""
    _: dataclasses.KW_ONLY
    description: str | None = None
    """Stored on the consumer, for humans and tools."""
    ack_wait: float = 16
    """Seconds without an answer (ack, nak or pulse) before the server redelivers."""
    max_attempts: int | None = None
    """Handler calls per message before it is dead-lettered; None retries forever."""
    max_ack_pending: int = 1000
    """Messages in progress at once across every instance of the actor."""
    max_jobs: int = 16
    """Jobs running at once in one ``listen``; pulling pauses while all are busy."""
    job_timeout: float = 32
    """Seconds an async handler may run before it is cancelled (a failure). A sync handler
    cannot be interrupted: past the timeout its job fails but its thread runs on."""
    retry_delay: Sequence[float] = (0.5, 1, 2, 4)
    """Seconds before the retry after the 1st, 2nd, ... failure; the last value repeats."""
    pulse: bool = True
    """Tell the server the job is in progress every ``ack_wait / 2`` seconds, so a job
    longer than ``ack_wait`` is not redelivered to another instance."""
    middlewares: Sequence[Middleware] = ()
    """Hooks around each job (logging, metrics, tracing)."""
    dead_letter: bool = True
    """Store messages that are given up on in ``<event>-dead``; False terminates them with
    an ERROR log instead."""
    pinned: bool = False
    """One listening instance (the pinned one) gets every message; the others stand by and
    take over ``pinned_ttl`` seconds after it stops pulling (consumer priority group,
    nats-server 2.11+)."""
    pinned_ttl: float = 30
    """Seconds without a pull from the pinned instance before the server pins another."""
    overflow: int | None = None
    """This instance pulls only while more than ``overflow`` messages are pending for the
    actor: a standby that helps under backlog; ``0`` always pulls (the primary instances of
    an overflow actor). Every instance of the actor must declare it (nats-server 2.11+)."""
    is_async: bool = dataclasses.field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        validate_actor_name(self.name)
        what = f"actor {self.name!r}"
        if not isinstance(self.event, Event):
            raise ActorDeclarationError(f"{what}: event must be a protonats.Event")
        if not callable(self.handler):
            raise ActorDeclarationError(f"{what}: handler must be callable")
        if self.description is not None and len(self.description) > MAX_DESCRIPTION_LENGTH:
            raise ActorDeclarationError(
                f"{what}: description is over {MAX_DESCRIPTION_LENGTH} characters"
            )
        _positive(what, "ack_wait", self.ack_wait)
        _positive(what, "job_timeout", self.job_timeout)
        for field in ("max_ack_pending", "max_jobs"):
            _count(what, field, getattr(self, field))
        if self.max_attempts is not None:
            _count(what, "max_attempts", self.max_attempts)
        delays = tuple(self.retry_delay)
        if any(not _number(d) or d < 0 or not math.isfinite(d) for d in delays):
            raise ActorDeclarationError(
                f"{what}: retry_delay must be seconds >= 0, got {list(delays)}"
            )
        _positive(what, "pinned_ttl", self.pinned_ttl)
        if self.overflow is not None:
            if not isinstance(self.overflow, int) or isinstance(self.overflow, bool):
                raise ActorDeclarationError(
                    f"{what}: overflow must be an int >= 0 (pending messages), got "
                    f"{self.overflow!r}"
                )
            if self.overflow < 0:
                raise ActorDeclarationError(f"{what}: overflow must be >= 0, got {self.overflow}")
            if self.pinned:
                raise ActorDeclarationError(
                    f"{what}: pinned and overflow are two priority policies of one consumer; "
                    "choose one"
                )
        middlewares = tuple(self.middlewares)
        for middleware in middlewares:
            if not isinstance(middleware, Middleware):
                raise ActorDeclarationError(
                    f"{what}: middlewares must be protonats Middleware instances, "
                    f"got {middleware!r}"
                )
        object.__setattr__(self, "retry_delay", delays)
        object.__setattr__(self, "middlewares", middlewares)
        object.__setattr__(self, "is_async", _is_async(self.handler))

    @property
    def consumer_name(self) -> str:
        """The durable consumer's name (the actor's name)."""
        return self.name

    def delay_after(self, attempt: int) -> float:
        """Seconds to wait before retrying after failed attempt ``attempt`` (1-based)."""
        delays = self.retry_delay
        if not delays:
            return 0.0
        return float(delays[min(attempt, len(delays)) - 1])


def _is_async(handler: Callable[..., Any]) -> bool:
    if inspect.iscoroutinefunction(handler):
        return True
    call = getattr(handler, "__call__", None)  # noqa: B004 - an object with an async __call__
    return call is not None and inspect.iscoroutinefunction(call)


def _number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _positive(what: str, field: str, value: object) -> None:
    if not _number(value) or not 0 < value < math.inf:  # type: ignore[operator]
        raise ActorDeclarationError(f"{what}: {field} must be positive seconds, got {value!r}")


def _count(what: str, field: str, value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise ActorDeclarationError(f"{what}: {field} must be an integer >= 1, got {value!r}")
