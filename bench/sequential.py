"""Where a sequential emit's time goes: the client's CPU and the server's, per message.

One message at a time, each waiting for its ack, is a ping-pong: the wall time of a message is
about this process's CPU plus nats-server's (each waits for the other). Starts its own
nats-server (file storage) and measures, interleaved, medians of ``--repeat`` repetitions:
protonats ``emit``, stock ``js.publish`` without headers, and ``js.publish`` with the three
headers protonats sends. The server's CPU is read from ``/proc/<pid>/stat`` (Linux; 10 ms
ticks, so use a few thousand messages).

    .venv/bin/python bench/sequential.py [--messages 4000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

import nats
from emit import USERS, User, encode, headers_of
from fast_ingest import cpu_of, server_pid

from protonats import Event, Events, Storage
from protonats.testing import nats_server

SIDES = ("protonats emit", "stock js.publish, no headers", "js.publish, the same 3 headers")


async def main(count: int, repeat: int) -> None:
    with nats_server() as url:
        pid = server_pid(url)
        nc = await nats.connect(url)
        js = nc.jetstream()
        results: dict[str, list[tuple[float, float, float]]] = {side: [] for side in SIDES}
        for rep in range(repeat):
            order = SIDES[rep % 3 :] + SIDES[: rep % 3]
            for side in order:
                event = Event(f"seq-{rep}-{SIDES.index(side)}", User, storage=Storage.FILE)
                async with Events(event).connect(nc) as conn:
                    await conn.register()
                    headers = headers_of(event)
                    payloads = [encode(user) for user in USERS[:count]]
                    wall, cpu, server = time.perf_counter(), time.process_time(), cpu_of(pid)
                    if side == SIDES[0]:
                        for user in USERS[:count]:
                            await conn.emit(event, user)
                    elif side == SIDES[1]:
                        for payload in payloads:
                            await js.publish(event.subject_name, payload)
                    else:
                        for payload in payloads:
                            await js.publish(event.subject_name, payload, headers=headers)
                    results[side].append(
                        (
                            count / (time.perf_counter() - wall),
                            (time.process_time() - cpu) / count * 1e6,
                            (cpu_of(pid) - server) / count * 1e6,
                        )
                    )
        await nc.close()
    print(f"{count} messages a side, median of {repeat}; per message:")
    for side, runs in results.items():
        rate = statistics.median(r for r, _, _ in runs)
        client = statistics.median(c for _, c, _ in runs)
        server = statistics.median(s for _, _, s in runs)
        print(
            f"  {side:<34} {rate:>7,.0f} msg/s  wall {1e6 / rate:5.1f} us  "
            f"client CPU {client:5.1f} us  nats-server CPU {server:5.1f} us"
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=4000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(main(args.messages, args.repeat))
