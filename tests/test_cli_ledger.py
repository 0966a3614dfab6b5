"""The command line on the server's schema ledger: ``schema``, ``tail`` of an event no
installed registry declares, ``register --allow-incompatible`` and ``catalog --ledger``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import nats

from protonats import Event, Events

from .ledger_models import build, user_v1
from .models import User
from .test_cli import cli, script


def register(url: str, *events: Event[Any], version: str | None = None) -> None:
    async def go() -> None:
        async with Events(*events, version=version).connect(url) as conn:
            await conn.register()

    asyncio.run(go())


def raw_document(url: str, key: str) -> Any:
    async def go() -> Any:
        nc = await nats.connect(url)
        try:
            kv = await nc.jetstream().key_value("protonats-registry")
            return json.loads((await kv.get(key)).value or b"")
        finally:
            await nc.close()

    return asyncio.run(go())


def test_schema_lists_shows_and_tells_the_history(nats_url: str, unique: str) -> None:
    name = f"cli-schema-{unique}"
    schema = user_v1()
    for version, description in (("1.0.0", "first"), ("1.1.0", "second")):
        register(nats_url, Event(name, schema, description=description), version=version)
    code, out, err = cli("schema", "--format", "json", url=nats_url)
    assert code == 0, err
    listed = {document["event"]: document for document in json.loads(out)}
    assert listed[name]["version"] == "1.1.0"
    code, out, err = cli("schema", name, "--format", "json", url=nats_url)
    assert code == 0, err
    assert json.loads(out) == raw_document(nats_url, name)
    code, out, _ = cli("schema", name, "--format", "tsv", url=nats_url)
    assert "\nfingerprint\tsha256:" in out
    assert "\nschema\tledger.v1.UserRegistered\n" in out
    code, out, _ = cli("schema", name, "--history", "--format", "json", url=nats_url)
    revisions = json.loads(out)
    assert [(r["version"], r["description"]) for r in revisions] == [
        ("1.0.0", "first"),
        ("1.1.0", "second"),
    ]
    assert revisions[0]["revision"] < revisions[1]["revision"]
    code, out, err = cli("schema", f"nothing-{unique}", url=nats_url)
    assert code == 1
    assert err.startswith("protonats: error: event 'nothing-")
    assert "not in the server's schema ledger" in err


def test_tail_decodes_through_the_ledger_without_the_schema(nats_url: str, unique: str) -> None:
    # The message class exists only in this process: the tail subprocess cannot import it.
    schema = user_v1()
    proto = Event(f"cli-tail-proto-{unique}", schema)
    plain = Event(f"cli-tail-json-{unique}", User)

    async def emit() -> None:
        async with Events(proto, plain).connect(nats_url) as conn:
            await conn.register()
            await conn.emit(proto, build(schema, user_id="42", email="a@example.com"))
            await conn.emit(plain, User(id="7", name="Ann"))

    asyncio.run(emit())
    for event, data in (
        (proto, {"userId": "42", "email": "a@example.com"}),
        (plain, {"id": "7", "name": "Ann"}),
    ):
        done = script(
            "tail", event.name, "--server", nats_url, "--from-start", "--count", "1",
            "--format", "jsonl",
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        [line] = done.stdout.splitlines()
        assert json.loads(line)["data"] == data


def test_register_refuses_an_incompatible_schema_unless_allowed(nats_url: str, unique: str) -> None:
    old, new = f"tests.ledger_models:v1_{unique}", f"tests.ledger_models:v2_{unique}"
    assert cli("register", "--registry", old, "--format", "json", url=nats_url)[0] == 0
    code, out, err = cli("plan", "--registry", new, "--format", "json", url=nats_url)
    assert code == 0
    assert json.loads(out)[0]["action"] == "refused"
    code, _, err = cli("register", "--registry", new, url=nats_url)
    assert code == 1
    assert "EVENT_SCHEMA_INCOMPATIBLE" in err
    assert 'required field "email" was added' in err
    assert "--allow-incompatible" in err
    code, _, err = cli("register", "--registry", new, "--allow-incompatible", url=nats_url)
    assert code == 0, err
    code, out, _ = cli("schema", f"signup-{unique}", "--format", "json", url=nats_url)
    assert json.loads(out)["version"] == "2.0.0"


def test_catalog_from_the_ledger(nats_url: str, unique: str, tmp_path: Path) -> None:
    proto = Event(f"cli-catalog-proto-{unique}", user_v1(), description="A user signed up.")
    plain = Event(f"cli-catalog-json-{unique}", User, description="Plain JSON.")
    register(nats_url, proto, plain)
    code, _, err = cli("catalog", "--ledger", nats_url, "--out", str(tmp_path))
    assert code == 0, err
    page = (tmp_path / "events" / f"{proto.name}.md").read_text()
    assert "A user signed up." in page
    assert "`ledger.v1.UserRegistered`" in page
    assert "| `user_id` | string | JSON name userId |" in page
    json_page = (tmp_path / "events" / f"{plain.name}.md").read_text()
    assert "`User`" in json_page
    assert "`application/json`" in json_page
    assert "| `id` | string | (required) |" in json_page
    document = json.loads((tmp_path / "asyncapi.json").read_text())
    components = document["components"]["schemas"]
    assert "ledger.v1.UserRegistered" in components
    payload = document["components"]["messages"]
    assert any(plain.name in key for key in payload)
