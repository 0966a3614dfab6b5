"""The ``Check`` call of ``buf-plugin-protonats``: the files buf sends (and, for ``buf
breaking``, the baseline's) in, the findings of the requested rules out, each located by file
name and ``SourceCodeInfo`` path so that buf prints ``file:line:col`` and honours ignores."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError
from protonats_bufplugin._catalog import BREAKING, LINT, RULES

from ..v1 import options_pb2
from ._declarations import option_bytes
from ._decls import Location
from ._image_events import read_files, resolve_path
from ._lint import lint
from ._rules import Finding, compare_images

__all__ = ["Annotation", "check"]

_BREAKING = {rule for rule, kind, _ in RULES if kind == BREAKING}
_LINT = {rule for rule, kind, _ in RULES if kind == LINT}

FileLocation = tuple[str, tuple[int, ...]]
Annotation = tuple[str, str, FileLocation | None, FileLocation | None]
"""``(rule_id, message, file_location, against_file_location)``."""


def check(
    files: Sequence[descriptor_pb2.FileDescriptorProto],
    against: Sequence[descriptor_pb2.FileDescriptorProto],
    rule_ids: Collection[str],
    imports: Collection[str] = (),
) -> list[Annotation]:
    """The findings of ``rule_ids`` (every rule when empty) on ``files`` against ``against``;
    lint rules look at the files that are not ``imports``."""
    wanted = set(rule_ids) or _BREAKING | _LINT
    files, unreadable = _readable(files)
    against, _ = _readable(against)
    # A corrupt option is a finding at its message, never a failed run: under the lint rule of
    # the option's place, or (breaking only) as the option that is no longer there.
    rule = "EVENT_OPTION_ON_MESSAGE" if wanted & _LINT else "EVENT_OPTION_REMOVED"
    out: list[Annotation] = [(rule, text, where, None) for where, text in unreadable]
    if wanted & _LINT:
        spans = _Spans(files)
        targets = {f.name for f in files} - set(imports)
        for problem in lint(files, targets, spans.where):
            if problem.rule in wanted:
                location = (problem.file, spans.resolve(problem.file, problem.path))
                out.append((problem.rule, problem.message, location, None))
    if wanted & _BREAKING:
        names = {f.name for f in files}
        findings = compare_images(read_files(against), read_files(files))
        out += [_annotation(f, names) for f in findings if f.rule in wanted]
    return out


def _readable(
    files: Sequence[descriptor_pb2.FileDescriptorProto],
) -> tuple[list[descriptor_pb2.FileDescriptorProto], list[tuple[FileLocation, str]]]:
    """``files`` with every event option that does not decode taken off its message (on a
    copy), and where each was with why: the rules then run on what can be read."""
    copies: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    problems: list[tuple[FileLocation, str]] = []
    for (file, path, _, class_path), payload, _ in option_bytes(files):
        try:
            options_pb2.EventOptions.FromString(payload)
        except DecodeError as exc:
            spans = _Spans([file])
            problems.append(
                (
                    (file.name, spans.resolve(file.name, path)),
                    f"cannot read the (protonats.v1.event) option of {class_path}: {exc}",
                )
            )
            copy = copies.setdefault(file.name, _copy(file))
            _message_at(copy, path).ClearField("options")
    return [copies.get(file.name, file) for file in files], problems


def _copy(file: descriptor_pb2.FileDescriptorProto) -> descriptor_pb2.FileDescriptorProto:
    copy = descriptor_pb2.FileDescriptorProto()
    copy.CopyFrom(file)
    return copy


def _message_at(
    file: descriptor_pb2.FileDescriptorProto, path: tuple[int, ...]
) -> descriptor_pb2.DescriptorProto:
    """The message at a SourceCodeInfo path of ``_declarations.messages`` (4, i[, 3, j]...)."""
    message = file.message_type[path[1]]
    for index in path[3::2]:
        message = message.nested_type[index]
    return message


class _Spans:
    """Source spans of the files, read when a problem needs them (most runs have none), to
    resolve paths as buf does and to name places."""

    def __init__(self, files: Sequence[descriptor_pb2.FileDescriptorProto]) -> None:
        self.files = {file.name: file for file in files}
        self.spans: dict[str, dict[tuple[int, ...], tuple[int, ...]]] = {}

    def _of(self, name: str) -> dict[tuple[int, ...], tuple[int, ...]]:
        if name not in self.spans:
            spans: dict[tuple[int, ...], tuple[int, ...]] = {}
            file = self.files.get(name)
            for location in file.source_code_info.location if file else ():
                spans.setdefault(tuple(location.path), tuple(location.span))
            self.spans[name] = spans
        return self.spans[name]

    def resolve(self, file: str, path: tuple[int, ...]) -> tuple[int, ...]:
        return resolve_path(self._of(file), path) or ()

    def where(self, file: str, path: tuple[int, ...]) -> str:
        span = self._of(file).get(self.resolve(file, path))
        return f"{file}:{span[0] + 1}:{span[1] + 1}" if span else f"{file}:1:1"


def _where(location: Location) -> FileLocation:
    return (location.file, location.path)


def _annotation(finding: Finding, names: Collection[str]) -> Annotation:
    """A finding about something removed points at the baseline's declaration, and at its
    file when that still exists (as buf's own rules do: buf shows the current file)."""
    if finding.in_baseline:
        file = finding.location.file
        here = (file, ()) if file in names else None
        return (finding.rule, finding.text, here, _where(finding.location))
    return (finding.rule, finding.text, _where(finding.location), None)
