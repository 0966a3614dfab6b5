"""The lint rules on event declarations, shared by ``buf lint`` (through
``buf-plugin-protonats``) and the code generator (``protoc-gen-protonats``, which refuses to
generate what they refuse): one rule code, two front ends.

Each problem names its rule id, the file and the ``SourceCodeInfo`` path of the culprit (the
option field when the compiler recorded one); the front end turns the path into
``file:line:col``. The value rules are the runtime's: ``validate_event_name``, the limits
table (``events/_fields.py``) and ``MAX_DESCRIPTION_LENGTH``; the declarations are read by
``_declarations``, as for the breaking rules.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Collection, Sequence
from typing import Any

from google.protobuf import descriptor_pb2

from .._errors import InvalidEventNameError, InvalidLimitsError
from ..events._event import MAX_DESCRIPTION_LENGTH, validate_event_name
from ..events._fields import BY_FLAG, BY_KEYWORD, LIMITS, NS, POLICIES, Unit, validate
from ..v1 import options_pb2
from ._declarations import Declaration, declarations

__all__ = [
    "OPTIONS_FILE",
    "LintProblem",
    "declared_limits",
    "event_problems",
    "lint",
    "options_file_problems",
    "unique_name_problems",
]

OPTIONS_FILE = "protonats/v1/options.proto"
_NAME, _DESCRIPTION, _LIMITS = (
    options_pb2.EventOptions.DESCRIPTOR.fields_by_name[name].number
    for name in ("name", "description", "limits")
)
_Path = tuple[int, ...]
Where = Callable[[str, _Path], str]
"""``file:line:col`` of a path in a file (to name another declaration in a message)."""


@dataclasses.dataclass(frozen=True, slots=True)
class LintProblem:
    """One lint finding: which rule, where (file and source path), what is wrong."""

    rule: str
    file: str
    path: _Path
    message: str


def event_problems(decl: Declaration) -> list[LintProblem]:
    """The rules on one declaration: where the option sits, its name, description, limits
    (each alone, then against the limit that caps it) and policies."""
    out: list[LintProblem] = []
    file, at, option = decl.file.name, decl.option_path, decl.option

    def add(rule: str, path: _Path, message: str) -> None:
        out.append(LintProblem(rule, file, path, message))

    if decl.message.options.map_entry:
        add(
            "EVENT_OPTION_ON_MESSAGE",
            at,
            f"{decl.class_path} is a map entry and cannot be an event",
        )
    elif not decl.file.package:
        why = "an event's message needs a proto package (events are generated per package)"
        add("EVENT_OPTION_ON_MESSAGE", at, why)
    try:
        validate_event_name(option.name)
    except InvalidEventNameError as exc:
        add("EVENT_NAME_FORMAT", (*at, _NAME), str(exc))
    description = decl.description
    if len(description) > MAX_DESCRIPTION_LENGTH:
        add("EVENT_DESCRIPTION_LENGTH", (*at, _DESCRIPTION) if option.description else at,
            f"event {option.name!r}: description is {len(description)} characters; the limit "
            f"is {MAX_DESCRIPTION_LENGTH}")  # fmt: skip
    limits, limit_problems = declared_limits(decl)
    out += limit_problems
    for policy in POLICIES:
        number = getattr(option, policy.keyword)
        if policy.from_proto(number) is None:
            add("EVENT_POLICY_KNOWN", (*at, policy.number),
                f"unknown {policy.keyword} value {number}")  # fmt: skip
    if option.allow_delay and option.discard == options_pb2.DISCARD_NEW:
        add("EVENT_ALLOW_DELAY_DISCARD_NEW", (*at, BY_FLAG["allow_delay"].number),
            f"event {option.name!r}: allow_delay needs discard DISCARD_OLD (JetStream's "
            "message scheduling cannot use discard new); the generated Event would refuse "
            "it")  # fmt: skip
    try:
        validate(limits)  # each limit passed alone: this checks them against each other
    except InvalidLimitsError as exc:
        row = BY_KEYWORD[exc.field]
        add(row.cap_rule or "EVENT_LIMIT_RANGE", (*at, _LIMITS, row.number),
            f"event {option.name!r}: limits.{row.proto} {exc.reason}")  # fmt: skip
    return out


def declared_limits(decl: Declaration) -> tuple[dict[str, int | float], list[LintProblem]]:
    """The limits that are set, as ``protonats.Limits`` keywords (durations in seconds), and
    the EVENT_LIMIT_RANGE problems of those that are out of range (left out of the dict)."""
    proto, name = decl.option.limits, decl.option.name
    values: dict[str, int | float] = {}
    problems: list[LintProblem] = []
    for row in LIMITS:
        if not proto.HasField(row.proto):  # type: ignore[arg-type]
            continue
        path = (*decl.option_path, _LIMITS, row.number)
        raw = getattr(proto, row.proto)
        value: int | float
        if row.unit is Unit.SECONDS:
            seconds, nanos = int(raw.seconds), int(raw.nanos)
            mixed_signs = seconds != 0 and nanos != 0 and (seconds < 0) != (nanos < 0)
            if abs(nanos) > 999_999_999 or mixed_signs:
                problems.append(LintProblem("EVENT_LIMIT_RANGE", decl.file.name, path,
                    f"limits.{row.proto} is not a valid google.protobuf.Duration "
                    f"(seconds={seconds}, nanos={nanos})"))  # fmt: skip
                continue
            value = seconds if nanos == 0 else seconds + nanos / NS
        else:
            value = int(raw)
        try:
            row.check(value)
        except InvalidLimitsError as exc:
            why = f"event {name!r}: limits.{row.proto} {exc.reason}"
            problems.append(LintProblem("EVENT_LIMIT_RANGE", decl.file.name, path, why))
            continue
        values[row.keyword] = value
    return values, problems


def unique_name_problems(decls: Sequence[Declaration], where: Where) -> list[LintProblem]:
    """EVENT_NAME_UNIQUE: every declaration of a name after its first one."""
    first: dict[str, Declaration] = {}
    out: list[LintProblem] = []
    for decl in decls:
        seen = first.setdefault(decl.option.name, decl)
        if seen is not decl:
            out.append(
                LintProblem(
                    "EVENT_NAME_UNIQUE", decl.file.name, (*decl.option_path, _NAME),
                    f"event name {decl.option.name!r} is already used by {seen.full_name} at "
                    f"{where(seen.file.name, seen.option_path)}; event names must be unique",
                )
            )  # fmt: skip
    return out


def options_file_problems(files: Sequence[descriptor_pb2.FileDescriptorProto]) -> list[LintProblem]:
    """EVENT_OPTION_PROTO_UNCHANGED: ``protonats/v1/options.proto`` declares what the one
    protonats ships declares (same messages, fields, enums, values and extension numbers)."""
    ours = descriptor_pb2.FileDescriptorProto.FromString(options_pb2.DESCRIPTOR.serialized_pb)
    out: list[LintProblem] = []
    for file in files:
        if file.name != OPTIONS_FILE:
            continue
        differ = _differences(_shape(ours), _shape(file))
        if differ:
            out.append(
                LintProblem(
                    "EVENT_OPTION_PROTO_UNCHANGED", file.name, (),
                    f"{OPTIONS_FILE} differs from the one protonats ships ({'; '.join(differ)}); "
                    "the runtime and the code generator read the option as protonats declares "
                    "it, so a changed copy misreads every event: restore it from protonats",
                )
            )  # fmt: skip
    return out


def _shape(file: descriptor_pb2.FileDescriptorProto) -> dict[str, str]:
    """Each top-level declaration of the option file, by name, as comparable text."""
    out = {}
    for kind, items in (("message", file.message_type), ("enum", file.enum_type),
                        ("extension", file.extension)):  # fmt: skip
        for item in items:
            copy: Any = type(item).FromString(item.SerializeToString())
            fields = copy.field if kind == "message" else [copy] if kind == "extension" else []
            for field in fields:
                field.ClearField("json_name")  # compilers differ in filling it
            out[f"{kind} {item.name}"] = str(copy)
    out["package"] = file.package
    return out


def _differences(expected: dict[str, str], got: dict[str, str]) -> list[str]:
    missing = [f"{k} is missing" for k in expected if k not in got]
    changed = [f"{k} is changed" for k in expected if k in got and got[k] != expected[k]]
    added = [f"{k} is added" for k in got if k not in expected]
    return missing + changed + added


def lint(
    files: Sequence[descriptor_pb2.FileDescriptorProto], targets: Collection[str], where: Where
) -> list[LintProblem]:
    """Every lint problem in the ``targets`` files; names are unique across all ``files``
    (imports included)."""
    decls = list(declarations(files))
    out = [p for d in decls if d.file.name in targets for p in event_problems(d)]
    out += [p for p in unique_name_problems(decls, where) if p.file in targets]
    out += [p for p in options_file_problems(files) if p.file in targets]
    return out
