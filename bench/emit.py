"""Emit, emit_many and consume throughput against raw nats-py, measured in one run.

Starts its own nats-server (file storage). Repetitions alternate which side runs first, so
machine noise hits both alike; prints the median msgs/s of each side and their ratio.

    .venv/bin/python bench/emit.py [--messages 5000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import statistics
import time
from collections.abc import Awaitable, Callable

import msgspec
import nats

from protonats import ConnectedEvents, Event, Events
from protonats.testing import nats_server


@dataclasses.dataclass
class User:
    id: str
    name: str
    email: str


USERS = [User(f"user-{i}", f"User {i}", f"user{i}@example.com") for i in range(100_000)]
Side = Callable[[int], Awaitable[float]]


def rate(count: int, started: float) -> float:
    return count / (time.perf_counter() - started)


async def bench_pair(name: str, raw: Side, ours: Side, count: int, repeat: int) -> None:
    raw_rates: list[float] = []
    our_rates: list[float] = []
    for rep in range(repeat):
        order = [(raw, raw_rates), (ours, our_rates)]
        for side, rates in order if rep % 2 == 0 else order[::-1]:
            rates.append(await side(count))
    r, o = statistics.median(raw_rates), statistics.median(our_rates)
    print(f"{name:<42} raw {r:>9,.0f} msg/s   protonats {o:>9,.0f} msg/s   ratio {o / r:.2f}x")


async def main(count: int, repeat: int) -> None:
    with nats_server() as url:
        nc = await nats.connect(url)
        js = nc.jetstream()
        seq = iter(range(1_000_000))

        def fresh_event() -> Event[User]:
            return Event(f"bench-{next(seq)}", User)

        encoder = msgspec.json.Encoder()

        async def setup(event: Event[User]) -> ConnectedEvents:
            events = Events(event)
            conn = await events.connect(nc).__aenter__()
            await conn.register()
            return conn

        async def raw_publish(n: int) -> float:
            event = fresh_event()
            await setup(event)
            subject = event.subject_name
            started = time.perf_counter()
            for user in USERS[:n]:
                await js.publish(subject, encoder.encode(user))
            return rate(n, started)

        async def our_emit(n: int) -> float:
            event = fresh_event()
            conn = await setup(event)
            started = time.perf_counter()
            for user in USERS[:n]:
                await conn.emit(event, user)
            return rate(n, started)

        async def raw_publish_async(n: int) -> float:
            event = fresh_event()
            await setup(event)
            subject = event.subject_name
            started = time.perf_counter()
            futures = [await js.publish_async(subject, encoder.encode(u)) for u in USERS[:n]]
            await asyncio.gather(*futures)
            return rate(n, started)

        async def our_emit_many(n: int) -> float:
            event = fresh_event()
            conn = await setup(event)
            started = time.perf_counter()
            await conn.emit_many(event, USERS[:n])
            return rate(n, started)

        decoder = msgspec.json.Decoder(User)

        async def filled(n: int) -> tuple[Event[User], ConnectedEvents]:
            event = fresh_event()
            conn = await setup(event)
            await conn.emit_many(event, USERS[:n])
            return event, conn

        async def raw_pull(n: int) -> float:
            event, _ = await filled(n)
            sub = await js.pull_subscribe(event.subject_name, durable="raw")
            started = time.perf_counter()
            got = 0
            while got < n:
                for msg in await sub.fetch(1000, timeout=5):
                    decoder.decode(msg.data)  # the same decoding work as the typed side
                    await msg.ack()
                    got += 1
            result = rate(n, started)
            await sub.unsubscribe()
            return result

        async def our_consume(n: int) -> float:
            event, conn = await filled(n)
            started = time.perf_counter()
            got = 0
            deliveries = conn.consume(event, "typed", batch=1000)
            async for delivery in deliveries:
                delivery.data  # noqa: B018 - decode, as a handler would
                await delivery.ack()
                got += 1
                if got == n:
                    break
            await deliveries.aclose()
            return rate(n, started)

        print(f"{count} messages a side, median of {repeat} interleaved runs, file storage")
        await bench_pair(
            "acked publish, one at a time (js.publish)", raw_publish, our_emit, count, repeat
        )
        await bench_pair(
            "batch (publish_async + gather / emit_many)",
            raw_publish_async,
            our_emit_many,
            count,
            repeat,
        )
        await bench_pair(
            "pull fetch(1000) + ack / consume + ack", raw_pull, our_consume, count, repeat
        )
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.repeat))
