"""The ledger's part of ``register``: the compatibility check before an event's stream is
touched, and the ledger record after it is in place. ``plan`` runs the check only."""

from __future__ import annotations

import dataclasses
from typing import Any

from .._errors import SchemaIncompatibleError
from ..events._event import Event
from ._config import _is_newer
from ._ledger import LedgerEntry, LedgerRevision, entry_for, same_registration
from ._ledger_compat import incompatibility
from ._ledger_kv import LedgerStore

__all__ = ["LedgerStep", "Prepared"]


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """One event's ledger state, read before its stream is touched."""

    current: LedgerRevision | None
    entry: LedgerEntry
    refusal: SchemaIncompatibleError | None


class LedgerStep:
    """Checks and records events against one ledger (``store`` is None: no ledger yet)."""

    def __init__(
        self, store: LedgerStore | None, version: str | None, *, allow_incompatible: bool
    ) -> None:
        self.store = store
        self.version = version
        self.allow_incompatible = allow_incompatible

    async def prepare(self, event: Event[Any]) -> Prepared:
        """Read the event's ledger entry and check the declaration's schema against it."""
        current = await self.store.get(event.name) if self.store is not None else None
        entry = entry_for(event, self.version)
        refusal = None
        if current is not None and not self.allow_incompatible and not self._older(current):
            refusal = incompatibility(current.entry, entry.schema)
        return Prepared(current, entry, refusal)

    async def record(self, prepared: Prepared) -> None:
        """Write the event's entry, unless the ledger already says the same or is newer."""
        current = prepared.current
        if self.store is None:
            return
        if current is not None and (
            self._older(current) or same_registration(current.entry, prepared.entry)
        ):
            return
        await self.store.write(prepared.entry, current.revision if current else None)

    def _older(self, current: LedgerRevision) -> bool:
        """Whether this registry is older than the one that wrote ``current``."""
        return _is_newer(current.entry.version, self.version)
