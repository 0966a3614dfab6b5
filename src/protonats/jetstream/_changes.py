"""One difference between a stream on the server and its declaration, in protonats' words."""

from __future__ import annotations

import dataclasses
from typing import Any

from ..events._fields import BY_JETSTREAM, FLAGS, Unit

__all__ = ["FLAG_FIELDS", "FieldChange"]

FLAG_FIELDS = {flag.jetstream: flag.keyword for flag in FLAGS}
"""``StreamConfig`` fields of the features an event turns on, by their ``Event`` keyword
(``allow_msg_ttl``: ``allow_ttl``). JetStream can turn each on for a stream, never off."""


@dataclasses.dataclass(frozen=True, slots=True)
class FieldChange:
    """One stream config field that differs between the server and the declaration.

    ``field`` is JetStream's ``StreamConfig`` field and ``old``/``new`` its values as the
    server has them (nanoseconds, ``-1`` for no limit); ``name``, ``value()`` and ``human()``
    (also ``str()``) say the same in protonats' words: ``messages: unlimited → 10``.
    """

    field: str
    old: Any
    new: Any

    @property
    def name(self) -> str:
        """The ``Limits`` keyword (``messages``) or ``Event`` policy (``storage``) changed;
        else the ``StreamConfig`` field (``subjects``, ``metadata``)."""
        row = BY_JETSTREAM.get(self.field)
        return row.keyword if row is not None else FLAG_FIELDS.get(self.field, self.field)

    def value(self, raw: Any) -> Any:
        """``raw`` (``old`` or ``new``) in ``Limits`` units: seconds, bytes, counts, ``None``
        for no limit; other fields as they are."""
        row = BY_JETSTREAM.get(self.field)
        if row is None or isinstance(raw, bool) or not isinstance(raw, int | float):
            return raw
        if raw < 0 or (raw == 0 and row.unit is Unit.SECONDS):
            return None
        return raw / row.scale if row.unit is Unit.SECONDS else int(raw)

    def human(self) -> str:
        """``messages: unlimited → 10``, ``age: 7 d → 1 d``, ``metadata: protonats.version:
        '1.0.0' → '1.1.0'``."""
        if self.field == "metadata" and isinstance(self.old, dict) and isinstance(self.new, dict):
            keys = sorted(k for k in {*self.old, *self.new} if self.old.get(k) != self.new.get(k))
            parts = [f"{k}: {_plain(self.old.get(k))} → {_plain(self.new.get(k))}" for k in keys]
            return "metadata: " + ", ".join(parts)
        return f"{self.name}: {self._text(self.old)} → {self._text(self.new)}"

    def __str__(self) -> str:
        return self.human()

    def _text(self, raw: Any) -> str:
        row = BY_JETSTREAM.get(self.field)
        value = self.value(raw)
        if row is not None and (value is None or isinstance(value, int | float)):
            return row.text(value)
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "none"
        return _plain(value)


def _plain(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:57] + "...")
    return str(getattr(value, "value", value))
