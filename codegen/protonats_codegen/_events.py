"""Find the messages declared as events in a CodeGeneratorRequest, and validate them.

The rules are those of ``buf lint`` (``protonats.checks._lint``, which ``buf-plugin-protonats``
runs too): one rule code, so a ``buf generate`` without ``buf lint`` still refuses what lint
refuses, at the same ``file:line:col``. The declarations are read by
``protonats.checks._declarations`` (as for lint and breaking): the option from each message's
serialized options under the number the request's ``options.proto`` declares; which field is which
(limits, policies and their enum values) comes from the runtime's table of limits
(``protonats.events._fields``) and its copy of the option's descriptors.
"""

from __future__ import annotations

import dataclasses

from google.protobuf.compiler import plugin_pb2

from protonats._wire import DEFAULT_MAX_PAYLOAD
from protonats.checks._declarations import Declaration, declarations
from protonats.checks._lint import (
    LintProblem,
    declared_limits,
    event_problems,
    unique_name_problems,
)
from protonats.events._fields import BY_KEYWORD, EXTENSION_NAME, FLAGS, POLICIES
from protonats.v1 import options_pb2

from ._source import CodegenError, SourceInfo

__all__ = ["EXTENSION", "EventSpec", "collect_events", "python_module"]

EXTENSION = EXTENSION_NAME


@dataclasses.dataclass(frozen=True, slots=True)
class EventSpec:
    """One event to generate: where its message lives and what its option declares."""

    name: str
    proto_file: str
    proto_package: str
    module: str
    """Python module of the message: ``shop.v1.users_pb2``."""
    class_path: str
    """Class of the message inside ``module``: ``UserRegistered`` or ``Outer.Inner``."""
    doc: str | None
    description: str | None
    limits: dict[str, int | float]
    """``protonats.Limits`` keywords that are set, in the order of the proto's fields."""
    policy: dict[str, str]
    """Non-default ``storage``/``retention``/``discard``: keyword -> enum member name."""
    flags: tuple[str, ...] = ()
    """The features declared on (``allow_ttl``, ``allow_atomic``, ``allow_delay``)."""
    warnings: tuple[str, ...] = ()
    """``file:line:col: warning: ...`` lines for the plugin's stderr; nothing is refused."""


def python_module(proto_file: str) -> str:
    """The module protoc's Python generator writes for ``proto_file``."""
    return proto_file.removesuffix(".proto").replace("-", "_").replace("/", ".") + "_pb2"


def collect_events(request: plugin_pb2.CodeGeneratorRequest) -> list[EventSpec]:
    """Every event declared in the files to generate; one ``CodegenError`` lists all problems,
    in file and declaration order. A name in a file to generate must not be declared before,
    in any file of the request (dependencies included)."""
    files = list(request.proto_file)
    sources = {file.name: SourceInfo(file) for file in files}
    to_generate = set(request.file_to_generate)
    decls = list(declarations(files))
    problems = [p for d in decls if d.file.name in to_generate for p in event_problems(d)]
    unique = unique_name_problems(decls, lambda file, path: sources[file].where(path))
    problems += [p for p in unique if p.file in to_generate]
    if problems:
        order = {file.name: i for i, file in enumerate(files)}

        def position(problem: LintProblem) -> tuple[int, int, int]:
            _, line, column = sources[problem.file].where(problem.path).rsplit(":", 2)
            return order[problem.file], int(line), int(column)

        raise CodegenError(
            "\n".join(
                f"{sources[p.file].where(p.path)}: {p.message}"
                for p in sorted(problems, key=position)
            )
        )
    return [_spec(d, sources[d.file.name]) for d in decls if d.file.name in to_generate]


def _spec(decl: Declaration, source: SourceInfo) -> EventSpec:
    """Describe one valid event declaration."""
    option = decl.option
    doc = source.leading_comment(decl.path)
    description = option.description or doc
    policy: dict[str, str] = {}
    for row in POLICIES:
        member = row.from_proto(getattr(option, row.keyword))
        if member is not None and member is not row.default:
            policy[row.keyword] = member.name
    limits = declared_limits(decl)[0]
    return EventSpec(
        name=option.name,
        proto_file=decl.file.name,
        proto_package=decl.file.package,
        module=python_module(decl.file.name),
        class_path=decl.class_path,
        doc=doc or description,
        description=description,
        limits=limits,
        policy=policy,
        flags=tuple(flag.keyword for flag in FLAGS if getattr(option, flag.keyword)),
        warnings=_payload_warnings(decl, source, limits),
    )


def _payload_warnings(
    decl: Declaration, source: SourceInfo, limits: dict[str, int | float]
) -> tuple[str, ...]:
    """A warning when ``max_message_size`` is above nats-server's default ``max_payload``: a
    server left at the default refuses larger messages, and ``register`` refuses the event."""
    value = int(limits.get("message_size", 0))
    if value <= DEFAULT_MAX_PAYLOAD:
        return ()
    row = BY_KEYWORD["message_size"]
    number = options_pb2.EventOptions.DESCRIPTOR.fields_by_name["limits"].number
    at = source.where((*decl.option_path, number, row.number))
    return (
        f"{at}: warning: event {decl.option.name!r}: limits.{row.proto} {row.text(value)} is "
        f"above nats-server's default max_payload ({row.text(DEFAULT_MAX_PAYLOAD)}); a server "
        "with the default refuses larger messages and protonats register refuses this event "
        "there. Raise max_payload in the servers' configuration (at most 64 MiB), or lower "
        f"limits.{row.proto}",
    )
