"""The table of limits and policies agrees with everything it describes: the ``Limits``
attributes, the option's messages, JetStream's ``StreamConfig`` and the breaking rules."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from nats.js import api
from protonats_bufplugin._catalog import BREAKING, RULES

from protonats import Discard, Event, Limits, Retention, Storage, stream_config
from protonats.events._fields import (
    DEFAULT_DUPLICATE_WINDOW,
    EXTENSION_NAME,
    EXTENSION_NUMBER,
    FLAGS,
    LIMITS,
    NS,
    POLICIES,
    LimitField,
    PolicyField,
    Unit,
)
from protonats.jetstream._config import comparable
from protonats.jetstream._ledger import LedgerLimits, entry_for, ledger_key
from protonats.v1 import options_pb2


def test_every_limits_attribute_has_one_row_and_every_row_an_attribute() -> None:
    assert {f.name for f in dataclasses.fields(Limits)} == {row.keyword for row in LIMITS}
    assert len({row.keyword for row in LIMITS}) == len(LIMITS)


def test_rows_follow_the_option_fields_in_order() -> None:
    proto_fields = options_pb2.Limits.DESCRIPTOR.fields
    assert [row.proto for row in LIMITS] == [f.name for f in proto_fields]
    assert [row.number for row in LIMITS] == [f.number for f in proto_fields]
    durations = {f.name for f in proto_fields if f.message_type is not None}
    assert {row.proto for row in LIMITS if row.unit is Unit.SECONDS} == durations


def test_jetstream_fields_exist() -> None:
    fields = {f.name for f in dataclasses.fields(api.StreamConfig)}
    limits = {row.jetstream for row in LIMITS if row.jetstream is not None}
    assert limits | {p.jetstream for p in POLICIES} | {f.jetstream for f in FLAGS} <= fields
    # a limit without a stream field is one emit applies per message (a header)
    assert [row.keyword for row in LIMITS if row.jetstream is None] == ["message_ttl"]


def test_flag_rows_cover_the_option_and_the_event() -> None:
    bools = [f.name for f in options_pb2.EventOptions.DESCRIPTOR.fields if f.type == f.TYPE_BOOL]
    assert [flag.keyword for flag in FLAGS] == bools
    for flag in FLAGS:
        assert Event.__dataclass_fields__[flag.keyword].default is False
        assert getattr(stream_config(Event("e", bytes)), flag.jetstream) is None
        on: dict[str, Any] = {flag.keyword: True}
        assert getattr(stream_config(Event("e", bytes, **on)), flag.jetstream)
        assert flag.implied_by is None or flag.implied_by in Limits.__dataclass_fields__
    by_ttl = stream_config(Event("e", bytes, limits=Limits(message_ttl=5)))
    assert by_ttl.allow_msg_ttl is True


def test_rules_exist_and_only_limits_that_lose_data_have_one() -> None:
    guarded = {row.rule for row in LIMITS if row.rule} | {p.rule for p in POLICIES if p.rule}
    guarded |= {flag.rule for flag in FLAGS if flag.rule}
    breaking = {rule for rule, kind, _ in RULES if kind == BREAKING}
    assert guarded <= breaking
    assert {r for r in breaking if r.endswith(("_LOWERED", "_WINDOW_CHANGED", "_REMOVED"))} - {
        "EVENT_REMOVED",
        "EVENT_OPTION_REMOVED",
    } <= guarded
    assert [row.keyword for row in LIMITS if row.rule is None] == ["consumers", "message_ttl"]
    lint = {rule for rule, kind, _ in RULES if kind != BREAKING}
    assert {row.cap_rule for row in LIMITS if row.capped_by} <= lint


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.keyword)
def test_policy_enum_values_map_both_ways(policy: PolicyField) -> None:
    assert (
        policy.number == options_pb2.EventOptions.DESCRIPTOR.fields_by_name[policy.keyword].number
    )
    assert policy.from_proto(0) is policy.default
    for member in policy.type:
        assert policy.from_proto(policy.to_proto(member)) is member
    numbers = [v.number for v in policy.proto_enum.values if v.number]
    assert sorted(policy.to_proto(m) for m in policy.type) == numbers
    assert policy.from_proto(99) is None
    assert Event.__dataclass_fields__[policy.keyword].default is policy.default


def test_policy_rows_cover_the_option() -> None:
    enums = {f.name for f in options_pb2.EventOptions.DESCRIPTOR.fields if f.enum_type is not None}
    assert {p.keyword for p in POLICIES} == enums
    assert {p.type for p in POLICIES} == {Storage, Retention, Discard}


def test_extension_identity_comes_from_the_option() -> None:
    assert (EXTENSION_NAME, EXTENSION_NUMBER) == ("protonats.v1.event", 50701)


def test_unset_limits_become_jetstream_defaults() -> None:
    config = stream_config(Event("e", bytes))
    assert config.max_age == 0.0
    assert config.duplicate_window == float(DEFAULT_DUPLICATE_WINDOW)
    assert (config.max_msgs, config.max_bytes, config.max_msg_size) == (-1, -1, -1)
    assert (config.max_consumers, config.num_replicas) == (-1, 1)
    capped = stream_config(Event("e", bytes, limits=Limits(age=30)))
    assert capped.duplicate_window == 30.0


@pytest.mark.parametrize("row", LIMITS, ids=lambda r: r.keyword)
def test_each_limit_reaches_its_jetstream_field(row: LimitField) -> None:
    value = 2 if row.unit is not Unit.SECONDS else 60
    limits = Limits(**{row.keyword: value})
    config = stream_config(Event("e", bytes, limits=limits))
    if row.jetstream is None:  # applied per message by emit; the stream allows it
        assert config.allow_msg_ttl is True
        return
    assert getattr(config, row.jetstream) == value
    assert comparable(config)[row.jetstream] == value * row.scale


def test_server_reports_of_no_limit_compare_as_unset() -> None:
    """The server reports "no limit" as 0 or -1, and older servers omit fields."""
    declared = comparable(stream_config(Event("e", bytes)))
    reported = api.StreamConfig(
        name="e",
        subjects=["e"],
        max_msgs=0,
        max_bytes=None,
        max_msg_size=-1,
        max_consumers=0,
        num_replicas=None,
        max_age=None,
        duplicate_window=DEFAULT_DUPLICATE_WINDOW,
        metadata=stream_config(Event("e", bytes)).metadata,
    )
    assert comparable(reported) == declared
    assert declared["duplicate_window"] == DEFAULT_DUPLICATE_WINDOW * NS


def test_row_texts() -> None:
    by = {row.keyword: row for row in LIMITS}
    assert by["age"].int_text(90 * 60 * NS) == "1 h 30 min"
    assert by["bytes"].int_text(1024) == "1 KiB"
    assert by["messages"].text(10_000) == "10,000"
    assert by["bytes"].text(None) == "unlimited"


def test_the_ledger_document_has_one_key_per_limit() -> None:
    keys = [ledger_key(row) for row in LIMITS]
    assert [f.name for f in dataclasses.fields(LedgerLimits)] == keys
    entry = entry_for(Event("e", bytes, limits=Limits(age=60, replicas=3)), "1.0.0")
    assert (entry.limits.max_age_s, entry.limits.replicas) == (60, 3)
