"""register of a large registry, with the schema ledger, against raw nats-py, in one run.

Each repetition starts a fresh nats-server (file storage) per side and times two steps:
``fresh`` (every stream is created) and ``again`` (nothing changed). The baseline is what a
skilled user writes with nats-py alone: ``stream_info`` then ``add_stream`` for each event,
16 requests in flight (register's own parallelism), and on the second run ``stream_info``
and a comparison only — no ledger, no lock, no compatibility check. protonats' side is
``conn.register()``: the same streams, plus the register lock and one ledger entry per event
(fingerprint, JSON Schema and, for protobuf, the descriptor set). Sides alternate which runs
first; prints medians and the ratio.

    .venv/bin/python bench/register.py [--events 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time
from typing import Any

import nats
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory, timestamp_pb2
from google.protobuf.message import Message
from nats.js import JetStreamContext, api
from nats.js import errors as js_errors

from protonats import Event, Events, Limits, stream_config
from protonats.jetstream._config import comparable
from protonats.testing import nats_server

_PARALLEL = 16


def _protobuf_messages(count: int) -> list[type[Message]]:
    """``count`` distinct small event messages (with a Timestamp), one file each, built
    without .proto files."""
    f = descriptor_pb2.FieldDescriptorProto
    pool = descriptor_pool.DescriptorPool()
    timestamp = descriptor_pb2.FileDescriptorProto()
    timestamp_pb2.DESCRIPTOR.CopyToProto(timestamp)
    pool.Add(timestamp)
    classes = []
    for i in range(count):
        proto = descriptor_pb2.FileDescriptorProto(
            name=f"bench/v1/event{i}.proto", package="bench.v1", syntax="proto3"
        )
        proto.dependency.append("google/protobuf/timestamp.proto")
        message = proto.message_type.add(name=f"Event{i}")
        message.field.add(name="id", number=1, type=f.TYPE_STRING, label=f.LABEL_OPTIONAL)
        message.field.add(name="count", number=2, type=f.TYPE_INT64, label=f.LABEL_OPTIONAL)
        message.field.add(
            name="at",
            number=3,
            type=f.TYPE_MESSAGE,
            label=f.LABEL_OPTIONAL,
            type_name=".google.protobuf.Timestamp",
        )
        pool.Add(proto)
        found = pool.FindMessageTypeByName(f"bench.v1.Event{i}")
        classes.append(message_factory.GetMessageClass(found))
    return classes


def _dataclasses(count: int) -> list[type]:
    """``count`` distinct dataclass schemas."""
    fields = [("id", str), ("amount_cents", int), ("note", str | None, None)]
    return [dataclasses.make_dataclass(f"Order{i}", fields) for i in range(count)]


def registry(count: int) -> Events:
    """``count`` (even) events with distinct schemas, half protobuf and half dataclass."""
    schemas: list[Any] = [
        s
        for pair in zip(_protobuf_messages(count // 2), _dataclasses(count // 2), strict=True)
        for s in pair
    ]
    events = [
        Event(
            f"bench-event-{i}",
            schema,
            limits=Limits(age=86_400 + i, messages=10_000, message_size=4096),
        )
        for i, schema in enumerate(schemas)
    ]
    return Events(*events, version="1.0.0")


async def raw_register(js: JetStreamContext, configs: list[api.StreamConfig]) -> None:
    """The nats-py baseline: look at each stream, create it if missing, else compare."""
    limit = asyncio.Semaphore(_PARALLEL)

    async def one(config: api.StreamConfig) -> None:
        async with limit:
            try:
                info = await js.stream_info(config.name or "")
            except js_errors.NotFoundError:
                await js.add_stream(config)
                return
            if comparable(info.config) != comparable(config):
                await js.update_stream(config)

    await asyncio.gather(*(one(c) for c in configs))


async def time_raw(events: Events) -> tuple[float, float]:
    configs = [stream_config(e, version=events.version) for e in events]
    with nats_server() as url:
        nc = await nats.connect(url)
        js = nc.jetstream()
        started = time.perf_counter()
        await raw_register(js, configs)
        fresh = time.perf_counter() - started
        started = time.perf_counter()
        await raw_register(js, configs)
        again = time.perf_counter() - started
        await nc.close()
    return fresh, again


async def time_ours(events: Events) -> tuple[float, float]:
    with nats_server() as url:
        async with events.connect(url) as conn:
            started = time.perf_counter()
            await conn.register()
            fresh = time.perf_counter() - started
            started = time.perf_counter()
            await conn.register()
            again = time.perf_counter() - started
            assert len(await conn.ledger_entries()) == len(events)
    return fresh, again


async def main(count: int, repeat: int) -> None:
    events = registry(count)
    raw: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    for rep in range(repeat):
        sides = [(time_raw, raw), (time_ours, ours)]
        for side, results in sides if rep % 2 == 0 else sides[::-1]:
            results.append(await side(events))
    print(f"register of {count} events (half protobuf), median of {repeat}:")
    for index, step in enumerate(("fresh server", "nothing changed")):
        r = statistics.median(t[index] for t in raw)
        o = statistics.median(t[index] for t in ours)
        print(
            f"  {step:<16} nats-py {r:6.3f} s   protonats + ledger {o:6.3f} s   ratio {o / r:.2f}x"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3)
    arguments = parser.parse_args()
    asyncio.run(main(arguments.events, arguments.repeat))
