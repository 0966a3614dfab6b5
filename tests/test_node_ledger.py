"""Cross-language proof: a Node.js program (the official NATS client and protobufjs, pinned in
tests/node/package-lock.json) reads an event's ledger entry from KV, builds the message type
from the entry's descriptor set alone (no .proto files) and decodes a message Python emitted.

The npm packages are installed by ``npm ci`` the first time (and whenever the lock file is
newer than the install). No Node.js or npm, or npm failing, fails the test: nothing skips.
"""

from __future__ import annotations

import datetime
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from protonats import Event, Events

from .ledger_models import build, user_v1
from .models import User

NODE_DIR = Path(__file__).resolve().parent / "node"


@pytest.fixture(scope="session")
def node() -> str:
    """The ``node`` binary, with tests/node's packages installed from the lock file."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("Node.js 18+ and npm are needed for the cross-language ledger test")
    installed = NODE_DIR / "node_modules" / ".package-lock.json"
    lock = NODE_DIR / "package-lock.json"
    if not installed.exists() or installed.stat().st_mtime < lock.stat().st_mtime:
        done = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=NODE_DIR,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if done.returncode != 0:
            pytest.fail(f"npm ci in {NODE_DIR} failed ({done.returncode}):\n{done.stderr}")
    return node


def read_ledger(node: str, url: str, event: str) -> dict[str, Any]:
    done = subprocess.run(
        [node, "read_ledger.mjs", url, event],
        cwd=NODE_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result


async def test_node_decodes_a_python_protobuf_message_from_the_ledger_alone(
    nats_url: str, unique: str, node: str
) -> None:
    schema = user_v1()  # built at run time: no .proto file exists anywhere
    event = Event(f"node-proto-{unique}", schema)
    message = build(schema, user_id="42", email="a@example.com")
    message.registered_at.FromDatetime(  # type: ignore[attr-defined]
        datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    )
    async with Events(event, version="3.1.0").connect(nats_url) as conn:
        await conn.register()
        await conn.emit(event, message)
    result = read_ledger(node, nats_url, event.name)
    assert result["entry"]["version"] == "3.1.0"
    assert result["entry"]["schema"]["name"] == "ledger.v1.UserRegistered"
    assert result["headers"]["Content-Type"] == "application/protobuf"
    assert result["message"] == {
        "userId": "42",
        "email": "a@example.com",
        "registeredAt": {"seconds": "1767323045"},
    }
    assert result["json"] == {
        "userId": "42",
        "email": "a@example.com",
        "registeredAt": "2026-01-02T03:04:05Z",
    }


async def test_node_reads_a_json_event_and_its_json_schema(
    nats_url: str, unique: str, node: str
) -> None:
    event = Event(f"node-json-{unique}", User)
    async with Events(event).connect(nats_url) as conn:
        await conn.register()
        await conn.emit(event, User(id="7", name="Ann"))
    result = read_ledger(node, nats_url, event.name)
    schema = result["entry"]["schema"]
    assert schema["content_type"] == "application/json"
    assert "descriptor_set" not in schema
    assert schema["json_schema"]["$defs"]["User"]["required"] == ["id", "name"]
    assert result["json"] == {"id": "7", "name": "Ann"}
