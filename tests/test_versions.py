"""Registry versions and declaration fingerprints on the stream: the plan, then a real server."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from nats.js import JetStreamContext, api

from protonats import (
    Action,
    Event,
    Events,
    Limits,
    NewerRegistryError,
    RegistryFingerprintError,
    StreamConfigError,
    stream_config,
)
from protonats.events._fingerprint import fingerprint
from protonats.jetstream._config import META_FINGERPRINT, plan_stream

from .models import Address, User

EVENT = Event("user-registered", User, limits=Limits(messages=1000))
CHANGED = Event("user-registered", User, limits=Limits(messages=10))
# Another schema under the same name: only the fingerprint tells them apart.
NEW_SCHEMA = Event("user-registered", Address, limits=Limits(messages=1000), schema_name="User")


def _on_server(event: Event[Any], version: str | None) -> api.StreamConfig:
    """The stream as the server reports it after ``event`` was registered at ``version``."""
    config = stream_config(event, version=version)
    config.metadata = {**(config.metadata or {}), "_nats.ver": "2.15.1"}
    return config


def test_the_fingerprint_is_stamped_next_to_the_version() -> None:
    metadata = stream_config(EVENT, version="1.4.2").metadata or {}
    assert metadata[META_FINGERPRINT] == fingerprint(EVENT)
    assert metadata["protonats.version"] == "1.4.2"
    assert stream_config(CHANGED).metadata != stream_config(EVENT).metadata


def test_same_version_other_declaration_is_refused_naming_both_fingerprints() -> None:
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.4.0"), _on_server(CHANGED, "1.4"))
    assert plan.action is Action.REFUSED
    error = plan.error
    assert isinstance(error, RegistryFingerprintError)
    assert isinstance(error, StreamConfigError)
    assert (error.old, error.new) == (fingerprint(CHANGED), fingerprint(EVENT))
    text = str(error)
    assert fingerprint(CHANGED) in text
    assert fingerprint(EVENT) in text
    assert "Regenerate" in text
    assert "bump" in text


def test_same_version_other_schema_only_is_refused_too() -> None:
    # Nothing but the schema differs: only the fingerprint can tell.
    plan = plan_stream(
        EVENT, stream_config(EVENT, version="2.0.0"), _on_server(NEW_SCHEMA, "2.0.0")
    )
    assert isinstance(plan.error, RegistryFingerprintError)


def test_same_version_same_declaration_is_unchanged() -> None:
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.4.0"), _on_server(EVENT, "1.4.0"))
    assert plan.action is Action.UNCHANGED


def test_a_stream_stamped_before_fingerprints_existed_is_updated() -> None:
    old = _on_server(CHANGED, "1.4.0")
    old.metadata = {k: v for k, v in (old.metadata or {}).items() if k != META_FINGERPRINT}
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.4.0"), old)
    assert plan.action is Action.UPDATE


def test_a_newer_version_with_another_declaration_updates() -> None:
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.5.0"), _on_server(CHANGED, "1.4.0"))
    assert plan.action is Action.UPDATE
    assert {c.field for c in plan.changes} == {"max_msgs", "metadata"}


def test_an_older_version_whose_schema_alone_differs_leaves_the_stream_alone() -> None:
    # A rolling deploy: the old service restarts after the new one registered a new schema.
    plan = plan_stream(EVENT, stream_config(EVENT, version="1.4.0"), _on_server(NEW_SCHEMA, "1.5"))
    assert plan.action is Action.UNCHANGED


def test_an_unversioned_registry_is_refused_listing_what_would_change() -> None:
    plan = plan_stream(EVENT, stream_config(EVENT), _on_server(CHANGED, "1.4.0"))
    assert plan.action is Action.REFUSED
    assert isinstance(plan.error, NewerRegistryError)
    text = str(plan.error)
    assert "messages: 10 → 1,000" in text  # Limits names and human units
    assert "no version" in text
    assert "1.4.0" in text


def test_a_metadata_only_difference_is_listed_not_an_empty_list() -> None:
    renamed = Event("user-registered", User, limits=Limits(messages=1000), schema_name="shop.User")
    plan = plan_stream(EVENT, stream_config(EVENT), _on_server(renamed, "1.4.0"))
    assert isinstance(plan.error, NewerRegistryError)
    assert "metadata protonats.schema: 'shop.User' → 'User'" in str(plan.error)
    assert "()" not in str(plan.error)


async def test_register_refuses_a_rebuilt_registry_with_an_unchanged_version(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"fingerprinted-{unique}"
    first = Event(name, User, limits=Limits(messages=1000))
    async with Events(first, version="1.4.0").connect(nats_url) as conn:
        await conn.register()
    info = await js.stream_info(name)
    assert (info.config.metadata or {})[META_FINGERPRINT] == fingerprint(first)

    rebuilt = dataclasses.replace(first, limits=Limits(messages=10))
    async with Events(rebuilt, version="1.4.0").connect(nats_url) as conn:
        with pytest.raises(RegistryFingerprintError) as caught:
            await conn.register()
    assert fingerprint(first) in str(caught.value)
    assert fingerprint(rebuilt) in str(caught.value)
    assert (await js.stream_info(name)).config.max_msgs == 1000  # nothing lowered

    async with Events(rebuilt, version="1.4.1").connect(nats_url) as conn:
        [plan] = await conn.register()
    assert plan.action is Action.UPDATE
    assert (await js.stream_info(name)).config.max_msgs == 10
