"""The ledger's part of ``register``: the compatibility check before an event's stream is
touched, and the ledger record after it is in place. ``plan`` runs the check only."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable
from typing import Any

from .._errors import LedgerError, SchemaIncompatibleError
from ..events._event import Event
from ..events._fingerprint import fingerprint
from ._config import _is_newer
from ._ledger import LedgerEntry, LedgerRevision, entry_for, same_registration
from ._ledger_compat import incompatibility
from ._ledger_kv import LedgerStore

__all__ = ["LedgerStep", "Prepared"]

log = logging.getLogger("protonats")


@dataclasses.dataclass(frozen=True, slots=True)
class Prepared:
    """One event's ledger state, read before its stream is touched; ``entry`` is what to
    record, ``None`` when the ledger already says it."""

    current: LedgerRevision | None
    entry: LedgerEntry | None
    refusal: SchemaIncompatibleError | None
    repair: LedgerError | None = None
    """The current entry is invalid (this error says why): ``entry`` replaces it."""


class LedgerStep:
    """Checks and records events against one ledger (``store`` is None: no ledger yet)."""

    def __init__(
        self, store: LedgerStore | None, version: str | None, *, allow_incompatible: bool
    ) -> None:
        self.store = store
        self.version = version
        self.allow_incompatible = allow_incompatible
        self._current: dict[str, LedgerRevision] = {}
        self._invalid: dict[str, LedgerError] = {}

    async def load(self, events: Iterable[Event[Any]]) -> None:
        """Read the current entries of ``events`` (under the register lock: they stay so)."""
        if self.store is not None:
            names = [e.name for e in events]
            self._current = await self.store.current(names, invalid=self._invalid)

    def prepare(self, event: Event[Any]) -> Prepared:
        """Check the declaration against the event's ledger entry (read by ``load``). An
        invalid entry, or one that says the same version and fingerprint but differs from
        what this registry writes (edited or corrupted), is rewritten, with a WARNING."""
        invalid = self._invalid.get(event.name)
        declared = fingerprint(event)
        entry = entry_for(event, self.version, declared=declared)
        if invalid is not None:
            log.warning("protonats: %s; register rewrites it", invalid)
            return Prepared(None, entry, None, invalid)
        current = self._current.get(event.name)
        if current is not None and self._recorded(current.entry, event, declared):
            if same_registration(current.entry, entry):
                return Prepared(current, None, None)  # the common case: nothing changed
            log.warning(
                "protonats: event %r: the ledger entry at revision %d says version %s and this "
                "fingerprint but differs from what this registry writes (edited by hand or "
                "corrupted); register rewrites it",
                event.name, current.revision, current.entry.version or "unversioned",
            )  # fmt: skip
            return Prepared(current, entry, None)
        refusal = None
        if current is not None and not self.allow_incompatible and not self._older(current):
            refusal = incompatibility(current.entry, entry.schema)
        return Prepared(current, entry, refusal)

    async def record(self, prepared: Prepared) -> None:
        """Write the event's entry, unless the ledger already says the same or is newer."""
        current = prepared.current
        if self.store is None or prepared.entry is None:
            return
        if current is not None and (
            self._older(current) or same_registration(current.entry, prepared.entry)
        ):
            return
        last = current.revision if current else None
        if prepared.repair is not None:
            last = prepared.repair.revision
        await self.store.write(prepared.entry, last)

    def _recorded(self, entry: LedgerEntry, event: Event[Any], declared: str) -> bool:
        """Whether ``entry`` already records ``event`` as this registry declares it."""
        return (
            entry.fingerprint == declared
            and entry.version == self.version
            and (entry.subject, entry.stream) == (event.subject_name, event.stream_name)
        )

    def _older(self, current: LedgerRevision) -> bool:
        """Whether this registry is older than the one that wrote ``current``."""
        return _is_newer(current.entry.version, self.version)
