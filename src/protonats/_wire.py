"""The wire contract: every header a protonats message carries, and how big headers are.

One module, read by emit, consume and tail, the catalog and the AsyncAPI document, so a header
is named once. Consumers in other languages rely on exactly these names.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CONTENT_TYPE",
    "EXPECTED_STREAM",
    "MSG_ID",
    "RESERVED",
    "SCHEMA",
    "TRACE_ID",
    "header_size",
]

CONTENT_TYPE = "Content-Type"
"""MIME type of the payload: ``application/protobuf``, ``application/json`` or
``application/octet-stream``."""
SCHEMA = "Protonats-Schema"
"""Full name of the payload's schema (``shop.v1.UserRegistered``)."""
EXPECTED_STREAM = "Nats-Expected-Stream"
"""The stream the message must land in; JetStream refuses it anywhere else."""
MSG_ID = "Nats-Msg-Id"
"""The emit's ``uid``: a message with a repeated id is stored once within the duplicate window."""
TRACE_ID = "Protonats-Trace-Id"
"""The emit's ``trace_id``, for correlating messages across services."""

RESERVED = frozenset({CONTENT_TYPE, SCHEMA, EXPECTED_STREAM, MSG_ID, TRACE_ID})
"""Headers protonats sets itself; user headers may not override them."""


def header_size(headers: Mapping[str, str]) -> int:
    """Bytes the headers take on the wire; JetStream counts them in the max message size."""
    return 12 + sum(len(k) + len(v) + 4 for k, v in headers.items())  # NATS/1.0 + CRLFs
