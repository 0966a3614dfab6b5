"""Pure mapping of an ``Event`` to its JetStream ``StreamConfig``, and the plan to get there.

Nothing here talks to a server, so every rule of ``register`` is unit-tested without one.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from packaging.version import InvalidVersion, Version

from .._errors import (
    Fix,
    NewerRegistryError,
    ProtonatsError,
    RegistryFingerprintError,
    StreamConfigError,
    StreamExistsError,
)
from ..events._event import Event
from ..events._fields import BY_KEYWORD, FLAGS, LIMITS, POLICIES
from ..events._fingerprint import fingerprint
from ..events._policies import Discard, Retention, Storage
from ._changes import FieldChange
from ._delay import delayed_subjects
from ._features import ServerInfo, event_support_error
from ._loss import DataLoss, Stored, data_loss_error, losses
from ._nats import api

__all__ = [
    "META_EVENT",
    "META_FINGERPRINT",
    "META_SCHEMA",
    "META_VERSION",
    "Action",
    "FieldChange",
    "Stored",
    "StreamPlan",
    "describe_changes",
    "payload_error",
    "plan_stream",
    "stream_config",
]

META_EVENT = "protonats.event"
META_SCHEMA = "protonats.schema"
META_VERSION = "protonats.version"
META_FINGERPRINT = "protonats.fingerprint"
# Stamps of the registry build, not of the stream's config: an older registry with nothing
# else to change leaves them alone.
_BUILD_STAMPS = (META_VERSION, META_FINGERPRINT)
_META_PREFIX = "protonats."
# Fields JetStream cannot change on an existing stream.
_FROZEN_FIELDS = frozenset(p.jetstream for p in POLICIES if p.frozen)
# Features JetStream cannot turn off once on (per-message TTL, message schedules).
_STICKY = frozenset(flag.jetstream for flag in FLAGS if flag.sticky)
# nats-py's type of each policy.
_JETSTREAM_TYPES: Mapping[type[enum.StrEnum], Any] = {
    Storage: api.StorageType,
    Retention: api.RetentionPolicy,
    Discard: api.DiscardPolicy,
}


class Action(enum.StrEnum):
    """What ``register`` does (or would do) to one event's stream."""

    CREATE = "create"
    """The stream is missing: create it."""
    UPDATE = "update"
    """The stream differs in what JetStream can change: update it (``changes`` say what)."""
    UNCHANGED = "unchanged"
    """The stream matches the declaration."""
    REFUSED = "refused"
    """protonats will not touch the stream; ``error`` says why and what to do."""
    SKIPPED = "skipped"
    """Left alone on request (``create=False``, ``update=False``, ``on_newer="skip"``)."""
    FAILED = "failed"
    """``register`` tried to create or update it and did not; ``error`` says why."""

    @property
    def differs(self) -> bool:
        """Whether the stream does not match the declaration after this outcome (what
        ``protonats plan --check`` fails on): create, update, refused or failed."""
        return self in _DIFFERS


_DIFFERS = frozenset({Action.CREATE, Action.UPDATE, Action.REFUSED, Action.FAILED})


@dataclasses.dataclass(frozen=True, slots=True)
class StreamPlan:
    """The outcome of comparing one event's declaration with its stream on the server."""

    event: str
    stream: str
    action: Action
    changes: tuple[FieldChange, ...] = ()
    error: ProtonatsError | None = None
    loss: tuple[DataLoss, ...] = ()
    """What the lowered limits would delete of the stored messages: refused (a
    ``DataLossError``) unless ``allow_data_loss``, then an update that deletes them."""


def stream_config(event: Event[Any], *, version: str | None = None) -> api.StreamConfig:
    """The ``StreamConfig`` that stores ``event``, with server defaults spelled out.

    Unset limits become the server's own defaults (-1, 0, 1 replica, 2 min duplicate window
    capped by the max age), so the result compares equal to what the server reports back.
    """
    limits = event.limits
    metadata = {
        META_EVENT: event.name,
        META_SCHEMA: event.schema_name,
        META_FINGERPRINT: fingerprint(event),
    }
    if version is not None:
        metadata[META_VERSION] = version
    fields: dict[str, Any] = {}
    for row in LIMITS:
        if row.jetstream is not None:
            cap = getattr(limits, row.capped_by) if row.capped_by else None
            fields[row.jetstream] = row.to_jetstream(getattr(limits, row.keyword), cap)
    for flag in FLAGS:
        fields[flag.jetstream] = True if flag.on(event) else None
    for policy in POLICIES:
        member = getattr(event, policy.keyword)
        fields[policy.jetstream] = _JETSTREAM_TYPES[policy.type](member.value)
    return api.StreamConfig(
        name=event.stream_name,
        description=event.description or None,
        subjects=[event.subject_name, *delayed_subjects(event)],
        metadata=metadata,
        **fields,
    )


def comparable(config: api.StreamConfig) -> dict[str, Any]:
    """The fields protonats manages, normalised so equal configs compare equal."""
    out: dict[str, Any] = {
        "description": config.description or None,
        "subjects": sorted(config.subjects or ()),
    }
    for policy in POLICIES:
        out[policy.jetstream] = _value(getattr(config, policy.jetstream)) or policy.default.value
    for row in LIMITS:
        if row.jetstream is not None:
            out[row.jetstream] = row.comparable(getattr(config, row.jetstream))
    for flag in FLAGS:
        out[flag.jetstream] = bool(getattr(config, flag.jetstream))
    out["metadata"] = _own_metadata(config.metadata)
    return out


def payload_error(event: Event[Any], max_payload: int | None) -> StreamConfigError | None:
    """Why ``event`` cannot be registered on a server whose ``max_payload`` is given, if its
    ``message_size`` is larger: the server refuses every message above ``max_payload``, so
    the declared limit would promise sizes that no emit can store.

    ``register`` refuses rather than clamps: a clamped stream would differ from its
    declaration (a change in every plan), and ``emit`` would still accept messages the
    server refuses.
    """
    size = event.limits.message_size
    if max_payload is None or max_payload <= 0 or size is None or size <= max_payload:
        return None
    row = BY_KEYWORD["message_size"]
    return StreamConfigError(
        f"event {event.name!r}: {row.label} {row.text(size)} ({size} bytes) is above the "
        f"server's max_payload {row.text(max_payload)} ({max_payload} bytes), so the server "
        "would refuse every message larger than that. Lower max_message_size to at most "
        f"{max_payload}, or raise max_payload in the server's configuration",
        event=event.name,
        stream=event.stream_name,
        field=row.keyword,
        old=max_payload,
        new=size,
    )


def plan_stream(
    event: Event[Any],
    desired: api.StreamConfig,
    actual: api.StreamConfig | None,
    *,
    on_newer: str = "raise",
    max_payload: int | None = None,
    server: ServerInfo | None = None,
    stored: Stored | None = None,
    allow_data_loss: bool = False,
) -> StreamPlan:
    """Decide what ``register`` does for ``event``, given the stream the server has (or None).

    Refuses a stream protonats did not create for this event, any change JetStream cannot
    make (storage, retention, turning message schedules off), reverting a stream registered by
    a newer registry version (or by any version, for an unversioned registry), a declaration
    that differs from the stream's under the same registry version (its fingerprint), a
    ``message_size`` above the server's ``max_payload`` and ``allow_delay`` on a server
    without message scheduling (when they are given), and a lowered limit that would delete
    ``stored`` messages (a ``DataLossError``) unless ``allow_data_loss``.
    """
    stream = event.stream_name
    refusal = payload_error(event, max_payload) or event_support_error(
        event, server or ServerInfo()
    )
    if refusal is not None:
        return StreamPlan(event.name, stream, Action.REFUSED, error=refusal)
    if actual is None:
        return StreamPlan(event.name, stream, Action.CREATE)
    owner = (actual.metadata or {}).get(META_EVENT)
    if owner != event.name:
        who = f"protonats event {owner!r}" if owner else "something other than protonats"
        return StreamPlan(
            event.name,
            stream,
            Action.REFUSED,
            error=StreamExistsError(
                f"event {event.name!r}: stream {stream!r} already exists and was created by "
                f"{who}; protonats does not take over streams it does not own. Delete or "
                "rename that stream, or give the event another name",
                event=event.name,
                stream=stream,
            ),
        )
    old, new = comparable(actual), comparable(desired)
    changes = tuple(FieldChange(k, old[k], new[k]) for k in new if old[k] != new[k])
    if not changes:
        return StreamPlan(event.name, stream, Action.UNCHANGED)
    for change in changes:
        if change.field in _FROZEN_FIELDS or (change.field in _STICKY and change.old):
            return StreamPlan(
                event.name,
                stream,
                Action.REFUSED,
                changes,
                StreamConfigError(
                    f"event {event.name!r}: stream {stream!r} has {change.field} "
                    f"{change.old!r}, the declaration says {change.new!r}; JetStream cannot "
                    f"change {change.field} of an existing stream. Keep {change.old!r}, or "
                    "declare a new event and migrate consumers to it",
                    event=event.name,
                    stream=stream,
                    field=change.field,
                    old=change.old,
                    new=change.new,
                ),
            )
    server_version = old["metadata"].get(META_VERSION)
    our_version = new["metadata"].get(META_VERSION)
    server_print = old["metadata"].get(META_FINGERPRINT)
    our_print = new["metadata"].get(META_FINGERPRINT)
    if _same_version(server_version, our_version) and server_print and server_print != our_print:
        error: StreamConfigError = RegistryFingerprintError(
            f"event {event.name!r}: stream {stream!r} was registered by registry version "
            f"{server_version} with declaration fingerprint {server_print}, but this registry, "
            f"also version {our_version}, declares {our_print}: two different registries "
            "carry the same version. Regenerate the registry (make generate derives a new "
            "version from git) or bump its version, then register again",
            event=event.name,
            stream=stream,
            field="metadata." + META_FINGERPRINT,
            old=server_print,
            new=our_print,
        )
        return StreamPlan(event.name, stream, Action.REFUSED, changes, error)
    if _is_newer(server_version, our_version):
        if _only_build_stamps(old, new):
            return StreamPlan(event.name, stream, Action.UNCHANGED)
        if our_version is None:
            who = f"this registry has no version, and the stream was registered by {server_version}"
            fix = "Register from a versioned registry (a generated package, or Events(version=))"
        else:
            who = (
                f"it was registered by registry version {server_version}, newer than this one "
                f"({our_version})"
            )
            fix = "Deploy the newer version"
        listed = describe_changes(changes)
        error = NewerRegistryError.with_fix(
            f"event {event.name!r}: refusing to change stream {stream!r} ({listed}): {who}",
            Fix(
                f"{fix}, or register with on_newer='skip'",
                f"{fix}, or run `protonats register --skip-newer`",
            ),
            event=event.name,
            stream=stream,
            field="metadata." + META_VERSION,
            old=server_version,
            new=our_version,
        )
        action = Action.SKIPPED if on_newer == "skip" else Action.REFUSED
        return StreamPlan(event.name, stream, action, changes, error)
    loss = tuple(losses(changes, new["discard"], stored))
    if loss and not allow_data_loss:
        held = stored.messages if stored else 0
        error = data_loss_error(event.name, stream, loss, held)
        return StreamPlan(event.name, stream, Action.REFUSED, changes, error, loss)
    return StreamPlan(event.name, stream, Action.UPDATE, changes, loss=loss)


def describe_changes(changes: tuple[FieldChange, ...]) -> str:
    """The changes as ``field: old -> new``, metadata key by key; the registry's version and
    fingerprint only when nothing else changes (the messages name them already)."""
    parts: list[str] = []
    stamps: list[str] = []
    for change in changes:
        if change.field != "metadata":
            parts.append(str(change))
            continue
        old, new = change.old or {}, change.new or {}
        for key in sorted(old.keys() | new.keys()):
            if old.get(key) != new.get(key):
                text = f"metadata {key}: {old.get(key)!r} → {new.get(key)!r}"
                (stamps if key in _BUILD_STAMPS else parts).append(text)
    return "; ".join(parts or stamps)


def _is_newer(server: str | None, ours: str | None) -> bool:
    """Whether the server's registry version is newer than ours (unversioned is oldest)."""
    if server is None:
        return False
    if ours is None:
        return True
    try:
        return Version(server) > Version(ours)
    except InvalidVersion:
        return False


def _same_version(server: str | None, ours: str | None) -> bool:
    if server is None or ours is None:
        return False
    try:
        return Version(server) == Version(ours)
    except InvalidVersion:
        return server == ours


def _only_build_stamps(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether the configs differ in nothing but the registry's version and fingerprint."""

    def strip(config: dict[str, Any]) -> dict[str, Any]:
        meta = {k: v for k, v in config["metadata"].items() if k not in _BUILD_STAMPS}
        return {**config, "metadata": meta}

    return strip(old) == strip(new)


def _own_metadata(metadata: Mapping[str, str] | None) -> dict[str, str]:
    return {k: v for k, v in (metadata or {}).items() if k.startswith(_META_PREFIX)}


def _value(enum_value: Any) -> str | None:
    value = getattr(enum_value, "value", enum_value)
    return None if value is None else str(value)
