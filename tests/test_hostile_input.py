"""Smaller hostile inputs (issue #21, item 11), each a typed error or one ``protonats: error:``
line before anything is sent: ``init`` into a file, ``plan`` of an event whose subject another
stream owns, ``emit`` of a proto2 message missing a ``required`` field."""

from __future__ import annotations

from pathlib import Path

import pytest
from nats.js import JetStreamContext
from typer.testing import CliRunner

from protonats import Action, EncodeError, Event, Events, StreamExistsError
from protonats.cli._app import app

from .helpers import registered
from .test_one_schema import _message


def test_init_into_an_existing_file_is_one_error_line(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a directory")
    result = CliRunner().invoke(app, ["init", str(target), "--name", "acme-events"])
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("protonats: error: ")
    assert "exists and is not a directory" in result.stderr
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "proto").write_text("a file where a directory goes")
    result = CliRunner().invoke(app, ["init", str(tmp_path / "repo"), "--name", "acme-events"])
    assert result.exit_code == 1, result.stderr
    assert "is a file where protonats init needs a directory" in result.stderr
    assert "Traceback" not in result.stderr


async def test_plan_refuses_a_subject_another_stream_owns_as_register_does(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"owned-elsewhere-{unique}", bytes)
    await js.add_stream(name=f"squatter-{unique}", subjects=[event.subject_name])
    async with Events(event).connect(nats_url) as conn:
        [plan] = await conn.plan()
        assert plan.action is Action.REFUSED  # was: create, then register refused it
        assert isinstance(plan.error, StreamExistsError)
        assert f"squatter-{unique}" in str(plan.error)
        with pytest.raises(StreamExistsError, match=f"squatter-{unique}"):
            await conn.register()


async def test_a_proto2_message_missing_a_required_field_is_an_encode_error(
    nats_url: str, unique: str
) -> None:
    parcel = _message("proto2")
    event = Event(f"parcel-{unique}", parcel)
    async with registered(nats_url, event) as conn:
        with pytest.raises(EncodeError, match="parcel_id") as raised:
            await conn.emit(event, parcel())  # parcel_id is required and unset
        assert raised.value.event == event.name
        with pytest.raises(EncodeError, match=r"parcel_id"):
            await conn.emit_many(event, [parcel()])
        info = await conn.client.jetstream().stream_info(event.stream_name)
        assert info.state.messages == 0  # nothing was sent
