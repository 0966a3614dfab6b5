"""Pure mapping of an ``Event`` to its JetStream ``StreamConfig``, and the plan to get there.

Nothing here talks to a server, so every rule of ``register`` is unit-tested without one.
"""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from nats.js import api
from packaging.version import InvalidVersion, Version

from .._errors import (
    NewerRegistryError,
    ProtonatsError,
    RegistryFingerprintError,
    StreamConfigError,
    StreamExistsError,
)
from ..events._event import Event
from ..events._fields import LIMITS, POLICIES
from ..events._fingerprint import fingerprint
from ..events._policies import Discard, Retention, Storage

__all__ = [
    "META_EVENT",
    "META_FINGERPRINT",
    "META_SCHEMA",
    "META_VERSION",
    "Action",
    "FieldChange",
    "StreamPlan",
    "describe_changes",
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
class FieldChange:
    """One stream config field that differs between the server and the declaration."""

    field: str
    old: Any
    new: Any

    def __str__(self) -> str:
        return f"{self.field}: {self.old!r} -> {self.new!r}"


@dataclasses.dataclass(frozen=True, slots=True)
class StreamPlan:
    """The outcome of comparing one event's declaration with its stream on the server."""

    event: str
    stream: str
    action: Action
    changes: tuple[FieldChange, ...] = ()
    error: ProtonatsError | None = None


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
        cap = getattr(limits, row.capped_by) if row.capped_by else None
        fields[row.jetstream] = row.to_jetstream(getattr(limits, row.keyword), cap)
    for policy in POLICIES:
        member = getattr(event, policy.keyword)
        fields[policy.jetstream] = _JETSTREAM_TYPES[policy.type](member.value)
    return api.StreamConfig(
        name=event.stream_name,
        description=event.description or None,
        subjects=[event.subject_name],
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
        out[row.jetstream] = row.comparable(getattr(config, row.jetstream))
    out["metadata"] = _own_metadata(config.metadata)
    return out


def plan_stream(
    event: Event[Any],
    desired: api.StreamConfig,
    actual: api.StreamConfig | None,
    *,
    on_newer: str = "raise",
) -> StreamPlan:
    """Decide what ``register`` does for ``event``, given the stream the server has (or None).

    Refuses a stream protonats did not create for this event, any change JetStream cannot
    make (storage, retention), reverting a stream registered by a newer registry version (or
    by any version, for an unversioned registry), and a declaration that differs from the
    stream's under the same registry version (its fingerprint).
    """
    stream = event.stream_name
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
        if change.field in _FROZEN_FIELDS:
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
        error = NewerRegistryError(
            f"event {event.name!r}: refusing to change stream {stream!r} ({listed}): {who}. "
            f"{fix}, or register with on_newer='skip'",
            event=event.name,
            stream=stream,
            field="metadata." + META_VERSION,
            old=server_version,
            new=our_version,
        )
        action = Action.SKIPPED if on_newer == "skip" else Action.REFUSED
        return StreamPlan(event.name, stream, action, changes, error)
    return StreamPlan(event.name, stream, Action.UPDATE, changes)


def describe_changes(changes: tuple[FieldChange, ...]) -> str:
    """The changes as ``field: old -> new``, metadata key by key (build stamps last)."""
    parts: list[str] = []
    stamps: list[str] = []
    for change in changes:
        if change.field != "metadata":
            parts.append(str(change))
            continue
        old, new = change.old or {}, change.new or {}
        for key in sorted(old.keys() | new.keys()):
            if old.get(key) != new.get(key):
                text = f"metadata {key}: {old.get(key)!r} -> {new.get(key)!r}"
                (stamps if key in _BUILD_STAMPS else parts).append(text)
    return "; ".join(parts + stamps)


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
