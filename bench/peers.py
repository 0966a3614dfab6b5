"""protonats next to walnats, FastStream and raw nats-py on three workloads, in one run.

Runs in its own venv (``make bench-peers`` creates ``.venv-peers`` with the pinned versions of
``requirements/peers.txt``; none of them is a dependency of protonats). Starts its own
nats-server (file storage, R1). Every repetition runs each side once, in a rotated order, on
a fresh stream (emit) or a fresh durable consumer (handle); the table shows each side's median
msg/s and this process's CPU µs per message (the client's own cost).

Settings, the same for every side:
  * sequential acked emit: one message at a time, each waiting for its JetStream ack
    (walnats ``emit(sync=True)``, FastStream ``publish(stream=, timeout=10)``, raw
    ``js.publish``; nats-py's default timeout is 5 s, FastStream's shorter one failed under load).
  * batch emit: ``WINDOW`` (1024) acks in flight (protonats ``emit_many``; the others
    ``asyncio.gather`` over chunks of 1024 of their acked publish); protonats also with
    ``allow_batched`` (fast-ingest batches, nats-server 2.14+).
  * handle through a durable consumer, no-op handler: ``JOBS`` (100) handlers at once, pull
    batches of ``BATCH`` (100), explicit ack after the handler (protonats and walnats
    ``listen(max_jobs=100, batch=100)``, FastStream ``PullSub(100)`` with ``max_workers=100``
    and ``logger=None`` (no per-message logging), raw ``fetch(100)`` then ack each).

    .venv-peers/bin/python bench/peers.py [--messages 10000] [--sequential 3000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import importlib.metadata
import itertools
import os
import platform
import statistics
import time
from collections.abc import Awaitable, Callable

import nats
import walnats
from faststream.nats import JStream, NatsBroker, PullSub
from nats.js import api

import protonats
from protonats.testing import find_nats_server, nats_server


@dataclasses.dataclass
class User:
    id: str
    name: str
    email: str


WINDOW = 1024
JOBS = 100
BATCH = 100
USERS = [User(f"user-{i}", f"User {i}", f"user{i}@example.com") for i in range(50_000)]
Side = Callable[[int], Awaitable[tuple[float, float]]]
_names = itertools.count()


def fresh(prefix: str) -> str:
    return f"{prefix}-{next(_names)}"


class Clock:
    """msg/s and this process's CPU µs per message since it was made."""

    def __init__(self) -> None:
        self.wall, self.cpu = time.perf_counter(), time.process_time()

    def done(self, count: int) -> tuple[float, float]:
        wall, cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu
        return count / wall, cpu / count * 1e6


def chunks(items: list[User], size: int) -> list[list[User]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


class Counter:
    """Counts handled messages; ``finished`` once ``target`` are."""

    def __init__(self, target: int) -> None:
        self.target = target
        self.count = 0
        self.finished = asyncio.Event()

    def hit(self) -> None:
        self.count += 1
        if self.count >= self.target:
            self.finished.set()


async def main(count: int, sequential: int, repeat: int, only: list[str]) -> None:
    load = os.getloadavg()
    print(
        f"Python {platform.python_version()}, nats-server file storage R1 "
        f"({find_nats_server()}); protonats {importlib.metadata.version('protonats')}, "
        f"nats-py {importlib.metadata.version('nats-py')}, walnats "
        f"{importlib.metadata.version('walnats')}, FastStream "
        f"{importlib.metadata.version('faststream')}; load average {load[0]:.2f} "
        f"{load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores; {count} messages "
        f"({sequential} sequential), {repeat} interleaved repetitions, medians",
        flush=True,
    )
    with nats_server() as url:
        nc = await nats.connect(url)
        js = nc.jetstream()

        async def raw_stream(name: str) -> None:
            await js.add_stream(
                api.StreamConfig(name=name, subjects=[name], storage=api.StorageType.FILE)
            )

        # --- protonats ---------------------------------------------------------------------

        async def pn_seq(n: int) -> tuple[float, float]:
            event = protonats.Event(fresh("pn"), User)
            async with protonats.Events(event).connect(url) as conn:
                await conn.register()
                clock = Clock()
                for user in USERS[:n]:
                    await conn.emit(event, user)
                return clock.done(n)

        async def pn_many(n: int, batched: bool = False) -> tuple[float, float]:
            event = protonats.Event(fresh("pn"), User, allow_batched=batched)
            async with protonats.Events(event).connect(url) as conn:
                await conn.register()
                clock = Clock()
                await conn.emit_many(event, USERS[:n])
                return clock.done(n)

        async def pn_fast(n: int) -> tuple[float, float]:
            return await pn_many(n, batched=True)

        async def pn_handle(n: int) -> tuple[float, float]:
            event = protonats.Event(fresh("pn"), User)
            async with protonats.Events(event).connect(url) as conn:
                await conn.register()
                await conn.emit_many(event, USERS[:n])
            counter = Counter(n)

            async def handler(user: User) -> None:
                counter.hit()

            actor = protonats.Actor("noop", event, handler, max_jobs=JOBS)
            async with protonats.Actors(actor).connect(url) as conn:
                await conn.register()
                clock = Clock()
                task = asyncio.create_task(
                    conn.listen(max_jobs=JOBS, batch=BATCH, handle_signals=False)
                )
                await counter.finished.wait()
                result = clock.done(n)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            return result

        # --- raw nats-py -------------------------------------------------------------------

        encode = protonats.Event("enc", User).encode

        async def raw_seq(n: int) -> tuple[float, float]:
            name = fresh("raw")
            await raw_stream(name)
            clock = Clock()
            for user in USERS[:n]:
                await js.publish(name, encode(user))
            return clock.done(n)

        async def raw_many(n: int) -> tuple[float, float]:
            name = fresh("raw")
            await raw_stream(name)
            clock = Clock()
            for chunk in chunks(USERS[:n], WINDOW):
                await asyncio.gather(*(js.publish(name, encode(u)) for u in chunk))
            return clock.done(n)

        async def raw_handle(n: int) -> tuple[float, float]:
            name = fresh("raw")
            await raw_stream(name)
            for chunk in chunks(USERS[:n], WINDOW):
                await asyncio.gather(*(js.publish(name, encode(u)) for u in chunk))
            sub = await js.pull_subscribe(name, durable="noop", stream=name)
            decode = protonats.Event("dec", User).decode
            clock = Clock()
            done = 0
            while done < n:
                for msg in await sub.fetch(BATCH, timeout=5):
                    decode(msg.data)
                    await msg.ack()
                    done += 1
            result = clock.done(n)
            await sub.unsubscribe()
            return result

        # --- walnats -----------------------------------------------------------------------

        async def wal_event() -> walnats.Event[User, None]:
            event: walnats.Event[User, None] = walnats.Event(fresh("wal"), User)
            async with walnats.Events(event).connect(url) as conn:
                await conn.register()
            return event

        async def wal_seq(n: int) -> tuple[float, float]:
            event = await wal_event()
            async with walnats.Events(event).connect(url) as conn:
                clock = Clock()
                for user in USERS[:n]:
                    await conn.emit(event, user, sync=True)
                return clock.done(n)

        async def wal_many(n: int) -> tuple[float, float]:
            event = await wal_event()
            async with walnats.Events(event).connect(url) as conn:
                clock = Clock()
                for chunk in chunks(USERS[:n], WINDOW):
                    await asyncio.gather(*(conn.emit(event, u, sync=True) for u in chunk))
                return clock.done(n)

        async def wal_handle(n: int) -> tuple[float, float]:
            event = await wal_event()
            counter = Counter(n)

            async def handler(user: User) -> None:
                counter.hit()

            actor = walnats.Actor("noop", event, handler)
            async with walnats.Actors(actor).connect(url) as conn:
                await conn.register()  # first: walnats' streams keep messages by interest
                async with walnats.Events(event).connect(url) as events:
                    for chunk in chunks(USERS[:n], WINDOW):
                        await asyncio.gather(*(events.emit(event, u, sync=True) for u in chunk))
                clock = Clock()
                task = asyncio.create_task(conn.listen(max_jobs=JOBS, batch=BATCH))
                await counter.finished.wait()
                result = clock.done(n)
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            return result

        # --- FastStream --------------------------------------------------------------------

        async def fs_seq(n: int) -> tuple[float, float]:
            name = fresh("fs")
            await raw_stream(name)
            broker = NatsBroker(url, logger=None)
            await broker.connect()
            try:
                clock = Clock()
                for user in USERS[:n]:
                    await broker.publish(user, name, stream=name, timeout=10.0)
                return clock.done(n)
            finally:
                await broker.stop()

        async def fs_many(n: int) -> tuple[float, float]:
            name = fresh("fs")
            await raw_stream(name)
            broker = NatsBroker(url, logger=None)
            await broker.connect()
            try:
                clock = Clock()
                for chunk in chunks(USERS[:n], WINDOW):
                    await asyncio.gather(
                        *(broker.publish(u, name, stream=name, timeout=10.0) for u in chunk)
                    )
                return clock.done(n)
            finally:
                await broker.stop()

        async def fs_handle(n: int) -> tuple[float, float]:
            name = fresh("fs")
            await raw_stream(name)
            counter = Counter(n)
            broker = NatsBroker(url, logger=None)

            @broker.subscriber(  # type: ignore[misc]
                name,
                stream=JStream(name, declare=False),
                durable="noop",
                pull_sub=PullSub(BATCH),
                max_workers=JOBS,
            )
            async def handler(user: User) -> None:
                counter.hit()

            await broker.connect()
            for chunk in chunks(USERS[:n], WINDOW):
                await asyncio.gather(
                    *(broker.publish(u, name, stream=name, timeout=10.0) for u in chunk)
                )
            clock = Clock()
            await broker.start()
            try:
                await counter.finished.wait()
                return clock.done(n)
            finally:
                await broker.stop()

        workloads: list[tuple[str, int, dict[str, Side]]] = [
            (
                "sequential acked emit",
                sequential,
                {
                    "protonats emit": pn_seq,
                    "raw nats-py js.publish": raw_seq,
                    "walnats emit(sync=True)": wal_seq,
                    "FastStream publish(stream=)": fs_seq,
                },
            ),
            (
                f"batch emit, {WINDOW} in flight",
                count,
                {
                    "protonats emit_many": pn_many,
                    "protonats emit_many, allow_batched (fast-ingest)": pn_fast,
                    "raw nats-py gather(js.publish)": raw_many,
                    "walnats gather(emit(sync=True))": wal_many,
                    "FastStream gather(publish(stream=))": fs_many,
                },
            ),
            (
                f"handle through a durable consumer, no-op handler, {JOBS} jobs, batch {BATCH}",
                count,
                {
                    "protonats actor": pn_handle,
                    "raw nats-py fetch(100) + ack": raw_handle,
                    "walnats actor": wal_handle,
                    "FastStream subscriber": fs_handle,
                },
            ),
        ]
        for title, n, sides in workloads:
            sides = {k: v for k, v in sides.items() if not only or any(o in k for o in only)}
            if not sides:
                continue
            rates: dict[str, list[float]] = {label: [] for label in sides}
            cpus: dict[str, list[float]] = {label: [] for label in sides}
            order = list(sides)
            for rep in range(repeat):
                shift = rep % len(order)
                for label in order[shift:] + order[:shift]:
                    print(f"  ... {label}", flush=True)
                    async with asyncio.timeout(120):  # a side that hangs names itself
                        rate, cpu = await sides[label](n)
                    rates[label].append(rate)
                    cpus[label].append(cpu)
            print(f"\n{title} ({n} messages)", flush=True)
            for label in sides:
                print(
                    f"  {label:<50} {statistics.median(rates[label]):>9,.0f} msg/s "
                    f"{statistics.median(cpus[label]):>7.1f} µs CPU/msg",
                    flush=True,
                )
        await nc.close()
    load = os.getloadavg()
    print(f"\nload average after: {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--sequential", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated parts of side names")
    args = parser.parse_args()
    only = [part for part in args.only.split(",") if part]
    asyncio.run(main(args.messages, args.sequential, args.repeat, only))
