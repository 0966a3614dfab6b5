"""An event's changelog from its ledger revisions: what changed from one to the next, field
by field (added, removed, renamed, retyped), limit by limit and policy by policy."""

from __future__ import annotations

import dataclasses
from collections import deque
from typing import Any

from google.protobuf.descriptor import Descriptor

from ...events._fields import FLAGS, LIMITS, POLICIES
from ...jetstream._ledger import PROTOBUF, LedgerEntry, LedgerRevision, ledger_key, message_class
from .._field_tables import field_sections
from .._ledger_events import ledger_catalog

__all__ = ["Change", "Revision", "changes", "revisions"]


@dataclasses.dataclass(frozen=True, slots=True)
class Change:
    kind: str
    """``added``, ``removed``, ``renamed`` or ``changed``."""
    text: str


@dataclasses.dataclass(frozen=True, slots=True)
class Revision:
    """One revision and how it differs from the one before (``changes`` empty for the first)."""

    revision: int
    entry: LedgerEntry
    changes: tuple[Change, ...]
    first: bool


def revisions(found: list[LedgerRevision]) -> list[Revision]:
    """The revisions, oldest first, each with its changes against the previous one."""
    out = []
    for i, rev in enumerate(found):
        diff = tuple(changes(found[i - 1].entry, rev.entry)) if i else ()
        out.append(Revision(rev.revision, rev.entry, diff, first=i == 0))
    return out


def changes(old: LedgerEntry, new: LedgerEntry) -> list[Change]:
    """What changed from ``old`` to ``new``: fields, then limits and policies, then the rest."""
    found = _field_changes(old, new)
    for row in LIMITS:
        key = ledger_key(row)
        before, after = getattr(old.limits, key, None), getattr(new.limits, key, None)
        if before != after:
            found.append(Change("changed", f"{row.label}: {row.text(before)} → {row.text(after)}"))
    for policy in POLICIES:
        before, after = getattr(old, policy.keyword), getattr(new, policy.keyword)
        if before != after:
            found.append(Change("changed", f"{policy.label}: {before} → {after}"))
    for flag in FLAGS:
        was, now = getattr(old, flag.keyword, False), getattr(new, flag.keyword, False)
        if was != now:
            found.append(Change("added" if now else "removed", f"{flag.label}: {flag.call}"))
    if old.schema.name != new.schema.name:
        found.append(Change("changed", f"schema: {old.schema.name} → {new.schema.name}"))
    if old.schema.content_type != new.schema.content_type:
        text = f"content type: {old.schema.content_type} → {new.schema.content_type}"
        found.append(Change("changed", text))
    if old.description != new.description:
        found.append(Change("changed", "description reworded"))
    return found


Fields = dict[str, dict[str, str]]
"""Section (``""``: the payload itself) -> field name -> its type."""


def _fields(entry: LedgerEntry) -> Fields:
    events, schemas = ledger_catalog([entry])
    event = events.get(entry.event)
    return {
        section.title or "": {name: kind for name, kind, _ in section.rows}
        for section in field_sections(event, schemas)
        if not (section.title or "").startswith("enum ")
    }


def _numbers(entry: LedgerEntry) -> dict[str, dict[str, int]]:
    """Protobuf: section -> field name -> field number (a rename keeps the number)."""
    if entry.schema.content_type != PROTOBUF or entry.schema.descriptor_set is None:
        return {}
    root: Any = message_class(entry.schema).DESCRIPTOR  # pure-Python and upb stubs differ
    found: dict[str, dict[str, int]] = {}
    queue: deque[Descriptor] = deque([root])
    while queue:
        message = queue.popleft()
        key = "" if message is root else message.full_name
        if key in found:
            continue
        found[key] = {f.name: f.number for f in message.fields}
        queue.extend(f.message_type for f in message.fields if f.message_type is not None)
    return found


def _field_changes(old: LedgerEntry, new: LedgerEntry) -> list[Change]:
    before, after = _fields(old), _fields(new)
    old_numbers, new_numbers = _numbers(old), _numbers(new)
    found: list[Change] = []
    for section in [*after, *(s for s in before if s not in after)]:
        where = f"{section}." if section else ""
        if section not in before:
            found.append(Change("added", f"message {section} added"))
            continue
        if section not in after:
            found.append(Change("removed", f"message {section} no longer used"))
            continue
        was, now = before[section], after[section]
        removed = [n for n in was if n not in now]
        added = [n for n in now if n not in was]
        by_number = {old_numbers.get(section, {}).get(n): n for n in removed}
        for name in added:
            number = new_numbers.get(section, {}).get(name)
            if number is not None and number in by_number:
                old_name = by_number.pop(number)
                removed.remove(old_name)
                found.append(
                    Change("renamed", f"field {number} renamed: {where}{old_name} → {name}")
                )
            else:
                found.append(Change("added", f"field {where}{name} ({now[name]}) added"))
        found += [Change("removed", f"field {where}{name} removed") for name in removed]
        for name in now:
            if name in was and was[name] != now[name]:
                text = f"field {where}{name}: {was[name]} → {now[name]}"
                found.append(Change("changed", text))
    return found
