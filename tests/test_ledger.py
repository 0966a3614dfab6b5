"""The schema ledger: what register records in KV, reading it back, and the compatibility
check against it. Against a real nats-server; the ledger bucket is shared by the session."""

from __future__ import annotations

import base64
import dataclasses
import json

import pytest
from google.protobuf import descriptor_pb2
from nats.js import JetStreamContext

from protonats import (
    Action,
    Event,
    Events,
    LedgerEntry,
    Limits,
    SchemaIncompatibleError,
)
from protonats.events._fingerprint import fingerprint
from protonats.jetstream._ledger import decode_payload, encode_entry, entry_for, message_class

from .ledger_models import F, build, proto_message, user_v1
from .models import User


async def _raw(js: JetStreamContext, key: str) -> dict[str, object]:
    kv = await js.key_value("protonats-registry")
    document: dict[str, object] = json.loads((await kv.get(key)).value or b"")
    return document


async def test_register_records_a_protobuf_event(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    schema = user_v1()
    event = Event(f"user-{unique}", schema, description="A user signed up.")
    event = dataclasses.replace(event, limits=Limits(age=3600, messages=10, replicas=1))
    async with Events(event, version="1.4.0").connect(nats_url) as conn:
        await conn.register()
        entry = await conn.ledger(event.name)
    raw = await _raw(js, event.name)
    assert raw["event"] == event.name
    assert raw["version"] == "1.4.0"
    assert raw["fingerprint"] == fingerprint(event)
    assert raw["subject"] == raw["stream"] == event.name
    assert raw["limits"] == {"max_age_s": 3600, "max_messages": 10, "replicas": 1}
    assert str(raw["registered_at"]).endswith("Z")
    document_schema = raw["schema"]
    assert isinstance(document_schema, dict)
    assert document_schema["name"] == "ledger.v1.UserRegistered"
    assert document_schema["content_type"] == "application/protobuf"
    files = descriptor_pb2.FileDescriptorSet.FromString(
        base64.b64decode(document_schema["descriptor_set"])
    )
    assert [f.name for f in files.file] == [
        "google/protobuf/timestamp.proto",
        "ledger/v1/UserRegistered.proto",
    ]
    json_schema = document_schema["json_schema"]
    assert json_schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    props = json_schema["$defs"]["ledger.v1.UserRegistered"]["properties"]
    assert props["userId"] == {"type": "string"}
    assert props["registeredAt"] == {"type": "string", "format": "date-time"}
    assert isinstance(entry, LedgerEntry)
    assert entry.version == "1.4.0"
    assert entry.limits.max_age_s == 3600
    assert entry.description == "A user signed up."


async def test_ledger_alone_decodes_a_protobuf_payload() -> None:
    schema = user_v1()
    entry = entry_for(Event("user-registered", schema), "1.0.0")
    payload = build(schema, user_id="42", email="a@example.com").SerializeToString()
    assert decode_payload(entry, payload) == {"userId": "42", "email": "a@example.com"}
    rebuilt = message_class(entry.schema)
    assert rebuilt is not schema
    assert rebuilt.FromString(payload).SerializeToString() == payload


async def test_json_event_has_a_json_schema_and_no_descriptor_set(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    event = Event(f"json-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
    raw = await _raw(js, event.name)
    assert "version" not in raw
    assert raw["limits"] == {}
    schema = raw["schema"]
    assert isinstance(schema, dict)
    assert schema["content_type"] == "application/json"
    assert "descriptor_set" not in schema
    assert schema["json_schema"]["$defs"]["User"]["required"] == ["id", "name"]
    entry = entry_for(event, None)
    assert decode_payload(entry, b'{"id": "1", "name": "Ann"}') == {"id": "1", "name": "Ann"}


async def test_the_document_round_trips_and_ignores_unknown_fields() -> None:
    entry = entry_for(Event("user-registered", user_v1()), "2.0.0")
    data = json.loads(encode_entry(entry))
    data["added_by_a_newer_writer"] = {"x": 1}
    from protonats.jetstream._ledger import decode_entry

    assert decode_entry(json.dumps(data).encode()) == entry


async def test_equal_registries_write_once_and_versions_make_history(
    nats_url: str, unique: str
) -> None:
    event = Event(f"hist-{unique}", User, limits=Limits(messages=5))
    for version in ("1.0.0", "1.0.0", "1.1.0", "1.1.0"):
        async with Events(event, version=version).connect(nats_url) as conn:
            await conn.register()
    async with Events(event).connect(nats_url) as conn:
        history = await conn.ledger_history(event.name)
        assert [r.entry.version for r in history] == ["1.0.0", "1.1.0"]
        assert history[0].revision < history[1].revision
        assert await conn.ledger("never-registered") is None
        assert await conn.ledger_history("never-registered") == []
        names = [e.event for e in await conn.ledger_entries()]
        assert event.name in names
        assert all(not name.startswith("_") for name in names)


async def test_older_registry_does_not_overwrite_the_ledger(nats_url: str, unique: str) -> None:
    new = Event(f"older-{unique}", User, description="v2")
    old = Event(f"older-{unique}", User, description="v1")
    async with Events(new, version="2.0.0").connect(nats_url) as conn:
        await conn.register()
    async with Events(old, version="1.0.0").connect(nats_url) as conn:
        with pytest.warns(UserWarning, match="newer than this one"):
            await conn.register(on_newer="skip")
        entry = await conn.ledger(old.name)
    assert entry is not None
    assert entry.version == "2.0.0"
    assert entry.description == "v2"


async def test_incompatible_protobuf_change_is_refused_naming_field_and_rule(
    nats_url: str, unique: str, js: JetStreamContext
) -> None:
    name = f"compat-{unique}"
    async with Events(Event(name, user_v1()), version="1.0.0").connect(nats_url) as conn:
        await conn.register()
    changed = proto_message(
        "ledger.v1.UserRegistered",
        ("user_id", 1, F.TYPE_INT64),  # string -> int64: stored bytes no longer decode
        ("registered_at", 3, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".google.protobuf.Timestamp"),
    )
    async with Events(Event(name, changed), version="2.0.0").connect(nats_url) as conn:
        [plan] = await conn.plan()
        assert plan.action is Action.REFUSED
        assert isinstance(plan.error, SchemaIncompatibleError)
        with pytest.raises(SchemaIncompatibleError) as info:
            await conn.register()
        assert (await conn.ledger(name)).version == "1.0.0"  # type: ignore[union-attr]
        metadata = (await js.stream_info(name)).config.metadata or {}
        assert metadata["protonats.version"] == "1.0.0"  # the stream was not touched either
        [plan] = await conn.register(allow_incompatible=True)
        assert [c.field for c in plan.changes] == ["metadata"]  # the version stamp only
        assert (await conn.ledger(name)).version == "2.0.0"  # type: ignore[union-attr]
    error = info.value
    assert error.event == name
    assert error.rule == "EVENT_SCHEMA_INCOMPATIBLE"
    assert error.field == "user_id"
    assert len(error.problems) == 2  # the type change, and email removed without reserving
    assert "email" in error.problems[1]
    assert "allow_incompatible=True" in str(error)


async def test_compatible_protobuf_change_passes(nats_url: str, unique: str) -> None:
    name = f"compatible-{unique}"
    async with Events(Event(name, user_v1()), version="1.0.0").connect(nats_url) as conn:
        await conn.register()
    grown = proto_message(
        "ledger.v1.UserRegistered",
        ("user_id", 1, F.TYPE_STRING),
        ("registered_at", 3, F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".google.protobuf.Timestamp"),
        ("referrer", 4, F.TYPE_STRING),
        reserved=(2,),
    )
    async with Events(Event(name, grown), version="1.1.0").connect(nats_url) as conn:
        await conn.register()
        assert (await conn.ledger(name)).version == "1.1.0"  # type: ignore[union-attr]


@dataclasses.dataclass
class UserWithEmail:
    id: str
    name: str
    email: str


@dataclasses.dataclass
class UserWithOptionalEmail:
    id: str
    name: str
    email: str = ""


@dataclasses.dataclass
class UserWithNumericId:
    id: int
    name: str


@pytest.mark.parametrize(
    ("schema", "field"),
    [(UserWithEmail, "email"), (UserWithNumericId, "id"), (bytes, None)],
)
async def test_incompatible_json_change_is_refused(
    nats_url: str, unique: str, schema: type[object], field: str | None
) -> None:
    name = f"json-compat-{unique}"
    async with Events(Event(name, User)).connect(nats_url) as conn:
        await conn.register()
    async with Events(Event(name, schema)).connect(nats_url) as conn:
        with pytest.raises(SchemaIncompatibleError) as info:
            await conn.register()
    assert info.value.field == field
    assert name in str(info.value)


async def test_json_field_with_a_default_is_compatible(nats_url: str, unique: str) -> None:
    name = f"json-default-{unique}"
    async with Events(Event(name, User)).connect(nats_url) as conn:
        await conn.register()
    async with Events(Event(name, UserWithOptionalEmail)).connect(nats_url) as conn:
        await conn.register()
        entry = await conn.ledger(name)
    assert entry is not None
    assert entry.schema.name.endswith("UserWithOptionalEmail")


def test_the_document_shows_each_declared_feature() -> None:
    featured = Event("x-features", bytes, allow_atomic=True, limits=Limits(message_ttl=5))
    document = json.loads(encode_entry(entry_for(featured, "1.0")))
    assert document["allow_ttl"] is True  # implied by message_ttl
    assert document["allow_atomic"] is True
    assert "allow_delay" not in document
    assert document["limits"]["message_ttl_s"] == 5
    plain = json.loads(encode_entry(entry_for(Event("x-plain", bytes), "1.0")))
    assert not {k for k in plain if k.startswith("allow_")}
