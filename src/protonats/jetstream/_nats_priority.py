"""Consumer priority groups (nats-server 2.11+, ADR-42), which nats-py's ``ConsumerConfig``
does not carry: the config with its three fields, and reading it back from the server.

Part of the boundary: only ``Link`` calls ``read_consumer_config``.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from nats.aio.client import Client
from nats.js import api
from nats.js import errors as js_errors

__all__ = ["NS", "PriorityConsumerConfig", "read_consumer_config"]

NS = 1_000_000_000


@dataclasses.dataclass
class PriorityConsumerConfig(api.ConsumerConfig):
    """nats-py's ``ConsumerConfig`` with ADR-42's fields; ``priority_timeout`` in seconds."""

    priority_groups: list[str] | None = None
    priority_policy: str | None = None
    """``pinned_client`` or ``overflow``."""
    priority_timeout: float | None = None
    """Seconds without a pull from the pinned client before the server pins another."""

    @classmethod
    def from_response(cls, resp: dict[str, Any]) -> PriorityConsumerConfig:
        timeout = resp.get("priority_timeout")
        if timeout is not None:
            resp["priority_timeout"] = timeout / NS
        config: PriorityConsumerConfig = super().from_response(resp)
        return config

    def as_dict(self) -> dict[str, object]:
        result = super().as_dict()
        if self.priority_timeout is not None:
            result["priority_timeout"] = round(self.priority_timeout * NS)
        return result


async def read_consumer_config(
    nc: Client, prefix: str, stream: str, name: str, within: float
) -> PriorityConsumerConfig:
    """The consumer's config as the server has it, priority fields included; nats-py's
    ``NotFoundError`` (and its other errors) when the server refuses."""
    msg = await nc.request(f"{prefix}.CONSUMER.INFO.{stream}.{name}", b"", timeout=within)
    resp = json.loads(msg.data or b"{}")
    if "error" in resp:
        js_errors.APIError.from_error(resp["error"])  # raises the matching error
    return PriorityConsumerConfig.from_response(dict(resp.get("config") or {}))
