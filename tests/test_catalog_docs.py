"""The catalog carries the ``.proto`` comments (the generator's ``DOCS``, handed to
``Events(docs=)``) into the Markdown pages and the AsyncAPI document, and a regenerated catalog
has no pages of removed events."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protonats import Event, Events
from protonats.cli._app import app
from protonats.cli._catalog_docs import asyncapi_document, event_page
from protonats.cli._catalog_schemas import event_schemas
from protonats.v1.options_pb2 import EventOptions, Limits

from .models import User

GENERATED = Path(__file__).resolve().parent.parent / "gen" / "python"
DOCS = {
    "protonats.v1.EventOptions": "An event's option.",
    "protonats.v1.EventOptions.name": "The event's name, kebab-case.",
    "protonats.v1.EventOptions.limits": "How much the stream keeps.",
    "protonats.v1.Limits.max_bytes": "Bytes the stream keeps.",
    "protonats.v1.Storage": "Where the stream is stored.",
    "protonats.v1.Storage.STORAGE_MEMORY": "In memory.",
}


def test_pages_and_asyncapi_carry_the_proto_comments() -> None:
    event = Event("options-declared", EventOptions)
    events = Events(event, docs=DOCS)
    page = event_page(event, event_schemas(events, events.docs), events.docs)
    assert "| `name` | string | The event's name, kebab-case. |" in page
    assert "| `max_bytes` | int64 | Bytes the stream keeps. (JSON name maxBytes; optional) |" in (
        page
    )
    assert "| `STORAGE_MEMORY` | 2 | In memory. |" in page
    document = asyncapi_document(events)
    schemas = document["components"]["schemas"]
    assert schemas["protonats.v1.EventOptions"]["description"] == "An event's option."
    options = schemas["protonats.v1.EventOptions"]["properties"]
    assert options["name"]["description"] == "The event's name, kebab-case."
    assert options["limits"]["description"] == "How much the stream keeps."
    assert schemas["protonats.v1.Limits"]["properties"]["maxBytes"]["description"] == (
        "Bytes the stream keeps."
    )
    assert schemas["protonats.v1.Storage"]["description"] == "Where the stream is stored."
    # The shared schema of a well-known type is not changed by a field's description.
    assert (
        "description"
        not in event_schemas(Events(Event("x-y", Limits))).components["protonats.v1.Limits"][
            "properties"
        ]["maxAge"]
    )


def test_the_generated_registry_documents_its_fields(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not (GENERATED / "shop_events" / "__init__.py").exists():
        pytest.skip("the example shop registry is not generated (make generate)")
    monkeypatch.syspath_prepend(str(GENERATED))
    events = importlib.import_module("shop_events").EVENTS
    assert events.docs["shop.v1.UserRegistered.user_id"] == "Id of the new user."
    page_of = importlib.import_module("protonats.cli._catalog_docs").event_page
    page = page_of(events.get("user-registered"), event_schemas(events, events.docs), events.docs)
    assert "| `user_id` | string | Id of the new user. (JSON name userId) |" in page


def test_regenerating_removes_pages_of_removed_events(tmp_path: Path) -> None:
    import tests.test_catalog_docs as here

    here.BOTH = Events(Event("user-kept", User), Event("user-gone", User))  # type: ignore[attr-defined]
    here.ONE = Events(Event("user-kept", User))  # type: ignore[attr-defined]
    runner = CliRunner()
    out = str(tmp_path / "catalog")
    first = runner.invoke(app, ["catalog", "-o", out, "-r", "tests.test_catalog_docs:BOTH"])
    assert first.exit_code == 0, first.stderr
    assert (tmp_path / "catalog" / "events" / "user-gone.md").exists()
    again = runner.invoke(
        app, ["catalog", "-o", out, "-r", "tests.test_catalog_docs:ONE", "-f", "json"]
    )
    assert again.exit_code == 0, again.stderr
    assert not (tmp_path / "catalog" / "events" / "user-gone.md").exists()
    assert (tmp_path / "catalog" / "events" / "user-kept.md").exists()
    actions = {Path(r["path"]).name: r["action"] for r in json.loads(again.stdout)}
    assert actions["user-gone.md"] == "removed"
    assert actions["user-kept.md"] == "written"


def test_every_header_a_message_carries_is_documented_from_the_wire_contract() -> None:
    from protonats import _wire

    event = Event("user-later", User, allow_delay=True)
    document = asyncapi_document(Events(event))
    headers = document["components"]["messages"]["user-later"]["headers"]["properties"]
    page = event_page(event, event_schemas([event]))
    carried = [
        _wire.CONTENT_TYPE, _wire.SCHEMA, _wire.EXPECTED_STREAM, _wire.MSG_ID, _wire.TRACE_ID,
        _wire.TRACEPARENT, *_wire.CLOUDEVENTS, _wire.SCHEDULER, _wire.SCHEDULE_NEXT,
    ]  # fmt: skip
    for name in carried:
        assert name in headers, name
        assert f"`{name}" in page, name
    plain = Event("user-now", User)
    assert (
        _wire.SCHEDULER
        not in (
            asyncapi_document(Events(plain))["components"]["messages"]["user-now"]["headers"][
                "properties"
            ]
        )
    )
