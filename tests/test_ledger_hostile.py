"""Hostile or corrupted ledger entries: every read checks the document (its key, its fields, a
bounded ``$ref`` resolution, the descriptor set) and says what is wrong as a ``LedgerError``
naming the event and the revision; ``register`` rewrites a bad entry, saying so; the history
leaves a bad old revision out and names it."""

from __future__ import annotations

import base64
import json
import logging
from typing import Any

import nats
import pytest

from protonats import Event, Events, LedgerError
from protonats.jetstream._ledger_kv import LOCK_KEY
from protonats.testing import nats_server

from .ledger_models import user_v1
from .models import User

BUCKET = "protonats-registry"


async def put_raw(url: str, key: str, change: Any) -> None:
    """Rewrite the current document of ``key`` with ``change(document)`` (a hand edit)."""
    nc = await nats.connect(url)
    try:
        kv = await nc.jetstream().key_value(BUCKET)
        document = json.loads((await kv.get(key)).value or b"")
        await kv.put(key, json.dumps(change(document)).encode())
    finally:
        await nc.close()


def _loop(document: dict[str, Any]) -> dict[str, Any]:
    document["schema"]["json_schema"] = {
        "$ref": "#/$defs/A",
        "$defs": {"A": {"$ref": "#/$defs/B"}, "B": {"anyOf": [{"$ref": "#/$defs/A"}]}},
    }
    return document


def _defs_list(document: dict[str, Any]) -> dict[str, Any]:
    document["schema"]["json_schema"]["$defs"] = [1, 2]
    return document


def _required_number(document: dict[str, Any]) -> dict[str, Any]:
    document["schema"]["json_schema"]["required"] = 5
    return document


def _properties_list(document: dict[str, Any]) -> dict[str, Any]:
    document["schema"]["json_schema"]["properties"] = ["id"]
    return document


def _not_base64(document: dict[str, Any]) -> dict[str, Any]:
    document["schema"]["descriptor_set"] = "not base64!"
    return document


def _not_descriptors(document: dict[str, Any]) -> dict[str, Any]:
    document["schema"]["descriptor_set"] = base64.b64encode(b"\xff\xff\xff junk").decode()
    return document


def _forged(document: dict[str, Any]) -> dict[str, Any]:
    document["event"] = "someone-else"
    return document


CORRUPTIONS = [
    ("ref-loop", _loop, "loop without a schema"),
    ("defs-list", _defs_list, "$defs as list"),
    ("required-5", _required_number, "required as 5"),
    ("properties-list", _properties_list, "properties as list"),
    ("forged", _forged, "names event 'someone-else', not its key"),
]
PROTOBUF_CORRUPTIONS = [
    ("not-base64", _not_base64, "not base64"),
    ("not-descriptors", _not_descriptors, "not a FileDescriptorSet"),
]


async def _check_bad_then_repaired(
    url: str, event: Event[Any], change: Any, why: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with Events(event, version="1.0.0").connect(url) as conn:
        await conn.register()
        good = await conn.ledger_history(event.name)
        await put_raw(url, event.name, change)  # same fingerprint and version: looks unchanged
        with pytest.raises(LedgerError, match=f"event {event.name!r}") as raised:
            await conn.ledger_history(event.name)
        bad = raised.value.revision
        assert bad is not None
        assert bad > good[-1].revision
        assert why in str(raised.value.invalid), raised.value.invalid
        with caplog.at_level(logging.WARNING, logger="protonats"):
            listed = [entry.event for entry in await conn.ledger_entries()]
            assert event.name not in listed  # left out of the listing, with a warning
            await conn.register()  # no RecursionError/AttributeError: it rewrites the entry
        assert any("register rewrites it" in r.getMessage() for r in caplog.records)
        with caplog.at_level(logging.WARNING, logger="protonats"):
            history = await conn.ledger_history(event.name)
        # The good revisions, not the bad one, which a warning names.
        assert next(r.revision for r in history) == good[-1].revision
        assert len(history) == 2
        assert history[1].revision > bad
        assert history[-1].entry.fingerprint == history[0].entry.fingerprint
        assert any("left out of the history" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(("name", "change", "why"), CORRUPTIONS)
async def test_a_corrupted_json_entry_is_named_then_repaired(
    nats_url: str, unique: str, caplog: pytest.LogCaptureFixture, name: str, change: Any, why: str
) -> None:
    event = Event(f"hostile-{name}-{unique}", User)
    await _check_bad_then_repaired(nats_url, event, change, why, caplog)


@pytest.mark.parametrize(("name", "change", "why"), PROTOBUF_CORRUPTIONS)
async def test_a_corrupted_descriptor_set_is_named_then_repaired(
    nats_url: str, unique: str, caplog: pytest.LogCaptureFixture, name: str, change: Any, why: str
) -> None:
    event = Event(f"hostile-{name}-{unique}", user_v1())
    await _check_bad_then_repaired(nats_url, event, change, why, caplog)


async def test_an_edited_entry_with_the_same_fingerprint_is_rewritten(
    nats_url: str, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event(f"edited-{unique}", User, description="the truth")

    def edit(document: dict[str, Any]) -> dict[str, Any]:
        document["description"] = "a lie"
        return document

    async with Events(event, version="1.0.0").connect(nats_url) as conn:
        await conn.register()
        await put_raw(nats_url, event.name, edit)
        with caplog.at_level(logging.WARNING, logger="protonats"):
            await conn.register()  # was: "unchanged", leaving the lie forever
        history = await conn.ledger_history(event.name)
    assert history[-1].entry.description == "the truth"
    assert any("differs from what this registry writes" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("value", "ttl", "why"),
    [
        (b"\x1b]0;pwned\x07 someone's lock", "60s", "is not a protonats register lock"),
        (b'{"host": "h", "pid": 1}', None, "has no TTL, so it never expires"),
    ],
)
async def test_a_lock_not_ours_or_without_ttl_is_reported_with_the_command_to_remove_it(
    unique: str, value: bytes, ttl: str | None, why: str
) -> None:
    event = Event(f"locked-{unique}", User)
    with nats_server() as url:
        async with Events(event).connect(url) as conn:
            await conn.register()  # the bucket exists
        nc = await nats.connect(url)
        try:
            headers = {"Nats-TTL": ttl} if ttl else None
            await nc.jetstream().publish(f"$KV.{BUCKET}.{LOCK_KEY}", value, headers=headers)
        finally:
            await nc.close()
        async with Events(event).connect(url) as conn:
            with pytest.raises(LedgerError, match=why) as raised:
                await conn.register()  # at once: waiting would not help
    message = str(raised.value)
    assert f"nats kv del {BUCKET} {LOCK_KEY}" in message
    assert "\x1b" not in message
    assert "\x07" not in message
