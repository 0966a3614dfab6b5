"""``protonats breaking``: the event-level breaking-change gate that ``buf breaking`` cannot be.

``buf breaking`` protects the wire format but not our option values: renaming an event, moving a
name to another message, dropping the option or lowering a limit all pass it, and each loses or
splits data in production. This module builds both sides with ``buf build`` (see ``_images``),
compares the declared events, and reports every change with a stable rule id::

    python -m protonats._breaking --against '.git#ref=origin/main'
    python -m protonats._breaking --against image.binpb --format json

Exit codes: 0 nothing breaking (or everything allowed), 100 breaking changes found (as buf),
1 usage, configuration or build error (one line on stderr).

Rules (what exactly each checks is in ``RULES`` and the docstrings of the ``_check_*`` helpers):

=================================  ==============================================================
EVENT_REMOVED                      an event name is gone and so is its message
EVENT_OPTION_REMOVED               the message is still there but lost ``(protonats.v1.event)``
EVENT_RENAMED                      the same message now declares another name
EVENT_NAME_MOVED                   the same name is now declared on another message type
EVENT_SCHEMA_INCOMPATIBLE          the event's message cannot read what is already stored
EVENT_STORAGE_CHANGED              storage differs (unspecified = file)
EVENT_RETENTION_CHANGED            retention differs (unspecified = limits)
EVENT_REPLICAS_LOWERED             fewer replicas (unset = 1)
EVENT_MAX_AGE_LOWERED              lower max_age, or unset (unlimited) -> set
EVENT_MAX_BYTES_LOWERED            lower max_bytes, or unset -> set
EVENT_MAX_MESSAGES_LOWERED         lower max_messages, or unset -> set
EVENT_MAX_MESSAGE_SIZE_LOWERED     lower max_message_size, or unset -> set
EVENT_DUPLICATE_WINDOW_CHANGED     the effective window differs (unset = min(2 min, max_age))
EVENT_EXTENSION_NUMBER_CHANGED     ``protonats.v1.event`` declared with another field number
=================================  ==============================================================

A team accepts a deliberate break in ``pyproject.toml``; every entry needs a reason::

    [tool.protonats.breaking]
    allow = [
      { rule = "EVENT_MAX_AGE_LOWERED", event = "order-created", reason = "GDPR: keep 30 days" },
    ]

``event = "*"`` matches every event; EVENT_EXTENSION_NUMBER_CHANGED takes no event. Allowed
findings are still reported, as allowed, and do not fail the gate.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tomllib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, NoReturn, TextIO

from google.protobuf import descriptor_pb2

from ._images import (
    BuildError,
    EventDecl,
    FieldShape,
    ImageDecls,
    Location,
    build_image,
    local_paths,
    read_image,
)
from .v1 import options_pb2

__all__ = [
    "EXIT_BREAKING",
    "RULES",
    "AllowEntry",
    "ConfigError",
    "Finding",
    "compare",
    "compare_images",
    "load_allow_list",
    "main",
    "run_breaking",
]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BREAKING = 100
"""What ``buf breaking`` exits with when it finds breaking changes."""

_DEFAULT_DUPLICATE_WINDOW = 120 * 1_000_000_000
_FIELD = descriptor_pb2.FieldDescriptorProto

RULES: Mapping[str, str] = {
    "EVENT_REMOVED": "an event was removed together with its message",
    "EVENT_OPTION_REMOVED": "a message lost its (protonats.v1.event) option",
    "EVENT_RENAMED": "a message declares its event under a new name",
    "EVENT_NAME_MOVED": "an event name was moved to another message type",
    "EVENT_SCHEMA_INCOMPATIBLE": "an event's message cannot read the messages already stored",
    "EVENT_STORAGE_CHANGED": "an event's stream storage changed",
    "EVENT_RETENTION_CHANGED": "an event's stream retention changed",
    "EVENT_REPLICAS_LOWERED": "an event's stream replicas were lowered",
    "EVENT_MAX_AGE_LOWERED": "an event's max_age was lowered or set",
    "EVENT_MAX_BYTES_LOWERED": "an event's max_bytes was lowered or set",
    "EVENT_MAX_MESSAGES_LOWERED": "an event's max_messages was lowered or set",
    "EVENT_MAX_MESSAGE_SIZE_LOWERED": "an event's max_message_size was lowered or set",
    "EVENT_DUPLICATE_WINDOW_CHANGED": "an event's effective duplicate window changed",
    "EVENT_EXTENSION_NUMBER_CHANGED": "the (protonats.v1.event) extension number changed",
}
"""Every rule id, with a one-line summary. Ids are stable: never rename one."""


@dataclasses.dataclass(frozen=True, slots=True)
class Finding:
    """One breaking change: where, which rule, what happened and what to do instead."""

    rule: str
    location: Location
    message: str
    hint: str
    event: str | None = None
    message_type: str | None = None
    allowed: bool = False
    reason: str = ""
    """The allow-list reason, when ``allowed``."""

    def text(self) -> str:
        """``file:line:col:RULE: message; hint`` (buf's text format, plus the rule id)."""
        line = f"{self.location}:{self.rule}: {self.message}; {self.hint}"
        return f"allowed: {line} (allowed because: {self.reason})" if self.allowed else line

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "path": self.location.file,
            "line": self.location.line,
            "column": self.location.column,
            "event": self.event,
            "message_type": self.message_type,
            "message": self.message,
            "hint": self.hint,
            "allowed": self.allowed,
            "reason": self.reason or None,
        }


# --- the rules -------------------------------------------------------------------------------


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
        f'event "{name}" ({was.message}, declared here in the baseline) was removed; its stream '
        "is orphaned and consumers of it starve",
        "keep the message and its option (deprecate it instead), or allow-list the removal "
        "once the stream is retired",
        name,
        was.message,
    )


_WIRE_GROUPS: tuple[frozenset[int], ...] = (
    frozenset(
        {_FIELD.TYPE_INT32, _FIELD.TYPE_INT64, _FIELD.TYPE_UINT32, _FIELD.TYPE_UINT64}
        | {_FIELD.TYPE_BOOL, _FIELD.TYPE_ENUM}
    ),
    frozenset({_FIELD.TYPE_SINT32, _FIELD.TYPE_SINT64}),
    frozenset({_FIELD.TYPE_FIXED32, _FIELD.TYPE_SFIXED32}),
    frozenset({_FIELD.TYPE_FIXED64, _FIELD.TYPE_SFIXED64}),
    frozenset({_FIELD.TYPE_MESSAGE}),  # another message type: its fields are compared too
)
_ONE_WAY = {(_FIELD.TYPE_STRING, _FIELD.TYPE_BYTES)}  # bytes -> string fails on non-UTF-8 data


def _type_name(field: FieldShape) -> str:
    if field.type_name:
        return field.type_name
    return _FIELD.Type.Name(field.type).removeprefix("TYPE_").lower()  # type: ignore[arg-type]


def _wire_compatible(old: int, new: int) -> bool:
    return old == new or (old, new) in _ONE_WAY or any(old in g and new in g for g in _WIRE_GROUPS)


def _check_schema(was: EventDecl, now: EventDecl) -> list[Finding]:
    """EVENT_SCHEMA_INCOMPATIBLE: can the new message read what the old one stored?

    Fields are matched by number, recursively into message-typed fields (cycles cut), and a
    problem is any of: a field removed without its number reserved; a type changed outside the
    wire-compatible groups (int32/int64/uint32/uint64/bool/enum; sint32/sint64;
    fixed32/sfixed32; fixed64/sfixed64; string -> bytes; any message -> message); repeated
    changed to or from singular; a required field added or an optional one made required.
    Names, comments, enum values and proto3 ``optional`` do not matter to stored bytes.
    """
    if was.schema is None or now.schema is None:
        return []
    old, new = was.schema, now.schema
    new_fields = {f.path: f for f in new.fields}
    old_paths = {f.path for f in old.fields}
    problems: list[tuple[Location, str, str]] = []
    broken: list[tuple[int, ...]] = []  # reported paths: their children are not reported again

    def under_broken(path: tuple[int, ...]) -> bool:
        return any(path[: len(b)] == b for b in broken)

    for field in old.fields:
        if under_broken(field.path):
            continue
        label = f'field {".".join(map(str, field.path))} "{field.name}"'
        got = new_fields.get(field.path)
        if got is None:
            if field.path[:-1] and field.path[:-1] not in new_fields:
                continue  # the parent is no longer a message; reported at the parent
            if not new.is_reserved(field.path):
                broken.append(field.path)
                problems.append(
                    (
                        now.location,
                        f"{label} was removed without reserving its number, so a new field "
                        "could reuse it and misread stored messages",
                        f"add `reserved {field.path[-1]};` where it was (and reserve the name)",
                    )
                )
            continue
        where = got.location or now.location
        if not _wire_compatible(field.type, got.type):
            broken.append(field.path)
            problems.append(
                (
                    where,
                    f"{label} changed type from {_type_name(field)} to {_type_name(got)}; "
                    "stored messages would not decode",
                    "add a new field with a new number and reserve the old one",
                )
            )
            continue
        repeated = (field.label == _FIELD.LABEL_REPEATED, got.label == _FIELD.LABEL_REPEATED)
        if repeated[0] != repeated[1]:
            broken.append(field.path)
            kinds = ["singular", "repeated"]
            problems.append(
                (
                    where,
                    f"{label} changed from {kinds[repeated[0]]} to {kinds[repeated[1]]}; "
                    "stored messages would decode wrong",
                    "add a new field with a new number and reserve the old one",
                )
            )
            continue
        if field.label != _FIELD.LABEL_REQUIRED and got.label == _FIELD.LABEL_REQUIRED:
            problems.append(
                (
                    where,
                    f"{label} became required; stored messages without it fail to decode",
                    "keep it optional",
                )
            )
    for field in new.fields:
        if field.path in old_paths or field.label != _FIELD.LABEL_REQUIRED:
            continue
        if field.path[:-1] and field.path[:-1] not in old_paths:
            continue  # inside a message-typed field that is itself new
        problems.append(
            (
                field.location or now.location,
                f'required field {".".join(map(str, field.path))} "{field.name}" was added; '
                "stored messages lack it and fail to decode",
                "make it optional",
            )
        )
    return [
        Finding(
            "EVENT_SCHEMA_INCOMPATIBLE",
            location,
            f'event "{now.name}" schema {now.message}: {what}',
            hint,
            now.name,
            now.message,
        )
        for location, what, hint in problems
    ]


def _check_stream(was: EventDecl, now: EventDecl) -> list[Finding]:
    """EVENT_STORAGE_CHANGED / EVENT_RETENTION_CHANGED: unspecified reads as the default."""
    out: list[Finding] = []
    for rule, field, old, new, enum in (
        ("EVENT_STORAGE_CHANGED", "storage", was.storage, now.storage, options_pb2.Storage),
        (
            "EVENT_RETENTION_CHANGED",
            "retention",
            was.retention,
            now.retention,
            options_pb2.Retention,
        ),
    ):
        if old == new:
            continue
        out.append(
            Finding(
                rule,
                now.location,
                f'event "{now.name}": {field} changed from {_enum(enum, old)} to '
                f"{_enum(enum, new)}; JetStream cannot change a stream's {field}, so register "
                "fails, and recreating the stream loses its messages",
                f"keep {field} {_enum(enum, old)}, or move to a new event name and migrate",
                now.name,
                now.message,
            )
        )
    return out


def _enum(enum: Any, value: int) -> str:
    try:
        return str(enum.Name(value)).split("_", 1)[1].lower()
    except (ValueError, IndexError):
        return str(value)


_Lowered = tuple[str, str, int | None, int | None, Callable[[int | None], str], str]


def _check_limits(was: EventDecl, now: EventDecl) -> list[Finding]:
    """The limits rules. A limit is lowered when the new value is set and either the old one
    was unset (unlimited) or larger; replicas count unset as 1; the duplicate window compares
    effective values (unset = the server default, 2 minutes or max_age if shorter)."""
    a, b = was.limits, now.limits
    out: list[Finding] = []

    def add(rule: str, what: str, hint: str) -> None:
        out.append(
            Finding(rule, now.location, f'event "{now.name}": {what}', hint, now.name, now.message)
        )

    lowered: tuple[_Lowered, ...] = (
        ("EVENT_MAX_AGE_LOWERED", "max_age", a.max_age, b.max_age, _duration,
         "register applies it at once and the server deletes stored messages older than that"),
        ("EVENT_MAX_BYTES_LOWERED", "max_bytes", a.max_bytes, b.max_bytes, _count,
         "register applies it at once and the server deletes the oldest messages over it"),
        ("EVENT_MAX_MESSAGES_LOWERED", "max_messages", a.max_messages, b.max_messages, _count,
         "register applies it at once and the server deletes the oldest messages over it"),
        ("EVENT_MAX_MESSAGE_SIZE_LOWERED", "max_message_size", a.max_message_size,
         b.max_message_size, _count,
         "emit now refuses messages the old limit accepted"),
    )  # fmt: skip
    for rule, field, old, new, show, why in lowered:
        if new is not None and (old is None or new < old):
            add(
                rule,
                f"{field} lowered from {show(old)} to {show(new)}; {why}",
                f"keep {field} at {show(old)} (raising a limit is safe)",
            )
    old_replicas, new_replicas = a.replicas or 1, b.replicas or 1
    if new_replicas < old_replicas:
        add(
            "EVENT_REPLICAS_LOWERED",
            f"replicas lowered from {old_replicas} to {new_replicas}; fewer copies lose "
            "messages when a server fails",
            f"keep replicas at {old_replicas}",
        )
    old_window, new_window = (
        _window(a.duplicate_window, a.max_age),
        _window(b.duplicate_window, b.max_age),
    )
    if old_window != new_window:
        add(
            "EVENT_DUPLICATE_WINDOW_CHANGED",
            f"duplicate window changed from {_duration(old_window)} to {_duration(new_window)}"
            f"{'' if b.duplicate_window else ' (server default)'}; emit retries "
            "that producers rely on being stored once are deduplicated differently",
            f"keep duplicate_window at {_duration(old_window)}",
        )
    return out


def _window(window: int | None, max_age: int | None) -> int:
    if window is not None:
        return window
    return min(_DEFAULT_DUPLICATE_WINDOW, max_age) if max_age else _DEFAULT_DUPLICATE_WINDOW


def _duration(nanos: int | None) -> str:
    if nanos is None:
        return "unlimited"
    for unit, size in (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)):
        if nanos % (size * 1_000_000_000) == 0:
            return f"{nanos // (size * 1_000_000_000)}{unit}"
    if nanos % 1_000_000 == 0:
        return f"{nanos // 1_000_000}ms"
    return f"{nanos}ns"


def _count(value: int | None) -> str:
    return "unlimited" if value is None else str(value)


# --- the allow-list --------------------------------------------------------------------------


class ConfigError(Exception):
    """The allow-list is malformed."""


@dataclasses.dataclass(frozen=True, slots=True)
class AllowEntry:
    """A deliberate break a team accepts: ``rule`` on ``event`` (``"*"``: any), and why."""

    rule: str
    event: str | None
    reason: str

    def matches(self, finding: Finding) -> bool:
        return self.rule == finding.rule and self.event in ("*", finding.event)


def load_allow_list(path: Path) -> list[AllowEntry]:
    """The ``allow`` entries of ``[tool.protonats.breaking]`` in a TOML file (pyproject.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("tool", {}).get("protonats", {}).get("breaking", {})
    where = f"{path}: [tool.protonats.breaking]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(table) - {"allow"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; only 'allow'")
    raw = table.get("allow", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: 'allow' must be a list of {{rule, event, reason}} tables")
    return [_entry(item, f"{where} allow[{i}]") for i, item in enumerate(raw)]


def _entry(item: object, where: str) -> AllowEntry:
    if not isinstance(item, dict):
        raise ConfigError(f"{where} must be a table {{rule, event, reason}}")
    unknown = set(item) - {"rule", "event", "reason"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rule, event, reason = item.get("rule"), item.get("event"), item.get("reason")
    if rule not in RULES:
        raise ConfigError(f"{where}: rule {rule!r} is not one of {', '.join(RULES)}")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: 'reason' is required: say why this break is accepted")
    if rule == "EVENT_EXTENSION_NUMBER_CHANGED":
        if event is not None:
            raise ConfigError(f"{where}: {rule} is not about one event; drop 'event'")
    elif not isinstance(event, str) or not event:
        raise ConfigError(f"{where}: 'event' is required (an event name, or \"*\" for any)")
    return AllowEntry(str(rule), event, reason.strip())


def apply_allow_list(
    findings: Sequence[Finding], allow: Sequence[AllowEntry]
) -> tuple[list[Finding], list[AllowEntry]]:
    """Mark allowed findings; also return the entries that matched nothing (stale ones)."""
    used: set[int] = set()
    out: list[Finding] = []
    for finding in findings:
        index = next((i for i, e in enumerate(allow) if e.matches(finding)), None)
        if index is None:
            out.append(finding)
        else:
            used.add(index)
            out.append(dataclasses.replace(finding, allowed=True, reason=allow[index].reason))
    return out, [e for i, e in enumerate(allow) if i not in used]


# --- running ---------------------------------------------------------------------------------


def run_breaking(
    *,
    against: str,
    input: str = ".",
    config: Path | None = None,
    format: Literal["text", "json"] = "text",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Compare the events of ``input`` with those of ``against`` (both buf inputs: a directory,
    ``.git#ref=origin/main``, ``image.binpb``...) and report to ``out``.

    ``config`` is a TOML file with ``[tool.protonats.breaking]``; by default the
    ``pyproject.toml`` of ``input`` (when a directory), else of the working directory, if any.
    Returns 0 (nothing breaking), 100 (breaking changes found) or 1 (usage, configuration or
    build error, one line on ``err``). ``out``/``err`` default to the current stdout/stderr.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        allow = load_allow_list(config) if config is not None else _default_allow_list(input)
        paths = local_paths(input)
        current = read_image(_build(input, "input"), paths)
        baseline = read_image(_build(against, "baseline"), paths)
    except (BuildError, ConfigError) as exc:
        print(f"protonats breaking: {exc}", file=err)
        return EXIT_ERROR
    findings, unused = apply_allow_list(compare_images(baseline, current), allow)
    failing = [f for f in findings if not f.allowed]
    if format == "json":
        json.dump(
            {
                "against": against,
                "input": input,
                "events": {"baseline": len(baseline.events), "current": len(current.events)},
                "breaking": len(failing),
                "allowed": len(findings) - len(failing),
                "findings": [f.as_json() for f in findings],
                "unused_allow": [dataclasses.asdict(e) for e in unused],
            },
            out,
            indent=2,
        )
        out.write("\n")
    else:
        for finding in [*failing, *(f for f in findings if f.allowed)]:
            print(finding.text(), file=out)
        for entry in unused:
            print(
                f"note: allow-list entry {{rule = {entry.rule!r}, event = {entry.event!r}}} "
                "matched nothing; remove it so it cannot hide a future break",
                file=out,
            )
        allowed = len(findings) - len(failing)
        summary = (
            f"{len(failing)} breaking event change(s)" if failing else "no breaking event changes"
        )
        print(
            f"protonats breaking: {summary} against {against} "
            f"({len(current.events)} event(s) checked{f', {allowed} allowed' if allowed else ''})",
            file=out,
        )
    return EXIT_BREAKING if failing else EXIT_OK


def _build(source: str, side: str) -> bytes:
    try:
        return build_image(source)
    except BuildError as exc:
        raise BuildError(f"cannot build the {side} {source!r}: {exc}") from exc


def _default_allow_list(input: str) -> list[AllowEntry]:
    base = Path(input)
    candidate = (base if base.is_dir() else Path()) / "pyproject.toml"
    return load_allow_list(candidate) if candidate.is_file() else []


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m protonats._breaking``: the gate until ``protonats breaking`` wires it."""
    parser = _Parser(
        prog="python -m protonats._breaking",
        description="Fail when protonats event declarations changed in a breaking way.",
    )
    parser.add_argument("input", nargs="?", default=".", help="buf input to check (default .)")
    parser.add_argument(
        "--against",
        required=True,
        help="baseline buf input: '.git#ref=origin/main', '.git#ref=HEAD~1', image.binpb, ...",
    )
    parser.add_argument("--config", type=Path, help="TOML file with [tool.protonats.breaking]")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    args = parser.parse_args(argv)
    return run_breaking(
        against=args.against, input=args.input, config=args.config, format=args.format
    )


if __name__ == "__main__":
    sys.exit(main())
