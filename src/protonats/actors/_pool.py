"""The threads sync handlers run in: daemon threads, so a handler that never returns cannot
keep the process alive after ``listen()`` (a ``ThreadPoolExecutor`` joins its threads at
interpreter exit, and Python cannot interrupt a thread)."""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from typing import Any, ParamSpec, TypeVar

__all__ = ["DaemonPool"]

P = ParamSpec("P")
T = TypeVar("T")
_Work = tuple[Future[Any], Callable[..., Any], tuple[Any, ...], dict[str, Any]]


class DaemonPool(Executor):
    """Runs calls in at most ``max_threads`` daemon threads, started as work arrives.

    Like ``ThreadPoolExecutor`` (an exception, ``SystemExit`` included, is the future's),
    except that nothing waits for its threads at exit: a thread blocked forever is
    abandoned when the process ends.
    """

    def __init__(self, max_threads: int | None, prefix: str) -> None:
        self._max = max_threads or min(32, (os.cpu_count() or 1) + 4)
        self._prefix = prefix
        self._work: queue.SimpleQueue[_Work | None] = queue.SimpleQueue()
        self._idle = threading.Semaphore(0)
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()
        with self._lock:
            if self._closed:
                raise RuntimeError("cannot run a handler after the pool is shut down")
            self._work.put((future, fn, args, kwargs))
            if not self._idle.acquire(blocking=False) and len(self._threads) < self._max:
                thread = threading.Thread(
                    target=self._run, name=f"{self._prefix}_{len(self._threads)}", daemon=True
                )
                thread.start()
                self._threads.append(thread)
        return future

    def _run(self) -> None:
        while True:
            work = self._work.get()
            if work is None:
                self._work.put(None)  # every thread sees the end
                return
            future, fn, args, kwargs = work
            del work
            if future.set_running_or_notify_cancel():
                try:
                    result = fn(*args, **kwargs)
                except BaseException as exc:  # the caller's to judge, SystemExit included
                    future.set_exception(exc)
                else:
                    future.set_result(result)
            del future, fn, args, kwargs
            self._idle.release()

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._closed = True
        if cancel_futures:
            while True:
                try:
                    work = self._work.get_nowait()
                except queue.Empty:
                    break
                if work is not None:
                    work[0].cancel()
        self._work.put(None)
        if wait:
            for thread in self._threads:
                thread.join()
