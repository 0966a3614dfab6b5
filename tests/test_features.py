"""Server-version awareness: one answer to "does the server have feature X", learned at
connect, and the refusals it gives before anything is sent (against a real nats-server 2.10)."""

from __future__ import annotations

import pytest

from protonats import (
    Action,
    Event,
    Events,
    Limits,
    ServerTooOldError,
    StreamConfigError,
    stream_config,
)
from protonats.jetstream._features import (
    ATOMIC_BATCH,
    FEATURES,
    MESSAGE_TTL,
    ServerInfo,
    event_support_error,
    refusal,
    supports,
)

from .models import User


def test_supports_by_api_level_then_version_then_benefit_of_the_doubt() -> None:
    assert supports(ServerInfo((2, 11, 0), 1), MESSAGE_TTL)
    assert not supports(ServerInfo((2, 11, 0), 1), ATOMIC_BATCH)
    assert supports(ServerInfo((2, 12, 1), 2), ATOMIC_BATCH)
    assert not supports(ServerInfo((2, 10, 26)), MESSAGE_TTL)
    assert supports(ServerInfo((2, 11, 3)), MESSAGE_TTL)
    assert supports(ServerInfo(None, 1), MESSAGE_TTL)
    assert supports(ServerInfo(), ATOMIC_BATCH)  # unknown: the server decides
    for feature in FEATURES:
        assert feature.api_level == {(2, 11): 1, (2, 12): 2, (2, 14): 3}[feature.since[:2]]


def test_the_refusal_names_the_feature_the_version_needed_and_the_servers() -> None:
    error = refusal(
        MESSAGE_TTL,
        ServerInfo((2, 10, 26)),
        what="event 'x': allow_ttl",
        field="allow_ttl",
        fix="no",
    )
    assert isinstance(error, ServerTooOldError)
    assert isinstance(error, StreamConfigError)
    assert (error.feature, error.needed, error.server_version) == (
        "per-message TTL",
        "2.11.0",
        "2.10.26",
    )
    assert "event 'x': allow_ttl needs per-message TTL, which nats-server 2.10.26" in str(error)
    assert "(nats-server 2.11.0 or newer does)" in str(error)


def test_each_flag_and_the_limit_that_implies_one_is_checked() -> None:
    old = ServerInfo((2, 10, 26))
    cases = {
        "allow_ttl": Event("a", User, allow_ttl=True),
        "limits.message_ttl": Event("a", User, limits=Limits(message_ttl=5)),
        "allow_atomic": Event("a", User, allow_atomic=True),
        "allow_delay": Event("a", User, allow_delay=True),
    }
    for field, event in cases.items():
        error = event_support_error(event, old)
        assert error is not None, field
        assert error.field == field
        assert event_support_error(event, ServerInfo((2, 15, 1), 4)) is None
    assert event_support_error(Event("a", User), old) is None


async def test_the_connection_learns_version_and_api_level(nats_url: str) -> None:
    async with Events(Event("x-learned", User)).connect(nats_url) as conn:
        server = conn._link.server
        assert server.version is not None
        assert server.version >= (2, 12, 0)
        assert server.api_level is not None
        assert server.api_level >= 2


async def test_plan_on_an_old_server_refuses_what_it_lacks(old_nats_url: str) -> None:
    plain = Event("x-plain", User)
    ttl = Event("x-ttl", User, limits=Limits(message_ttl=60))
    atomic = Event("x-atomic", User, allow_atomic=True)
    async with Events(plain, ttl, atomic).connect(old_nats_url) as conn:
        server = conn._link.server
        assert (server.version, server.api_level) == ((2, 10, 26), None)
        plans = {p.event: p for p in await conn.plan()}
        assert plans["x-plain"].action is Action.CREATE
        for name, feature, needed in [
            ("x-ttl", "per-message TTL", "2.11.0"),
            ("x-atomic", "atomic batch publish", "2.12.0"),
        ]:
            plan = plans[name]
            assert plan.action is Action.REFUSED
            assert isinstance(plan.error, ServerTooOldError)
            assert (plan.error.feature, plan.error.needed) == (feature, needed)
            assert plan.error.server_version == "2.10.26"
        with pytest.raises(ServerTooOldError, match=r"nats-server 2\.10\.26"):
            await conn.emit(ttl, User(id="1", name="Ada"), ttl=5)
        with pytest.raises(ServerTooOldError, match=r"atomic batch publish.*2\.12\.0"):
            await conn.emit_many(atomic, [User(id="1", name="Ada")], atomic=True)


OLD_REGISTRY = Events(Event("x-cli-ttl", User, allow_ttl=True))
"""For ``protonats plan -r tests.test_features:OLD_REGISTRY`` against nats-server 2.10."""


def test_the_plan_command_shows_the_refusal_on_an_old_server(old_nats_url: str) -> None:
    from typer.testing import CliRunner

    from protonats.cli._app import app

    result = CliRunner().invoke(
        app,
        ["plan", "--check", "-r", "tests.test_features:OLD_REGISTRY", "-f", "tsv"],
        env={"NATS_URL": old_nats_url},
    )
    assert result.exit_code == 3, result.stderr
    assert "refused" in result.stdout
    assert "per-message TTL" in result.stdout
    assert "nats-server 2.10.26" in result.stdout


async def test_actors_plan_on_an_old_server_refuses_pinned_and_overflow(old_nats_url: str) -> None:
    from protonats import Actor, Actors

    event = Event("x-old-actors", User)
    async with Events(event).connect(old_nats_url) as conn:
        # the ledger needs per-message TTL (2.11+): create the stream alone
        await conn._link.add_stream(event, stream_config(event))

    async def handle(user: User) -> None:
        pass

    actors = Actors(
        Actor("pinned", event, handle, pinned=True),
        Actor("overflow", event, handle, overflow=5),
        Actor("plain", event, handle),
    )
    async with actors.connect(old_nats_url) as connected:
        plans = {getattr(p, "actor", None): p for p in await connected.plan()}
        for name in ("pinned", "overflow"):
            assert plans[name].action is Action.REFUSED
            assert isinstance(plans[name].error, ServerTooOldError)
        assert plans["plain"].action is Action.CREATE
