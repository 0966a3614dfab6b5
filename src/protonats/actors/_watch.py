"""The watchdog of one actor's jobs: ``job_timeout`` and ``pulse``, one timer per actor."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from ..jetstream import _nats_msg as _io
from ..jetstream._nats import Msg

if TYPE_CHECKING:
    from ._runner import Runner

__all__ = ["Running", "watch"]


class Running:
    """A message in hand (a job's, or one waiting for a slot): its task, and when the
    server last heard about it."""

    __slots__ = ("answered", "msg", "started", "task")

    def __init__(self, msg: Msg, task: asyncio.Task[Any] | None, started: float) -> None:
        self.msg = msg
        self.task = task
        self.started = started
        self.answered = started


async def watch(runner: Runner) -> None:
    """Cancel jobs past ``job_timeout``, and (``pulse``) tell the server that jobs running
    for ``ack_wait / 2`` are still in progress; so too for messages in hand waiting for a
    shared slot (whatever ``pulse``: the wait is ours, not the handler's).

    It ticks every quarter of the shorter of the two, so a job is cancelled at most a
    quarter late, and the server hears from a running job at least every 3/4 ack_wait.
    """
    actor = runner.actor
    tick = min(actor.job_timeout, actor.ack_wait) / 4
    every = actor.ack_wait / 2
    while True:
        await asyncio.sleep(tick)
        now = time.monotonic()
        for key, job in list(runner.running.items()):
            if now - job.started >= actor.job_timeout:
                if key not in runner.timed_out and job.task is not None:
                    runner.timed_out.add(key)
                    job.task.cancel()
            elif actor.pulse and now - job.answered >= every - tick / 2:
                job.answered = now
                await _io.in_progress(job.msg)
        for job in list(runner.held.values()):
            if now - job.answered >= every - tick / 2:
                job.answered = now
                await _io.in_progress(job.msg)
