"""A registrant process for the register race tests: reads commands from stdin, one a line,
and answers each with one JSON line, so a test can start several at the same moment.

    register URL PREFIX COUNT VERSION   register events PREFIX-0..COUNT-1 as registry VERSION
    hold URL                            take the register lock and keep it (until killed)
"""

from __future__ import annotations

import asyncio
import json
import sys
from typing import Any

from protonats import Event, Events, Limits, NewerRegistryError, ProtonatsError

from .models import User

LIMITS = {
    "0.5.0": Limits(messages=50, age=600),
    "1.0.0": Limits(messages=100, age=1200),
    "2.0.0": Limits(messages=200, age=2400),
}


def registry(prefix: str, count: int, version: str) -> Events:
    """``count`` events whose limits depend on ``version``."""
    return Events(
        *(Event(f"{prefix}-{i}", User, limits=LIMITS[version]) for i in range(count)),
        version=version,
    )


async def register(url: str, prefix: str, count: int, version: str) -> dict[str, Any]:
    try:
        async with registry(prefix, count, version).connect(url) as conn:
            plans = await conn.register()
    except NewerRegistryError as exc:
        return {"ok": False, "error": "NewerRegistryError", "message": str(exc)}
    except ProtonatsError as exc:
        return {"ok": False, "error": type(exc).__name__, "message": str(exc)}
    return {"ok": True, "actions": {p.event: p.action.value for p in plans}}


async def hold(url: str) -> None:
    from protonats.jetstream._ledger_kv import LedgerStore
    from protonats.jetstream._nats import Link

    async with Events().connect(url) as conn:
        store = await LedgerStore.ensure(Link(conn.client), replicas=1)
        async with store.lock():
            print(json.dumps({"ok": True, "locked": True}), flush=True)
            await asyncio.Event().wait()  # until SIGKILL


async def main() -> None:
    loop = asyncio.get_running_loop()
    while line := await loop.run_in_executor(None, sys.stdin.readline):
        command, url, *args = line.split()
        if command == "hold":
            await hold(url)
        prefix, count, version = args
        print(json.dumps(await register(url, prefix, int(count), version)), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
