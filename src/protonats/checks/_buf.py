"""The ``Check`` call of ``buf-plugin-protonats``: the files buf sends (and, for ``buf
breaking``, the baseline's) in, the findings of the requested rules out, each located by file
name and ``SourceCodeInfo`` path so that buf prints ``file:line:col`` and honours ignores."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from google.protobuf import descriptor_pb2
from protonats_bufplugin._catalog import BREAKING, RULES

from ._decls import Location
from ._image_events import read_files
from ._rules import Finding, compare_images

__all__ = ["Annotation", "check"]

_BREAKING = {rule for rule, kind, _ in RULES if kind == BREAKING}

FileLocation = tuple[str, tuple[int, ...]]
Annotation = tuple[str, str, FileLocation | None, FileLocation | None]
"""``(rule_id, message, file_location, against_file_location)``."""


def check(
    files: Sequence[descriptor_pb2.FileDescriptorProto],
    against: Sequence[descriptor_pb2.FileDescriptorProto],
    rule_ids: Collection[str],
) -> list[Annotation]:
    """The findings of ``rule_ids`` (every rule when empty) on ``files`` against ``against``."""
    wanted = set(rule_ids)
    out: list[Annotation] = []
    if not wanted or wanted & _BREAKING:
        findings = compare_images(read_files(against), read_files(files))
        names = {f.name for f in files}
        out += [_annotation(f, names) for f in findings if not wanted or f.rule in wanted]
    return out


def _where(location: Location) -> FileLocation:
    return (location.file, location.path)


def _annotation(finding: Finding, names: Collection[str]) -> Annotation:
    """A finding about something removed points at the baseline's declaration, and at its
    file when that still exists (as buf's own rules do: buf shows the current file)."""
    text = finding.text
    if finding.in_baseline:
        file = finding.location.file
        return (finding.rule, text, (file, ()) if file in names else None, _where(finding.location))
    return (finding.rule, text, _where(finding.location), None)
