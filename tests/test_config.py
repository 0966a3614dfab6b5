"""The pure Event -> StreamConfig mapping and the register plan, without a server."""

from __future__ import annotations

import dataclasses

import pytest
from nats.js import api

from protonats import (
    Action,
    Discard,
    Event,
    FieldChange,
    JetStreamError,
    Limits,
    NewerRegistryError,
    Retention,
    Storage,
    StreamConfigError,
    StreamExistsError,
    StreamPlan,
    stream_config,
)
from protonats.cli._cmd_register import plan_table
from protonats.events._fingerprint import fingerprint
from protonats.jetstream._config import plan_stream

from .models import User

EVENT = Event(
    "user-registered",
    User,
    description="A user signed up.",
    limits=Limits(age=3600, messages=1000, bytes=2**20, message_size=4096, consumers=5),
)


def test_stream_config_maps_every_limit_with_units() -> None:
    config = stream_config(EVENT, version="1.2.0")
    assert config.name == "user-registered"
    assert config.subjects == ["user-registered"]
    assert config.description == "A user signed up."
    assert config.max_age == 3600.0
    assert config.max_msgs == 1000
    assert config.max_bytes == 2**20
    assert config.max_msg_size == 4096
    assert config.max_consumers == 5
    assert config.num_replicas == 1
    assert config.retention == api.RetentionPolicy.LIMITS
    assert config.storage == api.StorageType.FILE
    assert config.discard == api.DiscardPolicy.OLD
    assert config.metadata == {
        "protonats.event": "user-registered",
        "protonats.schema": "User",
        "protonats.fingerprint": fingerprint(EVENT),
        "protonats.version": "1.2.0",
    }
    # Server default duplicate window is 2 minutes; max age is in seconds here, ns on the wire.
    assert config.duplicate_window == 120.0
    assert config.as_dict()["max_age"] == 3600 * 10**9


def test_unset_limits_become_server_defaults() -> None:
    config = stream_config(Event("x", User))
    assert (config.max_msgs, config.max_bytes, config.max_msg_size) == (-1, -1, -1)
    assert config.max_age == 0
    assert config.max_consumers == -1
    assert "protonats.version" not in (config.metadata or {})


def test_duplicate_window_defaults_to_max_age_when_shorter() -> None:
    assert stream_config(Event("x", User, limits=Limits(age=30))).duplicate_window == 30.0
    assert stream_config(Event("x", User, limits=Limits(duplicate_window=5))).duplicate_window == 5


def test_policies_map_to_jetstream() -> None:
    event = Event(
        "x", User, storage=Storage.MEMORY, retention=Retention.WORK_QUEUE, discard=Discard.NEW
    )
    config = stream_config(event)
    assert config.storage == api.StorageType.MEMORY
    assert config.retention == api.RetentionPolicy.WORK_QUEUE
    assert config.discard == api.DiscardPolicy.NEW


def _server_view(config: api.StreamConfig, **changes: object) -> api.StreamConfig:
    """What the server reports back: our config plus its own metadata and defaults."""
    reported = dataclasses.replace(config, **changes)  # type: ignore[arg-type]
    reported.metadata = {**(reported.metadata or {}), "_nats.ver": "2.15.1"}
    return reported


def test_missing_stream_is_created() -> None:
    plan = plan_stream(EVENT, stream_config(EVENT), None)
    assert plan.action is Action.CREATE


def test_same_config_with_server_additions_is_unchanged() -> None:
    desired = stream_config(EVENT, version="1.0.0")
    assert plan_stream(EVENT, desired, _server_view(desired)).action is Action.UNCHANGED


def test_editable_change_is_an_update_listing_field_diffs() -> None:
    old = stream_config(EVENT.__class__("user-registered", User, limits=Limits(messages=10)))
    plan = plan_stream(EVENT, stream_config(EVENT), _server_view(old))
    assert plan.action is Action.UPDATE
    changed = {c.field: (c.old, c.new) for c in plan.changes}
    assert changed["max_msgs"] == (10, 1000)
    assert changed["max_age"] == (0, 3600 * 10**9)
    # The same change in Limits' words and units: what str() and the CLI show.
    by_name = {c.name: c for c in plan.changes}
    assert str(by_name["messages"]) == "messages: 10 → 1,000"
    assert by_name["age"].human() == "age: unlimited → 1 h"
    assert (by_name["age"].value(by_name["age"].old), by_name["age"].value(3600 * 10**9)) == (
        None,
        3600,
    )


def test_field_change_speaks_limits_units() -> None:
    assert str(FieldChange("max_msgs", -1, 10)) == "messages: unlimited → 10"
    assert str(FieldChange("max_bytes", 1 << 30, -1)) == "bytes: 1 GiB → unlimited"
    assert str(FieldChange("max_msg_size", -1, 4096)) == "message_size: unlimited → 4 KiB"
    assert str(FieldChange("duplicate_window", 120 * 10**9, 60 * 10**9)) == (
        "duplicate_window: 2 min → 1 min"
    )
    assert str(FieldChange("num_replicas", 1, 3)) == "replicas: 1 → 3"
    assert FieldChange("max_msgs", -1, 10).value(-1) is None
    meta = FieldChange("metadata", {"protonats.version": "1.0.0"}, {"protonats.version": "1.1"})
    assert str(meta) == "metadata: protonats.version: '1.0.0' → '1.1'"


@pytest.mark.parametrize(
    ("field", "server_value"),
    [("storage", api.StorageType.MEMORY), ("retention", api.RetentionPolicy.INTEREST)],
)
def test_storage_or_retention_change_is_refused(field: str, server_value: object) -> None:
    desired = stream_config(EVENT)
    plan = plan_stream(EVENT, desired, _server_view(desired, **{field: server_value}))
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, StreamConfigError)
    assert plan.error.field == field
    assert "cannot change" in str(plan.error)
    assert "user-registered" in str(plan.error)


def test_foreign_stream_is_refused() -> None:
    desired = stream_config(EVENT)
    foreign = dataclasses.replace(desired, metadata=None)
    plan = plan_stream(EVENT, desired, foreign)
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, StreamExistsError)
    assert "does not take over" in str(plan.error)


def test_stream_of_another_event_is_refused() -> None:
    desired = stream_config(EVENT)
    other = _server_view(desired)
    other.metadata = {"protonats.event": "something-else"}
    plan = plan_stream(EVENT, desired, other)
    assert isinstance(plan.error, StreamExistsError)
    assert "'something-else'" in str(plan.error)


def test_older_registry_does_not_revert_a_newer_one() -> None:
    newer = stream_config(EVENT.__class__("user-registered", User), version="2.0.0")
    desired = stream_config(EVENT, version="1.9.0")
    plan = plan_stream(EVENT, desired, _server_view(newer))
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, NewerRegistryError)
    assert "2.0.0" in str(plan.error)
    assert "1.9.0" in str(plan.error)
    assert "age: unlimited → 1 h; bytes: unlimited → 1 MiB; messages:" in str(plan.error)
    assert str(plan.error).endswith("or register with on_newer='skip'")
    assert plan.error.fix is not None
    assert plan.error.fix.cli.endswith("or run `protonats register --skip-newer`")
    skipped = plan_stream(EVENT, desired, _server_view(newer), on_newer="skip")
    assert skipped.action is Action.SKIPPED


def test_versions_compare_semantically_not_as_strings() -> None:
    old = stream_config(EVENT.__class__("user-registered", User), version="1.9.0")
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.10.0"), _server_view(old))
    assert plan.action is Action.UPDATE


def test_older_registry_with_same_config_is_a_no_op() -> None:
    newer = stream_config(EVENT, version="2.0.0")
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.0.0"), _server_view(newer))
    assert plan.action is Action.UNCHANGED


def test_actions_that_leave_the_stream_different() -> None:
    """``plan --check`` fails on these; ``register`` reports FAILED for what it could not do."""
    assert {a for a in Action if a.differs} == {
        Action.CREATE,
        Action.UPDATE,
        Action.REFUSED,
        Action.FAILED,
    }


def test_plan_table_shows_each_outcome_with_its_error() -> None:
    change = FieldChange("max_age", 0, 3600 * 1_000_000_000)
    rows = [
        StreamPlan("a", "a", Action.UPDATE, (change,)),
        StreamPlan("b", "b", Action.FAILED, (change,), JetStreamError("not applied", event="b")),
    ]
    table = plan_table(rows, "register")
    assert table.rows == [
        ["a", "update", "age: unlimited → 1 h"],
        ["b", "failed", "not applied [age: unlimited → 1 h]"],
    ]
    assert [r["action"] for r in table.records] == ["update", "failed"]
    assert table.records[1]["error"] == "not applied"
