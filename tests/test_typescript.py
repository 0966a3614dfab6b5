"""One wire contract, two languages: the example registry's npm package (gen/ts, compiled) and
``@protonats/runtime`` (ts/runtime) against Python's runtime, on a real nats-server.

tests/ts/service.ts is the Node side (``tsc --strict`` compiles it against ``shop-events``);
Python registers the streams, as it does in production. The module has a server of its own:
the example's event names are real names other tests use too.
"""

from __future__ import annotations

import base64
import importlib
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import nats
import pytest
from google.protobuf import json_format
from google.protobuf.message import Message

from protonats import Event, Events
from protonats.testing import nats_server

from . import ts_env

ROOT = Path(__file__).resolve().parent.parent
EVERY_EVENT = ROOT / "tests" / "fixtures" / "codegen" / "scripts" / "every_event.py"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def _load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sample(event: Event[Any]) -> Message:
    """A message of the event's schema with every field set (every_event.py's builder)."""
    message: Message = _load("every_event", EVERY_EVENT).sample(event.schema)
    return message


@pytest.fixture(scope="module")
def registry() -> Iterator[Events]:
    """``shop_events.EVENTS`` of gen/python (make generate)."""
    generated = ROOT / "gen" / "python"
    if not (generated / "shop_events" / "__init__.py").exists():
        pytest.fail("gen/python is missing: run make generate first (make test does)")
    sys.path.insert(0, str(generated))
    try:
        events = importlib.import_module("shop_events").EVENTS
        assert isinstance(events, Events)
        yield events
    finally:
        sys.path.remove(str(generated))


@pytest.fixture(scope="module")
def url(registry: Events) -> Iterator[str]:
    with nats_server() as server_url:
        yield server_url


@pytest.fixture
async def streams(url: str, registry: Events) -> Events:
    """Every stream registered by Python, empty at the start of the test."""
    async with registry.connect(url) as conn:
        await conn.register()
        for event in registry:
            await conn.client.jetstream().purge_stream(event.stream_name)
    return registry


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``node service.js``: tests/ts compiled in a Node project with ``shop-events``."""
    project = ts_env.node_project(tmp_path_factory.mktemp("node-service"))
    out = ts_env.compile_scripts(project)
    return [ts_env.installed(), str(out / "service.js")]


def node(service: list[str], *args: str, stdin: str | None = None) -> list[Any]:
    return ts_env.json_lines(ts_env.run([*service, *args], ROOT, stdin=stdin, timeout=120))


async def raw_message(url: str, stream: str, seq: int) -> tuple[bytes, bytes]:
    """The stored message's header block and payload, bytes as the server has them."""
    nc = await nats.connect(url)
    try:
        reply = await nc.request(
            f"$JS.API.STREAM.MSG.GET.{stream}", json.dumps({"seq": seq}).encode(), timeout=10
        )
    finally:
        await nc.close()
    message = json.loads(reply.data)["message"]
    return base64.b64decode(message["hdrs"]), base64.b64decode(message.get("data", ""))


async def test_typescript_consumes_every_event_python_emits_typed(
    url: str, streams: Events, service: list[str]
) -> None:
    sent: dict[str, Message] = {}
    async with streams.connect(url) as conn:
        for event in streams:
            sent[event.name] = sample(event)
            await conn.emit(event, sent[event.name], uid=f"py-{event.name}")
    received = node(service, "consume", url, "ts-reader", "1")
    assert [r["event"] for r in received] == [e.name for e in streams]
    for result in received:
        message = sent[result["event"]]
        assert result["typeName"] == message.DESCRIPTOR.full_name
        assert result["json"] == json_format.MessageToDict(message), result["event"]
        assert result["headers"] == {
            "Content-Type": "application/protobuf",
            "Protonats-Schema": message.DESCRIPTOR.full_name,
            "Nats-Expected-Stream": result["event"],
            "Nats-Msg-Id": f"py-{result['event']}",
        }


async def test_consume_ends_when_idle(url: str, streams: Events, service: list[str]) -> None:
    """``idleMs`` (Python's ``idle_timeout``): what is there, then the iteration ends."""
    event = next(e for e in streams if e.name == "order-created")
    async with streams.connect(url) as conn:
        acks = [await conn.emit(event, sample(event)) for _ in range(3)]
    received = node(service, "consume", url, "ts-idle", "100", "2000")
    assert [(r["event"], r["seq"]) for r in received] == [
        (event.name, ack.seq) for ack in acks if ack is not None
    ]


async def test_python_consumes_every_event_typescript_emits_typed(
    url: str, streams: Events, service: list[str]
) -> None:
    sent = {event.name: sample(event) for event in streams}
    requests = [
        {"event": name, "json": json_format.MessageToDict(message), "uid": f"ts-{name}"}
        for name, message in sent.items()
    ]
    acks = node(service, "emit", url, stdin=json.dumps(requests))
    assert [(ack["stream"], ack["duplicate"]) for ack in acks] == [(n, False) for n in sent]
    async with streams.connect(url) as conn:
        for event in streams:
            deliveries = conn.consume(event, "py-reader", idle_timeout=10)
            delivery = await anext(deliveries)
            await delivery.ack()
            await deliveries.aclose()
            assert type(delivery.data) is event.schema
            assert delivery.data == sent[event.name]
            assert delivery.headers["Nats-Msg-Id"] == f"ts-{event.name}"
            assert delivery.headers["Protonats-Schema"] == event.schema_name


async def test_headers_on_the_wire_are_the_bytes_python_sends(
    url: str, streams: Events, service: list[str]
) -> None:
    event = next(e for e in streams if e.name == "user-registered")
    message = sample(event)
    async with streams.connect(url) as conn:
        plain = await conn.emit(event, message)
        full = await conn.emit(
            event,
            message,
            uid="py-000001",
            headers={"traceparent": TRACEPARENT, "x-tenant": "acme ünïcode"},
            trace_id="trace-1",
        )
    assert plain is not None
    assert full is not None
    options = {"traceparent": TRACEPARENT, "headers": {"x-tenant": "acme ünïcode"}}
    requests = [
        {"event": event.name, "json": json_format.MessageToDict(message)},
        {
            "event": event.name,
            "json": json_format.MessageToDict(message),
            "uid": "ts-000001",
            "traceId": "trace-1",
            **options,
        },
    ]
    ts_plain, ts_full = node(service, "emit", url, stdin=json.dumps(requests))
    py_plain_raw = await raw_message(url, event.stream_name, plain.seq)
    py_full_raw = await raw_message(url, event.stream_name, full.seq)
    ts_plain_raw = await raw_message(url, event.stream_name, ts_plain["seq"])
    ts_full_raw = await raw_message(url, event.stream_name, ts_full["seq"])
    assert ts_plain_raw == py_plain_raw
    assert ts_full_raw[1] == py_full_raw[1]
    assert ts_full_raw[0] == py_full_raw[0].replace(b"py-000001", b"ts-000001")
    assert py_full_raw[0].startswith(b"NATS/1.0\r\nContent-Type: application/protobuf\r\n")


async def test_cloudevents_headers_match_python(
    url: str, streams: Events, service: list[str]
) -> None:
    event = next(e for e in streams if e.name == "order-created")
    message = sample(event)
    source = "urn:shop/orders 100%"  # a space and a %: percent-encoded on the wire
    async with streams.connect(url, cloudevents_source=source) as conn:
        ack = await conn.emit(event, message, uid="ce-1")
    assert ack is not None
    request = {"event": event.name, "json": json_format.MessageToDict(message), "uid": "ce-2"}
    [ts_ack] = node(
        service, "emit", url, stdin=json.dumps([{**request, "cloudeventsSource": source}])
    )
    py_raw, _ = await raw_message(url, event.stream_name, ack.seq)
    ts_raw, _ = await raw_message(url, event.stream_name, ts_ack["seq"])
    time = re.compile(rb"ce-time: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\r\n")
    assert time.search(py_raw)
    assert time.search(ts_raw)
    normal = [
        time.sub(b"ce-time: T\r\n", raw).replace(b"ce-2", b"ce-1") for raw in (ts_raw, py_raw)
    ]
    assert normal[0] == normal[1]
    assert b"ce-source: urn:shop/orders%20100%25\r\n" in ts_raw


async def test_a_uid_is_stored_once_across_languages(
    url: str, streams: Events, service: list[str]
) -> None:
    event = next(e for e in streams if e.name == "parcel-delivered")
    message = sample(event)
    request = {"event": event.name, "json": json_format.MessageToDict(message)}
    async with streams.connect(url) as conn:
        first = await conn.emit(event, message, uid="both-1")
        [again] = node(service, "emit", url, stdin=json.dumps([{**request, "uid": "both-1"}]))
        [ts_first] = node(service, "emit", url, stdin=json.dumps([{**request, "uid": "both-2"}]))
        py_again = await conn.emit(event, message, uid="both-2")
    assert first is not None
    assert py_again is not None
    assert again == {"stream": event.name, "seq": first.seq, "duplicate": True}
    assert ts_first["duplicate"] is False
    assert (py_again.seq, py_again.duplicate) == (ts_first["seq"], True)


async def test_emit_many_stores_every_message_in_order(
    url: str, streams: Events, service: list[str]
) -> None:
    [acks] = node(service, "emit-many", url, "user-email-changed", "20")
    first = acks[0]["seq"]
    assert [ack["seq"] for ack in acks] == list(range(first, first + 20))
    async with streams.connect(url) as conn:
        info = await conn.client.jetstream().stream_info("user-email-changed")
    assert info.state.messages == 20


async def test_a_missing_or_foreign_stream_is_refused(registry: Events, service: list[str]) -> None:
    with nats_server() as fresh:
        refusals = node(service, "refuse", fresh, "user-registered")
        assert [(r["call"], r["error"], r["root"]) for r in refusals] == [
            ("emit", "NoStreamError", "ProtonatsError"),
            ("consume", "NoStreamError", "ProtonatsError"),
            ("emit-wrong-type", "MessageTypeError", "ProtonatsError"),
            ("emit-too-large", "MessageTooLargeError", "ProtonatsError"),
            ("emit-reserved-header", "EmitError", "ProtonatsError"),
            ("emit-bad-uid", "EmitError", "ProtonatsError"),
        ]
        assert "whitespace, which the client strips" in refusals[5]["message"]
        assert "over the limit of 4096" in refusals[3]["message"]
        assert "takes shop.v1.UserRegistered messages" in refusals[2]["message"]
        assert 'stream "user-registered" does not exist' in refusals[0]["message"]
        assert "protonats register" in refusals[0]["message"]
        nc = await nats.connect(fresh)
        try:
            await nc.jetstream().add_stream(name="user-registered", subjects=["user-registered"])
        finally:
            await nc.close()
        refusals = node(service, "refuse", fresh, "user-registered")
        assert [r["error"] for r in refusals][:2] == ["StreamMismatchError"] * 2
        assert "made by something other than protonats" in refusals[0]["message"]


def test_tsc_strict_refuses_emitting_the_wrong_message_type(service: list[str]) -> None:
    """typing/right_message.ts compiled with service.ts (the fixture); the wrong one fails."""
    project = Path(service[1]).parent.parent / "negative"  # out of tsconfig.json's reach
    project.mkdir(exist_ok=True)
    wrong = project / "wrong_message.ts"
    wrong.write_text((ts_env.SCRIPTS / "typing" / "wrong_message.ts").read_text())
    flags = ["--noEmit", "--strict", "--skipLibCheck", "--target", "es2022"]
    flags += ["--module", "nodenext", "--moduleResolution", "nodenext", "--types", "node"]
    done = subprocess.run(
        [str(ts_env.TSC), *flags, wrong.name],
        cwd=project,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    errors = [line for line in done.stdout.splitlines() if "error TS" in line]
    assert len(errors) == 1, done.stdout
    assert errors[0].startswith("wrong_message.ts(8,")
    assert "TS2345" in errors[0]
    assert "OrderCreated" in done.stdout


async def test_the_readme_typescript_example_runs(registry: Events, service: list[str]) -> None:
    """README's "From TypeScript" service, as written: compiled strictly, run against a server
    where Python registered the registry."""
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^```ts file=service\.ts\n(.*?)^```$", readme, re.M | re.S)
    assert found is not None, "README lost its TypeScript example"
    project = Path(service[1]).parent.parent
    (project / "readme_service.ts").write_text(found.group(1))
    ts_env.run([str(ts_env.TSC), "-p", "tsconfig.json"], project)
    with nats_server() as fresh:
        async with registry.connect(fresh) as conn:
            await conn.register()
        out = ts_env.run(
            [service[0], str(project / "out" / "readme_service.js")],
            project,
            env={**os.environ, "NATS_URL": fresh},
            timeout=60,
        )
    assert out.splitlines() == ["stored as user-registered #1", "welcome, user 42!"]


async def test_a_payload_that_does_not_decode_is_a_typed_decode_error(
    url: str, streams: Events, service: list[str]
) -> None:
    """Published around protonats (the right headers, not a UserRegistered): ``data`` throws
    ``DecodeError`` carrying the raw bytes; the delivery can still be settled."""
    nc = await nats.connect(url)
    try:
        headers = {
            "Content-Type": "application/protobuf",
            "Nats-Expected-Stream": "user-registered",
        }
        ack = await nc.jetstream().publish("user-registered", b"\xff\xff\xff", headers=headers)
    finally:
        await nc.close()
    [result] = node(service, "undecodable", url, "user-registered", "ts-undecodable")
    assert result["error"] == "DecodeError"
    assert (result["raw"], result["seq"]) == ("ffffff", ack.seq)
    assert "is not a shop.v1.UserRegistered" in result["message"]
