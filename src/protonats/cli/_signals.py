"""Stopping a long-running command cleanly: SIGINT, SIGTERM and a closed pipe.

``run_stoppable`` runs a coroutine with SIGINT and SIGTERM turned into a cancellation of it,
so its ``finally`` blocks (deleting tail's consumer) run while the connection is still open,
and then exits with 130 or 143. A reader that goes away (``protonats tail ... | head -1``)
ends the command quietly with 0, as ``cat`` would.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer

from .._errors._cli import CommandStopped
from ._contract import EXIT_INTERRUPTED

__all__ = ["EXIT_TERMINATED", "run_stoppable"]

T = TypeVar("T")
EXIT_TERMINATED = 143
_STOPS = {signal.SIGINT: (EXIT_INTERRUPTED, "interrupted"), signal.SIGTERM: (143, "terminated")}


async def _guarded(coro: Coroutine[Any, Any, T]) -> T:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    received: list[int] = []

    def stop(signum: int) -> None:
        if not received and task is not None:
            received.append(signum)
            task.cancel()

    for signum in _STOPS:
        loop.add_signal_handler(signum, stop, signum)
    try:
        return await coro
    except asyncio.CancelledError:
        if received:
            raise CommandStopped(received[0]) from None
        raise
    finally:
        for signum in _STOPS:
            loop.remove_signal_handler(signum)


def run_stoppable(coro: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run(coro)``; a signal cancels it (cleanup runs) and exits 130/143."""
    try:
        return asyncio.run(_guarded(coro))
    except CommandStopped as stopped:
        code, what = _STOPS[signal.Signals(stopped.signum)]
        print(f"protonats: {what}", file=sys.stderr)
        raise typer.Exit(code) from None
    except BrokenPipeError:
        # The reader is gone: nothing more to say to it, and nothing wrong. Point stdout at
        # /dev/null so the interpreter's final flush does not raise again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(0) from None
