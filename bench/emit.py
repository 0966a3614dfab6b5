"""Emit, emit_many and consume against what a skilled nats-py user writes, in one run.

Starts its own nats-server (file storage). For each path, every repetition runs protonats and
each baseline once, in a rotated order, on a fresh stream; the table shows each side's median
msg/s and the median of the per-repetition ratios (protonats / baseline).

Baselines, named for what they are:
  * stock helpers: ``js.publish`` (no headers), ``publish_async`` + ``gather``, a durable pull
    consumer with ``fetch(1000)`` and default ``max_ack_pending`` -- what the docs show.
  * fair (public APIs, the same work as protonats): ``js.publish`` with the same three
    headers; one wildcard reply inbox with ``cb=`` and a future per message, acks decoded with
    msgspec; ``publish_async`` with protonats' window (1024) and the headers.
  * hand loops, the best a skilled nats-py user writes (issue #23): emit_many's is the wildcard
    inbox with 1024 in flight and the done-future fast path (no await, no timeout scope for an
    ack already there); consume's is ``MSG.NEXT`` requests of 1000 on a wildcard inbox, the
    messages collected by the callback, ``max_ack_pending`` 1000 (protonats: batch=1000 too).
protonats' emit_many runs twice: the acked path, and an ``allow_batched`` event (fast-ingest).
The run ends with each target of issue #23, its figure and met / missed; the load average is
printed with every path.

    .venv/bin/python bench/emit.py [--messages 20000] [--sequential 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import dataclasses
import itertools
import os
import platform
import pstats
import statistics
import time
from collections import deque
from collections.abc import Awaitable, Callable

import msgspec
import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import api

from protonats import ConnectedEvents, Event, Events, Storage, _wire
from protonats.testing import nats_server


@dataclasses.dataclass
class User:
    id: str
    name: str
    email: str


class PubAck(msgspec.Struct):
    stream: str = ""
    seq: int = 0
    error: dict[str, object] | None = None


USERS = [User(f"user-{i}", f"User {i}", f"user{i}@example.com") for i in range(100_000)]
WINDOW = 1024  # protonats' in-flight window in emit_many
HAND_BATCH = 1000  # the hand-written puller's MSG.NEXT batch (and protonats' consume batch)
STOCK_PUBLISH = "stock: js.publish, no headers"
HAND_LOOP = f"hand loop: inbox cb=, {WINDOW} in flight, done-future fast path, same headers"
HAND_PULLER = f"hand loop: MSG.NEXT batch {HAND_BATCH} on a wildcard inbox"
FAST = "protonats, allow_batched (fast-ingest)"
Side = Callable[[int], Awaitable[float]]
encode = msgspec.json.Encoder().encode
decode_user = msgspec.json.Decoder(User).decode
decode_ack = msgspec.json.Decoder(PubAck).decode


def headers_of(event: Event[User]) -> dict[str, str]:
    """The three headers protonats sends with every message."""
    return {
        _wire.CONTENT_TYPE: event.content_type,
        _wire.SCHEMA: event.schema_name,
        _wire.EXPECTED_STREAM: event.stream_name,
    }


def checked(data: bytes) -> None:
    ack = decode_ack(data)
    if ack.error is not None or not ack.seq:
        raise RuntimeError(f"not stored: {data!r}")


class Inbox:
    """One wildcard reply subscription (cb=), one future per message: public APIs only."""

    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.prefix = nc.new_inbox() + "."
        self.futures: dict[str, asyncio.Future[Msg]] = {}
        self.tokens = itertools.count()
        self.loop = asyncio.get_running_loop()

    async def start(self) -> None:
        await self.nc.subscribe(self.prefix + "*", cb=self.on_reply)

    async def on_reply(self, msg: Msg) -> None:
        future = self.futures.pop(msg.subject[len(self.prefix) :], None)
        if future is not None and not future.done():
            future.set_result(msg)

    async def send(
        self, subject: str, payload: bytes, headers: dict[str, str]
    ) -> asyncio.Future[Msg]:
        token = str(next(self.tokens))
        future: asyncio.Future[Msg] = self.loop.create_future()
        self.futures[token] = future
        await self.nc.publish(subject, payload, reply=self.prefix + token, headers=headers)
        return future


async def acked(future: asyncio.Future[Msg]) -> None:
    async with asyncio.timeout(5):
        checked((await future).data)


async def acked_fast(future: asyncio.Future[Msg]) -> None:
    """The done-future fast path: no timeout scope, no await for an ack already there."""
    if not future.done():
        async with asyncio.timeout(5):
            await future
    checked(future.result().data)


class HandPuller:
    """A hand-written pull loop: ``MSG.NEXT`` requests of ``batch`` on one wildcard inbox
    (cb=), the messages of a request collected in a list, the waiter woken once."""

    def __init__(self, nc: Client, stream: str, consumer: str, batch: int) -> None:
        self.nc = nc
        self.subject = f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self.prefix = nc.new_inbox() + "."
        self.body = msgspec.json.encode({"batch": batch, "expires": 5_000_000_000})
        self.batch = batch
        self.got: list[Msg] = []
        self.done: asyncio.Future[None] | None = None
        self.tokens = itertools.count()

    async def start(self) -> None:
        self.sub = await self.nc.subscribe(self.prefix + "*", cb=self.on_msg)

    async def on_msg(self, msg: Msg) -> None:
        if not msg.data and msg.headers and "Status" in msg.headers:
            if msg.headers["Status"] == "100":
                return
        else:
            self.got.append(msg)
            if len(self.got) < self.batch:
                return
        if self.done is not None and not self.done.done():
            self.done.set_result(None)

    async def fetch(self) -> list[Msg]:
        self.got = []
        self.done = asyncio.get_running_loop().create_future()
        await self.nc.publish(self.subject, self.body, reply=self.prefix + str(next(self.tokens)))
        async with asyncio.timeout(10):
            await self.done
        return self.got


CPU: list[float] = []  # CPU seconds per message of the side that just ran


def clock() -> tuple[float, float]:
    return time.perf_counter(), time.process_time()


def rate(count: int, started: tuple[float, float]) -> float:
    """msg/s since ``started``; also notes this process's CPU time per message."""
    wall, cpu = started
    CPU.append((time.process_time() - cpu) / count)
    return count / (time.perf_counter() - wall)


OPEN: list[contextlib.AbstractAsyncContextManager[ConnectedEvents]] = []


async def close_open() -> None:
    """Close what a side opened (its reply inbox), so no side runs beside leftovers."""
    while OPEN:
        await OPEN.pop().__aexit__(None, None, None)


@dataclasses.dataclass
class Path:
    """One path's run: every side's msg/s and CPU s/msg, by repetition."""

    rates: dict[str, list[float]]
    cpus: dict[str, list[float]]

    def ratio(self, ours: str, other: str) -> float:
        """Median of the per-repetition msg/s ratios (paired: the same repetition)."""
        pairs = zip(self.rates[ours], self.rates[other], strict=True)
        return statistics.median(o / b for o, b in pairs)

    def cpu_ratio(self, ours: str, other: str) -> float:
        """The other side's CPU per message over ours (above 1: ours costs less)."""
        return statistics.median(self.cpus[other]) / statistics.median(self.cpus[ours])


async def bench_path(
    name: str, ours: dict[str, Side], baselines: dict[str, Side], n: int, reps: int
) -> Path:
    sides = {**ours, **baselines}
    rates: dict[str, list[float]] = {label: [] for label in sides}
    cpus: dict[str, list[float]] = {label: [] for label in sides}
    order = list(sides)
    for rep in range(reps):
        shift = rep % len(order)
        for label in order[shift:] + order[:shift]:
            rates[label].append(await sides[label](n))
            cpus[label].append(CPU.pop())
            await close_open()
    path = Path(rates, cpus)
    first = next(iter(ours))
    print(f"\n{name} ({n} messages a side, load {load()})")
    for label in sides:
        rate = statistics.median(rates[label])
        cpu = statistics.median(cpus[label]) * 1e6
        if label == first:
            vs = ""
        elif label in ours:
            vs = f"  this / {first}: {path.ratio(label, first):.2f}x"
        else:
            vs = f"  {first} / this: {path.ratio(first, label):.2f}x"
        print(f"  {label:<64} {rate:>9,.0f} msg/s {cpu:6.1f} us CPU/msg{vs}")
    return path


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} {five:.1f} {fifteen:.1f}"


TARGETS: list[tuple[str, str, str, str, float, float]] = [
    # (target, path, ours, baseline, msg/s ratio at least, CPU ratio at least)
    ("sequential emit >= 1.1x stock js.publish", "emit", "protonats", STOCK_PUBLISH, 1.1, 1.1),
    ("emit_many >= 1.0x the hand loop", "many", "protonats", HAND_LOOP, 1.0, 1.0),
    ("consume >= 1.0x the hand-written puller", "consume", "protonats", HAND_PULLER, 1.0, 1.0),
    ("fast-ingest >= 2x emit_many, less CPU", "many", FAST, "protonats", 2.0, 1.0),
]


def report(paths: dict[str, Path]) -> None:
    """Each target with its figures (msg/s paired ratio, CPU ratio) and met / missed.

    msg/s is what the targets name; on a shared machine it moves with the load, so CPU per
    message (the client's own cost, which load barely changes) is judged next to it."""
    print(f"\ntargets (load {load()}): msg/s = median of the paired per-repetition ratios;")
    print("  CPU = the baseline's CPU us/msg over ours (above 1: ours costs less)")
    for target, name, ours, other, least, cpu_least in TARGETS:
        path = paths.get(name)
        if path is None:
            continue
        ratio, cpu = path.ratio(ours, other), path.cpu_ratio(ours, other)
        verdict = "met" if ratio >= least else "missed"
        cpu_verdict = "met" if cpu >= cpu_least else "missed"
        print(
            f"  {target:<44} msg/s {ratio:5.2f}x {verdict:<6}   "
            f"CPU {cpu:5.2f}x (>= {cpu_least:g}) {cpu_verdict}"
        )


async def main(count: int, sequential: int, repeat: int, profile: bool, paths: list[str]) -> None:
    with nats_server() as url:
        nc = await nats.connect(url)
        js = nc.jetstream()
        windowed = nc.jetstream(publish_async_max_pending=WINDOW)
        inbox = Inbox(nc)
        await inbox.start()
        seq = itertools.count()

        async def fresh(batched: bool = False) -> tuple[Event[User], ConnectedEvents]:
            event = Event(f"bench-{next(seq)}", User, storage=Storage.FILE, allow_batched=batched)
            context = Events(event).connect(nc)
            conn = await context.__aenter__()
            OPEN.append(context)
            await conn.register()
            return event, conn

        async def our_emit(n: int) -> float:
            event, conn = await fresh()
            started = clock()
            for user in USERS[:n]:
                await conn.emit(event, user)
            return rate(n, started)

        async def stock_publish(n: int) -> float:
            event, _ = await fresh()
            started = clock()
            for user in USERS[:n]:
                await js.publish(event.subject_name, encode(user))
            return rate(n, started)

        async def publish_with_headers(n: int) -> float:
            event, _ = await fresh()
            headers = headers_of(event)
            started = clock()
            for user in USERS[:n]:
                await js.publish(event.subject_name, encode(user), headers=dict(headers))
            return rate(n, started)

        async def inbox_sequential(n: int) -> float:
            event, _ = await fresh()
            headers = headers_of(event)
            started = clock()
            for user in USERS[:n]:
                await acked(await inbox.send(event.subject_name, encode(user), headers))
            return rate(n, started)

        async def our_emit_many(n: int) -> float:
            event, conn = await fresh()
            started = clock()
            await conn.emit_many(event, USERS[:n])
            return rate(n, started)

        async def our_emit_many_fast(n: int) -> float:
            event, conn = await fresh(batched=True)
            started = clock()
            await conn.emit_many(event, USERS[:n])
            return rate(n, started)

        async def stock_publish_async(n: int) -> float:
            event, _ = await fresh()
            started = clock()
            futures = [await js.publish_async(event.subject_name, encode(u)) for u in USERS[:n]]
            await asyncio.gather(*futures)
            return rate(n, started)

        async def publish_async_window(n: int) -> float:
            event, _ = await fresh()
            headers = headers_of(event)
            started = clock()
            futures = [
                await windowed.publish_async(event.subject_name, encode(u), headers=dict(headers))
                for u in USERS[:n]
            ]
            await windowed.publish_async_completed()
            for future in futures:
                future.result()
            return rate(n, started)

        async def inbox_window_fast(n: int) -> float:
            event, _ = await fresh()
            headers = headers_of(event)
            started = clock()
            pending: deque[asyncio.Future[Msg]] = deque()
            for user in USERS[:n]:
                pending.append(await inbox.send(event.subject_name, encode(user), headers))
                if len(pending) >= WINDOW:
                    await acked_fast(pending.popleft())
            while pending:
                await acked_fast(pending.popleft())
            return rate(n, started)

        async def filled(n: int) -> tuple[Event[User], ConnectedEvents]:
            event, conn = await fresh()
            await conn.emit_many(event, USERS[:n])
            return event, conn

        async def our_consume(n: int) -> float:
            event, conn = await filled(n)
            started = clock()
            got = 0
            deliveries = conn.consume(event, "typed", batch=HAND_BATCH, max_ack_pending=HAND_BATCH)
            async for delivery in deliveries:
                delivery.data  # noqa: B018 - decode, as a handler would
                await delivery.ack()
                got += 1
                if got == n:
                    break
            await deliveries.aclose()
            return rate(n, started)

        async def pull(n: int, batch: int, config: api.ConsumerConfig | None) -> float:
            event, _ = await filled(n)
            started = clock()  # creating the consumer is part of every side's run
            sub = await js.pull_subscribe(event.subject_name, durable="raw", config=config)
            got = 0
            while got < n:
                for msg in await sub.fetch(batch, timeout=5):
                    decode_user(msg.data)  # the same decoding work as the typed side
                    await msg.ack()
                    got += 1
            result = rate(n, started)
            await sub.unsubscribe()
            return result

        async def hand_pull(n: int) -> float:
            event, _ = await filled(n)
            started = clock()  # creating the consumer is part of every side's run
            config = api.ConsumerConfig(
                durable_name="hand", ack_policy=api.AckPolicy.EXPLICIT, max_ack_pending=HAND_BATCH
            )
            await js.add_consumer(event.stream_name, config)
            puller = HandPuller(nc, event.stream_name, "hand", HAND_BATCH)
            await puller.start()
            got = 0
            while got < n:
                for msg in await puller.fetch():
                    decode_user(msg.data)  # the same decoding work as the typed side
                    await msg.ack()
                    got += 1
            result = rate(n, started)
            await puller.sub.unsubscribe()
            return result

        async def stock_pull(n: int) -> float:
            return await pull(n, 1000, None)

        print(
            f"Python {platform.python_version()}, nats-py, nats-server with file storage; "
            f"{count} messages a side, {repeat} interleaved repetitions, medians"
        )
        if profile:
            event, conn = await fresh()
            profiler = cProfile.Profile()
            profiler.enable()
            for user in USERS[:count]:
                await conn.emit(event, user)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(18)
            await nc.close()
            return
        results: dict[str, Path] = {}
        print(f"load average at the start: {load()}")
        if "emit" in paths:
            results["emit"] = await bench_path(
                "emit, one at a time",
                {"protonats": our_emit},
                {
                    STOCK_PUBLISH: stock_publish,
                    "fair: js.publish with the same 3 headers": publish_with_headers,
                    "fair: wildcard inbox cb=, future per message, msgspec acks": inbox_sequential,
                },
                sequential,
                repeat,
            )
        if "many" in paths:
            results["many"] = await bench_path(
                f"emit_many, {WINDOW} in flight",
                {"protonats": our_emit_many, FAST: our_emit_many_fast},
                {
                    "stock: publish_async + gather, no headers": stock_publish_async,
                    f"fair: publish_async, {WINDOW} in flight, same headers": publish_async_window,
                    HAND_LOOP: inbox_window_fast,
                },
                count,
                repeat,
            )
        if "consume" in paths:
            results["consume"] = await bench_path(
                "consume + ack (both decode)",
                {"protonats": our_consume},
                {
                    "stock: durable pull, fetch(1000), max_ack_pending default": stock_pull,
                    HAND_PULLER: hand_pull,
                },
                count,
                repeat,
            )
        report(results)
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile sequential emit only")
    parser.add_argument("--sequential", type=int, default=5_000, help="messages of emit")
    parser.add_argument("--paths", default="emit,many,consume")
    args = parser.parse_args()
    paths = args.paths.split(",")
    asyncio.run(main(args.messages, args.sequential, args.repeat, args.profile, paths))
