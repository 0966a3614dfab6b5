"""Actors against a raw nats-py consumer written as a skilled user would, in one run.

The baseline: a durable pull consumer, ``fetch`` of large batches, one asyncio task per
message bounded by a semaphore, decode with msgspec, ``ack`` per message. The actor: the
same handler as an ``Actor`` with ``listen()``. Both sides get the same messages (each run
reads the same stream through a fresh durable consumer) and the same concurrency.
Repetitions alternate which side runs first; the medians and their ratio are printed.
Starts its own nats-server (file storage).

    .venv/bin/python bench/actors.py [--messages 20000] [--repeat 5] [--memory 200000]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import gc
import itertools
import os
import statistics
import time
from collections.abc import Awaitable, Callable

import msgspec
import nats
from nats.aio.msg import Msg
from nats.js import api

from protonats import Actor, Actors, Event, Events
from protonats.testing import nats_server


@dataclasses.dataclass
class User:
    id: str
    name: str
    email: str


Handler = Callable[[User], Awaitable[None]]
_names = itertools.count()


async def noop(user: User) -> None:
    return None


async def io_bound(user: User) -> None:
    await asyncio.sleep(0.005)  # a 5 ms call to a database or an API


async def raw_side(
    url: str, event: Event[User], handler: Handler, n: int, jobs: int
) -> tuple[float, float]:
    """msgs/s and CPU µs/msg of the baseline: fetch(batch), a task per message under a
    semaphore, ack."""
    nc = await nats.connect(url)
    js = nc.jetstream()
    name = f"raw{next(_names)}"
    config = api.ConsumerConfig(durable_name=name, ack_policy=api.AckPolicy.EXPLICIT)
    await js.add_consumer(event.stream_name, config)
    psub = await js.pull_subscribe_bind(name, event.stream_name)
    decode = msgspec.json.Decoder(User).decode
    sem = asyncio.Semaphore(jobs)
    done = 0
    finished = asyncio.Event()
    tasks: set[asyncio.Task[None]] = set()

    async def handle(msg: Msg) -> None:
        nonlocal done
        try:
            await handler(decode(msg.data))
            await msg.ack()
        finally:
            sem.release()
        done += 1
        if done == n:
            ended.append(time.perf_counter())
            finished.set()

    ended: list[float] = []
    started, cpu = time.perf_counter(), time.process_time()
    while not finished.is_set():
        try:
            msgs = await psub.fetch(batch=max(jobs, 256), timeout=1)
        except (nats.errors.TimeoutError, TimeoutError):
            continue
        for msg in msgs:
            await sem.acquire()
            task = asyncio.create_task(handle(msg))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
    elapsed, cpu = ended[0] - started, time.process_time() - cpu
    await psub.unsubscribe()
    await nc.close()
    return n / elapsed, cpu / n * 1e6


async def actor_side(
    url: str, event: Event[User], handler: Handler, n: int, jobs: int
) -> tuple[float, float]:
    """msgs/s and CPU µs/msg of an Actor running the same handler with the same concurrency."""
    done = 0
    finished = asyncio.Event()

    async def handle(user: User) -> None:
        nonlocal done
        await handler(user)
        done += 1
        if done == n:
            finished.set()

    actor = Actor(f"actor{next(_names)}", event, handle, max_jobs=jobs)
    async with Actors(actor).connect(url) as conn:
        await conn.register()
        started, cpu = time.perf_counter(), time.process_time()
        task = asyncio.create_task(conn.listen(max_jobs=jobs, batch=256, handle_signals=False))
        await finished.wait()
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    return n / elapsed, cpu / n * 1e6


async def pair(
    url: str, event: Event[User], label: str, handler: Handler, n: int, jobs: int, repeat: int
) -> tuple[float, float]:
    raw: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    sides = [(raw_side, raw), (actor_side, ours)]
    for rep in range(repeat):
        for side, results in sides if rep % 2 == 0 else sides[::-1]:
            results.append(await side(url, event, handler, n, jobs))
    r = statistics.median(rate for rate, _ in raw)
    o = statistics.median(rate for rate, _ in ours)
    rc = statistics.median(cpu for _, cpu in raw)
    oc = statistics.median(cpu for _, cpu in ours)
    print(
        f"{label:<38} raw {r:>7,.0f} msg/s {rc:>4.0f} µs CPU/msg   "
        f"actor {o:>7,.0f} msg/s {oc:>4.0f} µs CPU/msg   ratio {o / r:.2f}x",
        flush=True,
    )
    return r, o


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and cores: the bench shares the machine."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} cores"


def rss_mib() -> float:
    with open(f"/proc/{os.getpid()}/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


async def memory(url: str, event: Event[User], n: int) -> float:
    """RSS every n/10 messages while one actor handles ``n`` (no-op handler)."""
    marks: list[tuple[int, float]] = []
    done = 0
    finished = asyncio.Event()
    step = n // 10

    async def handle(user: User) -> None:
        nonlocal done
        done += 1
        if done % step == 0:
            gc.collect()
            marks.append((done, rss_mib()))
        if done == n:
            finished.set()

    actor = Actor(f"mem{next(_names)}", event, handle, max_jobs=100)
    async with Actors(actor).connect(url) as conn:
        await conn.register()
        task = asyncio.create_task(conn.listen(max_jobs=100, batch=256, handle_signals=False))
        await finished.wait()
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    shown = "  ".join(f"{count // 1000}k:{mib:.1f}" for count, mib in marks)
    growth = marks[-1][1] - marks[1][1]
    print(f"memory over {n:,} messages (RSS MiB at each count): {shown}")
    print(f"growth from {marks[1][0]:,} to {n:,} messages: {growth:+.1f} MiB")
    return growth


async def fill(url: str, name: str, n: int) -> Event[User]:
    event = Event(name, User)
    users = [User(f"user-{i}", f"User {i}", f"user{i}@example.com") for i in range(n)]
    async with Events(event).connect(url) as conn:
        await conn.register()
        for start in range(0, n, 10_000):
            await conn.emit_many(event, users[start : start + 10_000])
    return event


async def main(count: int, repeat: int, mem: int) -> None:
    print(f"machine load before: {load()}", flush=True)
    with nats_server() as url:
        event = await fill(url, "bench-actors", count)
        raw_noop, noop_rate = await pair(
            url, event, "no-op handler, 100 jobs", noop, count, 100, repeat
        )
        await pair(url, event, "no-op handler, 16 jobs (the default)", noop, count, 16, repeat)
        _, ours = await pair(
            url, event, "I/O handler (5 ms sleep), 100 jobs", io_bound, count, 100, repeat
        )
        print(f"I/O handler: actor at {ours / 20_000:.0%} of the ideal 20,000 msg/s")
        growth = await memory(url, await fill(url, "bench-memory", mem), mem) if mem else None
    print(f"machine load after: {load()}")
    print("targets (issue #23):")
    verdict("I/O handler >= 80% of the ideal", f"{ours / 20_000:.0%}", ours >= 16_000)
    ratio = noop_rate / raw_noop
    verdict("no-op, 100 jobs >= the raw consumer", f"{ratio:.2f}x", ratio >= 1)
    if growth is not None:
        verdict(f"memory flat over {mem:,} messages", f"{growth:+.1f} MiB", growth < 5)


def verdict(target: str, figure: str, met: bool) -> None:
    print(f"  {target:<44} {figure:>10}  {'met' if met else 'missed'}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--memory", type=int, default=200_000, help="0 to skip")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.repeat, args.memory))
