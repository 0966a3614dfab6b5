"""``CloudEvent``: CloudEvents 1.0 context attributes of one message, sent as ``ce-*`` headers
(the binary mode of the NATS protocol binding), as walnats' ``CloudEvent`` is."""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Mapping

__all__ = ["CloudEvent", "with_meta"]

HEADER_PREFIX = "ce-"


@dataclasses.dataclass(frozen=True, slots=True)
class CloudEvent:
    """What ``emit(..., meta=CloudEvent(...))`` sends as ``ce-*`` headers; its ``id`` is also
    the message's ``uid`` (``Nats-Msg-Id``) when no ``uid`` is given.

    The spec: https://github.com/cloudevents/spec/blob/v1.0/spec.md
    """

    id: str
    source: str
    type: str
    specversion: str = "1.0"
    datacontenttype: str | None = None
    dataschema: str | None = None
    subject: str | None = None
    time: datetime.datetime | None = None
    dataref: str | None = None
    partitionkey: str | None = None
    sampledrate: int | None = None
    sequence: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None

    def as_dict(self) -> dict[str, str | int]:
        """The attributes that are set, JSON-friendly (``time`` in RFC 3339, UTC when naive)."""
        out: dict[str, str | int] = {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if value is None:
                continue
            if isinstance(value, datetime.datetime):
                aware = value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
                value = aware.isoformat().replace("+00:00", "Z")
            out[field.name] = value
        return out

    def as_headers(self) -> dict[str, str]:
        """``ce-<attribute>`` headers of the attributes that are set."""
        return {f"{HEADER_PREFIX}{key}": str(value) for key, value in self.as_dict().items()}


def with_meta(
    headers: Mapping[str, str] | None, meta: Mapping[str, str] | CloudEvent | None, uid: str | None
) -> tuple[Mapping[str, str] | None, str | None]:
    """``emit``'s headers and uid once walnats' ``meta`` is applied: a mapping is extra headers,
    a ``CloudEvent`` its ``ce-*`` headers and, when no ``uid`` is given, its ``id`` as the uid.
    Explicit ``headers`` win over ``meta``'s."""
    if meta is None:
        return headers, uid
    if isinstance(meta, CloudEvent):
        extra = meta.as_headers()
        uid = uid if uid is not None else meta.id
    else:
        extra = dict(meta)
    if headers:
        extra.update(headers)
    return extra, uid
