"""The breaking rules: ``compare`` the events of two sides and return ``Finding`` values with
stable rule ids (listed, with their purposes, in ``protonats_bufplugin._catalog``). Pure: no
buf, no files; ``buf-plugin-protonats`` runs them inside ``buf breaking``."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from ..events._fields import BY_KEYWORD, FLAGS, LIMITS, POLICIES, Guard, PolicyField
from ._decls import EventDecl, ImageDecls, Location
from ._schema_compat import enum_problems, oneof_problems, schema_problems

__all__ = ["Finding", "compare", "compare_images"]


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One breaking change: where, which rule, what happened and what to do instead."""

    rule: str
    location: Location
    message: str
    hint: str
    event: str | None = None
    message_type: str | None = None
    in_baseline: bool = False
    """``location`` is in the baseline (what was removed), not in the current files."""

    @property
    def text(self) -> str:
        """What happened and what to do instead, as one message."""
        return f"{self.message}; {self.hint}"


def compare(
    before: Sequence[EventDecl],
    after: Sequence[EventDecl],
    *,
    plain_after: Mapping[str, Location] | None = None,
) -> list[Finding]:
    """Every breaking change from the ``before`` events to the ``after`` events, sorted.

    ``plain_after`` names the messages of the new side that exist without the option; an event
    whose message is among them is reported as EVENT_OPTION_REMOVED, else as EVENT_REMOVED.
    """
    plain = plain_after or {}
    old = _by_name(before)
    new = _by_name(after)
    new_by_message = {e.message: e for e in reversed(after)}
    findings: list[Finding] = []
    for name, was in old.items():
        now = new.get(name)
        if now is None:
            findings.append(_gone(was, new_by_message.get(was.message), plain))
            continue
        if now.message != was.message:
            findings.append(
                Finding(
                    "EVENT_NAME_MOVED",
                    now.location,
                    f'event "{name}" moved from {was.message} to {now.message}; the messages '
                    f"already on its stream are {was.message} and consumers would decode them "
                    f"as {now.message} (the schema name in headers and stream metadata changes)",
                    f"keep {name!r} on {was.message} and give {now.message} a new event name",
                    name,
                    now.message,
                )
            )
        findings.extend(_check_schema(was, now))
        findings.extend(_check_stream(was, now))
        findings.extend(_check_limits(was, now))
        findings.extend(_check_flags(was, now))
    return sorted(findings, key=_order)


def compare_images(before: ImageDecls, after: ImageDecls) -> list[Finding]:
    """``compare`` on two read images, plus the extension-number rule."""
    findings = compare(before.events, after.events, plain_after=after.plain_messages)
    old, new = before.extension_number, after.extension_number
    if old is not None and new is not None and old != new:
        location = after.extension_location or Location("protonats/v1/options.proto")
        findings.append(
            Finding(
                "EVENT_EXTENSION_NUMBER_CHANGED",
                location,
                f"the (protonats.v1.event) extension number changed from {old} to {new}; "
                f"{len(before.events)} event(s) of the baseline are stored under {old}, and "
                "every plugin, runtime or descriptor built with the other number sees none",
                f"field number {old} is fixed forever: change it back to {old}",
            )
        )
    return sorted(findings, key=_order)


def _order(f: Finding) -> tuple[str, int, int, str, str]:
    return (f.location.file, f.location.line, f.location.column, f.rule, f.event or "")


def _by_name(events: Sequence[EventDecl]) -> dict[str, EventDecl]:
    out: dict[str, EventDecl] = {}
    for event in events:
        out.setdefault(event.name, event)  # duplicates are the registry's error; keep the first
    return out


def _gone(was: EventDecl, same_message: EventDecl | None, plain: Mapping[str, Location]) -> Finding:
    """EVENT_RENAMED if the message now declares another name, EVENT_OPTION_REMOVED if it is
    there without the option, else EVENT_REMOVED (reported where the baseline declared it)."""
    name = was.name
    if same_message is not None:
        return Finding(
            "EVENT_RENAMED",
            same_message.location,
            f'event "{name}" on {was.message} was renamed to "{same_message.name}"; the name '
            f'is the stream and subject, so "{same_message.name}" starts an empty stream while '
            f'"{name}" keeps the history and its consumers wait forever',
            f'keep the name "{name}"; declare a new message for a new event',
            name,
            was.message,
        )
    if was.message in plain:
        return Finding(
            "EVENT_OPTION_REMOVED",
            plain[was.message],
            f'{was.message} lost its (protonats.v1.event) option, so event "{name}" is no '
            "longer declared; its stream is orphaned and its consumers starve",
            f'restore option (protonats.v1.event) = {{ name: "{name}" }}',
            name,
            was.message,
        )
    return Finding(
        "EVENT_REMOVED",
        was.location,
        f'event "{name}" ({was.message}, declared at {was.location} in the baseline) was '
        "removed; its stream is orphaned and consumers of it starve",
        "keep the message and its option (deprecate it instead), or once the stream is "
        "retired accept this in buf.yaml (breaking: ignore_only: {EVENT_REMOVED: [path]})",
        name,
        was.message,
        in_baseline=True,
    )


def _check_schema(was: EventDecl, now: EventDecl) -> list[Finding]:
    """EVENT_SCHEMA_INCOMPATIBLE, EVENT_SCHEMA_ONEOF_CHANGED, EVENT_SCHEMA_ENUM_CHANGED: can
    the new message read what the old one stored? (See ``_schema_compat`` for what counts.)"""
    if was.schema is None or now.schema is None:
        return []
    return [
        Finding(rule, location, f'event "{now.name}" schema {now.message}: {what}', hint,
                now.name, now.message)
        for rule, problems in (
            ("EVENT_SCHEMA_INCOMPATIBLE", schema_problems),
            ("EVENT_SCHEMA_ONEOF_CHANGED", oneof_problems),
            ("EVENT_SCHEMA_ENUM_CHANGED", enum_problems),
        )
        for location, what, hint in problems(was.schema, now.schema, now.location)
    ]  # fmt: skip


def _check_stream(was: EventDecl, now: EventDecl) -> list[Finding]:
    """EVENT_STORAGE_CHANGED / EVENT_RETENTION_CHANGED (the policies JetStream cannot change):
    unspecified reads as the default."""
    out: list[Finding] = []
    for policy in POLICIES:
        old, new = getattr(was, policy.keyword), getattr(now, policy.keyword)
        if policy.rule is None or old == new:
            continue
        field, before, after = policy.keyword, _member(policy, old), _member(policy, new)
        out.append(
            Finding(
                policy.rule,
                now.location,
                f'event "{now.name}": {field} changed from {before} to {after}; JetStream cannot '
                f"change a stream's {field}, so register fails, and recreating the stream loses "
                "its messages",
                f"keep {field} {before}, or move to a new event name and migrate",
                now.name,
                now.message,
            )
        )
    return out


def _check_flags(was: EventDecl, now: EventDecl) -> list[Finding]:
    """EVENT_ALLOW_TTL_REMOVED, EVENT_ALLOW_ATOMIC_REMOVED, EVENT_ALLOW_DELAY_REMOVED: a
    feature producers rely on is turned off (JetStream cannot turn it off either)."""
    return [
        Finding(
            flag.rule,
            now.location,
            f'event "{now.name}": {flag.keyword} turned off; producers that call {flag.call} '
            "on it now fail"
            + (
                f", and JetStream cannot turn {flag.jetstream} off on the stream, so register "
                "refuses it"
                if flag.sticky
                else ""
            ),
            f"keep {flag.keyword}: true (or the limit that implies it), or move to a new event",
            now.name,
            now.message,
        )
        for flag in FLAGS
        if flag.rule is not None and flag.keyword in was.flags and flag.keyword not in now.flags
    ]


def _member(policy: PolicyField, value: int) -> str:
    member = policy.from_proto(value)
    return str(value) if member is None else member.name.lower()


def _check_limits(was: EventDecl, now: EventDecl) -> list[Finding]:
    """The limits rules, one per guarded row of ``LIMITS``, on applied values: unset is no
    limit or the server default (replicas 1; the duplicate window 2 minutes, or max_age if
    shorter). A LOWERED limit breaks when its new value is lower, a CHANGED one on any change."""
    out: list[Finding] = []
    for row in LIMITS:
        if row.rule is None:
            continue
        cap = BY_KEYWORD[row.capped_by] if row.capped_by else None
        old, new = (
            row.applied(d.limits.get(row), d.limits.get(cap) if cap else None, scale=row.scale)
            for d in (was, now)
        )
        if row.guard is Guard.CHANGED:
            if old == new:
                continue
            unset = "" if now.limits.get(row) is not None else " (server default)"
            what = f"{row.label} changed from {row.int_text(old)} to {row.int_text(new)}{unset}"
            hint = f"keep {row.proto} at {row.int_text(old)}"
        elif new is not None and (old is None or new < old):
            what = f"{row.proto} lowered from {row.int_text(old)} to {row.int_text(new)}"
            hint = f"keep {row.proto} at {row.int_text(old)} (raising a limit is safe)"
        else:
            continue
        out.append(
            Finding(
                row.rule,
                now.location,
                f'event "{now.name}": {what}; {row.consequence}',
                hint,
                now.name,
                now.message,
            )
        )
    return out
