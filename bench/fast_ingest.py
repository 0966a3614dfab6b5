"""Where a fast-ingest batch's time goes: nats-py's floor, protonats' loop, both emit_many paths.

Starts its own nats-server (file storage) and measures, per message, wall time, this
process's CPU and the server's CPU (``/proc/<pid>/stat``, Linux; 10 ms ticks, so use batches
of 100,000), interleaved, medians of ``--repeat`` repetitions:

  * floor: a bare loop of ``nc.publish`` with the three headers every protonats message
    carries and fast-ingest-shaped reply subjects, to a subject nobody listens to, nothing
    awaited -- the least a message costs a client that sends it through nats-py.
  * floor, no headers: the same with ``headers=None`` (what the three headers cost).
  * protonats' loop: ``Link.publish_run`` over the same messages (floor + protonats' loop).
  * fast-ingest: ``emit_many`` of an ``allow_batched`` event (encoding, flow control, acks).
  * acked: ``emit_many`` of a plain event (an ack per message).

    .venv/bin/python bench/fast_ingest.py [--messages 100000] [--repeat 5] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import itertools
import os
import pstats
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import nats
from emit import USERS, User, encode, headers_of
from nats.aio.client import Client

from protonats import ConnectedEvents, Event, Events, Storage
from protonats.jetstream._nats import Link
from protonats.testing import nats_server

Run = Callable[[], Awaitable[object]]
NOWHERE = "bench.floor.nowhere"


def server_pid(url: str) -> int | None:
    """The nats-server process listening on ``url``'s port (this script started it)."""
    port = url.rsplit(":", 1)[1].encode()
    with contextlib.suppress(OSError):
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError):
                args = (entry / "cmdline").read_bytes().split(b"\0")
                if args[0].endswith(b"nats-server") and port in args:
                    return int(entry.name)
    return None


def cpu_of(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (0 when unknown)."""
    if pid is None:
        return 0.0
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(count: int, repeat: int, profile: bool) -> None:
    with nats_server() as url:
        pid = server_pid(url)
        nc = await nats.connect(url)
        seq = itertools.count()
        opened: list[contextlib.AbstractAsyncContextManager[ConnectedEvents]] = []

        async def fresh(batched: bool) -> tuple[Event[User], ConnectedEvents]:
            event = Event(f"fi-{next(seq)}", User, storage=Storage.FILE, allow_batched=batched)
            context = Events(event).connect(nc)
            conn = await context.__aenter__()
            opened.append(context)
            await conn.register()
            return event, conn

        async def emit_many(batched: bool) -> Run:
            event, conn = await fresh(batched)
            users = USERS[:count]
            return lambda: conn.emit_many(event, users)

        async def floor(with_headers: bool) -> Run:
            event, _ = await fresh(False)
            headers = headers_of(event) if with_headers else None
            payloads = [encode(user) for user in USERS[:count]]
            base = f"{nc.new_inbox()}.500.fail."

            async def run() -> None:
                publish = nc.publish
                for position, payload in enumerate(payloads):
                    await publish(NOWHERE, payload, f"{base}{position + 1}.1.$FI", headers)
                await nc.flush()

            return run

        async def our_loop() -> Run:
            event, _ = await fresh(False)
            link = Link(nc)
            payloads = [encode(user) for user in USERS[:count]]
            headers = [headers_of(event)] * count
            base = f"{nc.new_inbox()}.500.fail."

            async def run() -> None:
                position = 0
                while position < count:  # stops where the client's buffer is full
                    position = await link.publish_run(
                        NOWHERE, payloads, headers, position, count, (base, 1, ".1.$FI")
                    )
                    await nc.flush()

            return run

        sides: dict[str, Callable[[], Awaitable[Run]]] = {
            "floor: nc.publish, 3 headers, no waiting": lambda: floor(True),
            "floor: nc.publish, no headers, no waiting": lambda: floor(False),
            "protonats' loop (publish_run), 3 headers": our_loop,
            "emit_many, fast-ingest (allow_batched)": lambda: emit_many(True),
            "emit_many, acked": lambda: emit_many(False),
        }
        if profile:
            run = await emit_many(True)
            profiler = cProfile.Profile()
            profiler.enable()
            await run()
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(16)
            await close(nc, opened)
            return
        figures: dict[str, list[tuple[float, float, float]]] = {label: [] for label in sides}
        for rep in range(repeat):
            order = list(sides)
            for label in order[rep % len(order) :] + order[: rep % len(order)]:
                run = await sides[label]()
                server = cpu_of(pid)
                wall, cpu = time.perf_counter(), time.process_time()
                await run()
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                figures[label].append((wall / count, cpu / count, (cpu_of(pid) - server) / count))
                await close(None, opened)
        load = " ".join(f"{avg:.1f}" for avg in os.getloadavg())
        print(f"{count} messages a side, {repeat} interleaved repetitions, medians; load {load}")
        print(f"  {'':<44} {'msg/s':>9} {'wall us':>8} {'client CPU us':>14} {'server CPU us':>14}")
        for label, rows in figures.items():
            wall, cpu, server = (statistics.median(row[i] for row in rows) for i in range(3))
            print(f"  {label:<44} {1 / wall:>9,.0f} {wall * 1e6:>8.2f} {cpu * 1e6:>14.2f} ", end="")
            print(f"{server * 1e6:>14.2f}" if pid is not None else f"{'?':>14}")
        await nc.close()


async def close(
    nc: Client | None, opened: list[contextlib.AbstractAsyncContextManager[ConnectedEvents]]
) -> None:
    while opened:
        await opened.pop().__aexit__(None, None, None)
    if nc is not None:
        await nc.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="profile one fast-ingest batch")
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.repeat, args.profile))
