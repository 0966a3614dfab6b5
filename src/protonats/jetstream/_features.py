"""What the connected nats-server can do: every JetStream feature protonats uses that not
every server has, the version and API level that brought it, and the one question.

The boundary learns the server's version (its INFO) and JetStream API level (``$JS.API.INFO``,
``api.level``, nats-server 2.11+; ADR-44) when it connects; every feature (``allow_ttl``,
``allow_atomic``, ``allow_delay``, pinned and overflow actors, pause) asks ``refusal`` whether
the server has it, before anything is sent. Pure: no I/O.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from .._errors import ServerTooOldError
from ..events._event import Event
from ..events._fields import FLAGS

__all__ = [
    "ATOMIC_BATCH",
    "BY_FLAG",
    "CONSUMER_PAUSE",
    "FAST_INGEST",
    "FEATURES",
    "MESSAGE_SCHEDULES",
    "MESSAGE_TTL",
    "PRIORITY_GROUPS",
    "Feature",
    "ServerInfo",
    "event_support_error",
    "refusal",
    "supports",
    "version_text",
]


def version_text(version: tuple[int, int, int]) -> str:
    """``(2, 11, 0)`` -> ``2.11.0``."""
    return ".".join(map(str, version))


@dataclasses.dataclass(frozen=True, slots=True)
class Feature:
    """A JetStream feature: its name for people, the first nats-server release that has it
    and the JetStream API level that release reports (ADR-44: 1 is 2.11, 2 is 2.12)."""

    name: str
    since: tuple[int, int, int]
    api_level: int

    @property
    def needed(self) -> str:
        """``2.11.0``."""
        return version_text(self.since)


MESSAGE_TTL = Feature("per-message TTL", (2, 11, 0), 1)
"""Stream ``allow_msg_ttl`` and the ``Nats-TTL`` header (ADR-43)."""
CONSUMER_PAUSE = Feature("consumer pause", (2, 11, 0), 1)
"""Consumer ``pause_until`` and the pause/resume API."""
PRIORITY_GROUPS = Feature("consumer priority groups (pinned and overflow)", (2, 11, 0), 1)
"""Consumer ``priority_groups``/``priority_policy`` (ADR-42)."""
MESSAGE_SCHEDULES = Feature("message scheduling", (2, 12, 0), 2)
"""Stream ``allow_msg_schedules`` and ``Nats-Schedule`` (ADR-51): ``emit(delay=)``."""
ATOMIC_BATCH = Feature("atomic batch publish", (2, 12, 0), 2)
"""Stream ``allow_atomic`` and the ``Nats-Batch-*`` headers (ADR-50)."""
FAST_INGEST = Feature("fast-ingest batch publish", (2, 14, 0), 3)
"""Stream ``allow_batched`` and the ``$FI`` reply subjects (ADR-50, fast-ingest)."""

FEATURES: tuple[Feature, ...] = (
    MESSAGE_TTL,
    CONSUMER_PAUSE,
    PRIORITY_GROUPS,
    MESSAGE_SCHEDULES,
    ATOMIC_BATCH,
    FAST_INGEST,
)

BY_FLAG: Mapping[str, Feature] = {
    "allow_ttl": MESSAGE_TTL,
    "allow_atomic": ATOMIC_BATCH,
    "allow_delay": MESSAGE_SCHEDULES,
    "allow_batched": FAST_INGEST,
}
"""The feature each of an event's flags (``events/_fields.FLAGS``) needs of the server."""


@dataclasses.dataclass(frozen=True, slots=True)
class ServerInfo:
    """What the boundary knows of the connected server; ``None`` where it does not know."""

    version: tuple[int, int, int] | None = None
    """From the server's INFO: ``(2, 11, 4)``."""
    api_level: int | None = None
    """JetStream API level from ``$JS.API.INFO`` (absent before 2.11)."""

    @property
    def version_text(self) -> str:
        return version_text(self.version) if self.version is not None else "unknown"


def supports(server: ServerInfo, feature: Feature) -> bool:
    """Whether ``server`` has ``feature``: by its JetStream API level when it reports one,
    else by its version; a server that says neither is given the benefit of the doubt (the
    server itself then refuses what it cannot do)."""
    if server.api_level is not None:
        return server.api_level >= feature.api_level
    if server.version is not None:
        return server.version >= feature.since
    return True


def refusal(
    feature: Feature,
    server: ServerInfo,
    *,
    what: str,
    field: str,
    fix: str,
    event: str | None = None,
    stream: str | None = None,
) -> ServerTooOldError | None:
    """Why ``what`` (``event 'x': allow_ttl``) cannot be had on ``server``, or None when it
    can. ``fix`` says what to do instead of upgrading (``declare the event without it``)."""
    if supports(server, feature):
        return None
    have = server.version_text
    level = f", JetStream API level {server.api_level}" if server.api_level is not None else ""
    return ServerTooOldError(
        f"{what} needs {feature.name}, which nats-server {have}{level} does not have "
        f"(nats-server {feature.needed} or newer does); nothing was sent. Upgrade the "
        f"servers, or {fix}",
        feature=feature.name,
        needed=feature.needed,
        server_version=have,
        event=event,
        stream=stream,
        field=field,
        old=have,
        new=feature.needed,
    )


def event_support_error(event: Event[Any], server: ServerInfo) -> ServerTooOldError | None:
    """Why ``event``'s stream cannot be had on ``server``: the first flag it turns on
    (``allow_ttl``, ``limits.message_ttl``, ``allow_atomic``, ``allow_delay``) that the server
    lacks; None when it has them all. ``plan`` shows it as the event's refusal."""
    for flag in FLAGS:
        if not flag.on(event):
            continue
        field = flag.keyword if getattr(event, flag.keyword) else f"limits.{flag.implied_by}"
        found = refusal(
            BY_FLAG[flag.keyword],
            server,
            what=f"event {event.name!r}: {field}",
            field=field,
            fix=f"declare the event without {field}",
            event=event.name,
            stream=event.stream_name,
        )
        if found is not None:
            return found
    return None
