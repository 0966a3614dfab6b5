"""Pull requests to a JetStream consumer, collected where the reader parses them.

nats-py's ``fetch`` waits for every message with its own ``wait_for`` and task wake-up; here
one pull request's messages are appended to a list as they arrive and the waiter wakes once,
when the batch is complete or the server says there is no more.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import TYPE_CHECKING

from .._errors import JetStreamError
from ._publish import Resolver

if TYPE_CHECKING:
    from nats.aio.client import Client
    from nats.aio.msg import Msg
    from nats.aio.subscription import Subscription

__all__ = ["Puller"]

_CONFLICT = "409"
_HEARTBEAT = "100"


class Puller:
    """Fetches batches from one durable or ephemeral pull consumer."""

    __slots__ = (
        "_batch",
        "_counter",
        "_done",
        "_limit",
        "_nc",
        "_prefix",
        "_request",
        "_sub",
        "_token",
    )

    def __init__(self, nc: Client, api_prefix: str, stream: str, consumer: str) -> None:
        self._nc = nc
        self._request = f"{api_prefix}.CONSUMER.MSG.NEXT.{stream}.{consumer}"
        self._prefix = ""
        self._counter = itertools.count()
        self._token = ""
        self._batch: list[Msg] = []
        self._limit = 0
        self._done: asyncio.Future[str] | None = None
        self._sub: Subscription | None = None

    async def start(self) -> None:
        self._prefix = self._nc.new_inbox() + "."
        sub = await self._nc.subscribe(self._prefix + "*", pending_bytes_limit=0)
        sub._pending_queue = Resolver(self._on_msg)  # type: ignore[assignment]
        self._sub = sub

    async def stop(self) -> None:
        if self._sub is not None:
            sub, self._sub = self._sub, None
            await sub.unsubscribe()

    async def fetch(self, batch: int, wait: float) -> list[Msg]:
        """Up to ``batch`` messages: what is there now, else the first to arrive in ``wait`` s."""
        msgs = await self._pull({"batch": batch, "no_wait": True}, wait=5.0)
        if msgs:
            return msgs
        expires = max(int(wait * 1e9), 1_000_000)
        return await self._pull({"batch": 1, "expires": expires}, wait=wait + 5.0)

    async def _pull(self, request: dict[str, object], wait: float) -> list[Msg]:
        if self._batch:  # messages that arrived after their request had ended
            strays, self._batch = self._batch, []
            return strays
        self._token = str(next(self._counter))
        batch = self._batch
        self._done = done = asyncio.get_running_loop().create_future()
        self._limit = int(str(request["batch"]))
        await self._nc.publish(
            self._request, json.dumps(request).encode(), reply=self._prefix + self._token
        )
        try:
            status = await asyncio.wait_for(done, wait)
        except TimeoutError:
            return batch  # the server went quiet: what arrived is still ours to handle
        finally:
            self._done = None
            self._batch = []  # what arrives from now on waits for the next fetch
        if status.startswith(_CONFLICT) and "Deleted" in status:
            raise JetStreamError(f"consumer of {self._request!r} was deleted: {status}")
        return batch

    def _on_msg(self, msg: Msg) -> None:
        headers = msg.headers
        if headers is not None and not msg.data and "Status" in headers:
            status = headers["Status"]
            if status == _HEARTBEAT or not msg.subject.endswith("." + self._token):
                return  # a heartbeat, or the end of an earlier request
            self._finish(f"{status} {headers.get('Description', '')}")
            return
        self._batch.append(msg)  # a real message, even one of an earlier request
        if len(self._batch) >= self._limit:
            self._finish("200")

    def _finish(self, status: str) -> None:
        done = self._done
        if done is not None and not done.done():
            done.set_result(status)
