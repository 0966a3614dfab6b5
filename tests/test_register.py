"""register() against a real JetStream server: create, no-op, update, refusals, races."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import nats
import pytest
from nats.js import JetStreamContext, api

from protonats import (
    Action,
    ConnectError,
    Event,
    Events,
    JetStreamError,
    JetStreamNotEnabledError,
    Limits,
    NewerRegistryError,
    Retention,
    Storage,
    StreamConfigError,
    StreamExistsError,
)

from .models import User

ROOT = Path(__file__).resolve().parents[1]


async def test_register_creates_then_is_a_no_op(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"created-{unique}", User, limits=Limits(messages=100, age=3600))
    events = Events(event, version="1.0.0")
    async with events.connect(nats_url) as conn:
        [plan] = await conn.register()
        assert plan.action is Action.CREATE
        before = await js.stream_info(event.stream_name)
        [again] = await conn.register()
        assert again.action is Action.UNCHANGED
        assert again.changes == ()
        assert [p.action for p in await conn.plan()] == [Action.UNCHANGED]
    after = await js.stream_info(event.stream_name)
    assert after.config.max_msgs == 100
    assert after.config.max_age == 3600
    assert after.config.metadata is not None
    assert after.config.metadata["protonats.event"] == event.name
    assert after.config.metadata["protonats.version"] == "1.0.0"
    assert after.created == before.created


async def test_register_updates_editable_fields(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"updated-{unique}"
    async with Events(Event(name, User, limits=Limits(messages=10))).connect(nats_url) as conn:
        await conn.register()
    bigger = Event(name, User, limits=Limits(messages=50, age=60), description="now described")
    async with Events(bigger).connect(nats_url) as conn:
        [plan] = await conn.plan()
        assert plan.action is Action.UPDATE
        assert {c.field for c in plan.changes} == {
            "max_msgs",
            "max_age",
            "duplicate_window",
            "description",
            "metadata",  # the declaration's fingerprint
        }
        [applied] = await conn.register()
        assert applied.action is Action.UPDATE
    info = await js.stream_info(name)
    assert (info.config.max_msgs, info.config.max_age) == (50, 60)
    assert info.config.description == "now described"


async def test_register_with_update_false_leaves_the_stream(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"frozen-{unique}"
    async with Events(Event(name, User, limits=Limits(messages=10))).connect(nats_url) as conn:
        await conn.register()
    async with Events(Event(name, User, limits=Limits(messages=99))).connect(nats_url) as conn:
        [plan] = await conn.register(update=False)
        assert plan.action is Action.SKIPPED
    assert (await js.stream_info(name)).config.max_msgs == 10


async def test_storage_change_is_refused_naming_field_and_values(
    nats_url: str, unique: str
) -> None:
    name = f"storage-{unique}"
    async with Events(Event(name, User)).connect(nats_url) as conn:
        await conn.register()
    moved = Event(name, User, storage=Storage.MEMORY)
    async with Events(moved).connect(nats_url) as conn:
        with pytest.raises(StreamConfigError) as info:
            await conn.register()
    err = info.value
    assert (err.field, err.old, err.new) == ("storage", "file", "memory")
    assert err.event == name
    assert err.stream == name
    assert "cannot change storage" in str(err)


async def test_retention_change_is_refused(nats_url: str, unique: str) -> None:
    name = f"retention-{unique}"
    async with Events(Event(name, User)).connect(nats_url) as conn:
        await conn.register()
    changed = Event(name, User, retention=Retention.INTEREST)
    async with Events(changed).connect(nats_url) as conn:
        with pytest.raises(StreamConfigError, match="retention 'limits'"):
            await conn.register()


async def test_foreign_stream_with_the_same_name_is_not_hijacked(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"foreign-{unique}"
    await js.add_stream(name=name, subjects=[name], max_msgs=7)
    async with Events(Event(name, User)).connect(nats_url) as conn:
        with pytest.raises(StreamExistsError, match="does not take over"):
            await conn.register()
    assert (await js.stream_info(name)).config.max_msgs == 7


async def test_foreign_stream_on_the_same_subject_is_not_hijacked(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"overlap-{unique}"
    await js.add_stream(name=f"other-{unique}", subjects=[name])
    async with Events(Event(name, User)).connect(nats_url) as conn:
        with pytest.raises(StreamExistsError) as info:
            await conn.register()
    assert f"other-{unique}" in str(info.value)
    assert info.value.err_code == 10065


async def test_older_registry_version_does_not_revert_a_newer_one(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"versioned-{unique}"
    async with Events(Event(name, User, limits=Limits(age=120)), version="2.0.0").connect(
        nats_url
    ) as conn:
        await conn.register()
    old = Events(Event(name, User, limits=Limits(age=60)), version="1.0.0")
    async with old.connect(nats_url) as conn:
        with pytest.raises(NewerRegistryError, match=r"2\.0\.0.*1\.0\.0"):
            await conn.register()
        with pytest.warns(UserWarning, match="newer than this one"):
            [plan] = await conn.register(on_newer="skip")
        assert plan.action is Action.SKIPPED
    assert (await js.stream_info(name)).config.max_age == 120


async def test_server_errors_keep_code_and_description(nats_url: str, unique: str) -> None:
    # A single server cannot hold 3 replicas: the server refuses, we keep its words.
    event = Event(f"replicas-{unique}", User, limits=Limits(replicas=3))
    async with Events(event).connect(nats_url) as conn:
        with pytest.raises(JetStreamError) as info:
            await conn.register()
    assert info.value.err_code is not None
    assert info.value.description
    assert event.name in str(info.value)


async def test_concurrent_register_from_several_processes(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"race-{unique}"
    script = (
        "import asyncio, sys\n"
        "from protonats import Event, Events, Limits\n"
        "from tests.models import User\n"
        "async def main():\n"
        "    events = Events(Event(sys.argv[2], User, limits=Limits(messages=5)))\n"
        "    async with events.connect(sys.argv[1]) as conn:\n"
        "        [plan] = await conn.register()\n"
        "        print(plan.action.value)\n"
        "asyncio.run(main())\n"
    )
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            script,
            nats_url,
            name,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        for _ in range(4)
    ]
    results = [await p.communicate() for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, results
    actions = sorted(out.decode().strip() for out, _ in results)
    assert set(actions) <= {"create", "unchanged"}
    assert "create" in actions
    assert (await js.stream_info(name)).config.max_msgs == 5


async def test_unreachable_server_is_a_connect_error(unique: str) -> None:
    from protonats.testing import free_port

    events = Events(Event(f"nowhere-{unique}", User))
    with pytest.raises(
        ConnectError, match=r"cannot connect to NATS at nats://user:\*\*\*@127\.0\.0\.1"
    ) as info:
        async with events.connect(f"nats://user:secret@127.0.0.1:{free_port()}"):
            pass
    assert "secret" not in str(info.value)


async def test_existing_client_is_used_and_left_open(nats_url: str, unique: str) -> None:
    nc = await nats.connect(nats_url)
    event = Event(f"borrowed-{unique}", User)
    async with Events(event).connect(nc) as conn:
        await conn.register()
    assert nc.is_connected
    info = await nc.jetstream().stream_info(event.stream_name)
    assert info.config.retention == api.RetentionPolicy.LIMITS
    await nc.close()


async def test_server_without_jetstream_gets_a_clear_error(unique: str) -> None:
    from protonats.testing import nats_server

    with (
        nats_server(jetstream=False) as url,
        pytest.raises(JetStreamNotEnabledError, match=r"JetStream is not enabled.*-js") as info,
    ):
        async with Events(Event(f"nojs-{unique}", User)).connect(url):
            pass  # refused at connect, before any register
    assert info.value.code == 503
