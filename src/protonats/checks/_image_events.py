"""The ``(protonats.v1.event)`` declarations of a built image as ``EventDecl`` values, for
the breaking rules: the options, limits and message shapes they compare, with locations.
The declarations themselves are read by ``_declarations``, as for the lint rules."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from .._errors import BuildError
from ..events._fields import (
    BY_KEYWORD,
    EXTENSION_NUMBER,
    FLAGS,
    LIMITS,
    POLICIES,
    PolicyField,
    Unit,
)
from ..v1 import options_pb2
from ._declarations import (
    FILE_ENUM_TYPE,
    FILE_EXTENSION,
    MESSAGE_ENUM_TYPE,
    MESSAGE_FIELD,
    MESSAGE_OPTIONS,
    declarations,
    extension,
    messages,
)
from ._decls import (
    DeclaredLimits,
    EnumShape,
    EventDecl,
    FieldShape,
    ImageDecls,
    Location,
    Schema,
)

__all__ = [
    "DEFAULT_EXTENSION_NUMBER",
    "message_schema",
    "read_files",
    "read_image",
    "resolve_path",
]

DEFAULT_EXTENSION_NUMBER = EXTENSION_NUMBER
"""The number of ``protonats.v1.event`` when the image does not declare it (an image built
without its imports)."""
_MAX_SCHEMA_DEPTH = 16
_ENUM_VALUE = 2  # EnumDescriptorProto.value in SourceCodeInfo paths

_Path = tuple[int, ...]


def read_image(data: bytes, paths: Mapping[str, str] | None = None) -> ImageDecls:
    """Read the events of a built image; ``paths`` maps import paths to displayed paths."""
    try:
        fds = descriptor_pb2.FileDescriptorSet.FromString(data)
    except DecodeError as exc:
        raise BuildError(f"not a buf image or FileDescriptorSet: {exc}") from exc
    return _Reader(fds.file, paths or {}).read()


def read_files(files: Sequence[descriptor_pb2.FileDescriptorProto]) -> ImageDecls:
    """Read the events of the files buf hands a check plugin (imports included); locations
    name each file as its ``FileDescriptorProto`` does."""
    return _Reader(files, {}).read()


def message_schema(data: bytes, full_name: str) -> Schema:
    """The wire shape of message ``full_name`` in a serialized ``FileDescriptorSet``; the
    message needs no event option (the schema ledger compares its descriptor sets this way)."""
    return _Reader(descriptor_pb2.FileDescriptorSet.FromString(data).file, {}).schema(full_name)


class _Reader:
    def __init__(
        self, files: Sequence[descriptor_pb2.FileDescriptorProto], paths: Mapping[str, str]
    ) -> None:
        self.files = files
        self.paths = paths
        # Files only the baseline has are shown under the module directory all the others
        # share (``proto/``), when there is exactly one.
        prefixes = {p.removesuffix(i) for i, p in paths.items() if p.endswith(i)}
        self.prefix = prefixes.pop() if len(prefixes) == 1 else ""
        self.messages: dict[str, descriptor_pb2.DescriptorProto] = {}
        self.enums: dict[str, tuple[descriptor_pb2.EnumDescriptorProto, str, _Path]] = {}
        self.spans: dict[str, dict[_Path, Sequence[int]]] = {}
        self.message_sites: dict[str, tuple[str, _Path]] = {}
        for file in files:
            spans: dict[_Path, Sequence[int]] = {}
            for loc in file.source_code_info.location:
                spans.setdefault(tuple(loc.path), tuple(loc.span))  # buf uses the first one
            self.spans[file.name] = spans
            package = f"{file.package}." if file.package else ""
            for path, message, class_path in messages(file):
                full_name = package + class_path
                self.messages[full_name] = message
                self.message_sites[full_name] = (file.name, path)
                for i, enum in enumerate(message.enum_type):
                    site = (*path, MESSAGE_ENUM_TYPE, i)
                    self.enums[f"{full_name}.{enum.name}"] = (enum, file.name, site)
            for i, enum in enumerate(file.enum_type):
                self.enums[package + enum.name] = (enum, file.name, (FILE_ENUM_TYPE, i))

    def location(self, file: str, path: _Path) -> Location:
        """Where ``path`` is in ``file`` (see ``resolve_path``)."""
        shown = self.paths.get(file, self.prefix + file)
        spans = self.spans.get(file, {})
        resolved = resolve_path(spans, path)
        if resolved is None or not spans.get(resolved):
            return Location(shown)
        span = spans[resolved]
        return Location(shown, span[0] + 1, span[1] + 1, resolved)

    def read(self) -> ImageDecls:
        found = extension(self.files)
        number, ext_location = None, None
        if found is not None:
            number, file, index = found
            ext_location = self.location(file, (FILE_EXTENSION, index))
        events: list[EventDecl] = []
        declared = declarations(self.files, default_number=DEFAULT_EXTENSION_NUMBER)
        for decl in declared:
            full_name, file, path, option = decl.full_name, decl.file.name, decl.path, decl.option
            message_location = self.location(file, path)
            if any(p[: len(decl.option_path)] == decl.option_path for p in self.spans[file]):
                location = self._statement_location(file, path, decl.option_path)
            else:
                location = message_location
            events.append(
                EventDecl(
                    name=option.name,
                    message=full_name,
                    location=location,
                    description=decl.description,
                    **{p.keyword: _policy(p, getattr(option, p.keyword)) for p in POLICIES},
                    limits=_limits(option),
                    flags=_flags(option),
                    schema=self.schema(full_name),
                    message_location=message_location,
                )
            )
        names = {e.message for e in events}
        plain = {
            full_name: self.location(*self.message_sites[full_name])
            for full_name in self.messages
            if full_name not in names
        }
        events.sort(key=lambda e: (e.location.file, e.location.line, e.location.column, e.name))
        return ImageDecls(tuple(events), plain, number, ext_location)

    def _statement_location(self, file: str, message_path: _Path, option_path: _Path) -> Location:
        """The ``option (...) = {...};`` statement holding the extension, else the extension.

        Every option statement of a message shares the path ``(message, 7)`` and buf (like
        this reader) takes the first one recorded, so the statement path is used only when
        that first statement encloses the extension."""
        spans = self.spans[file]
        inner = self.location(file, option_path)
        statement = spans.get((*message_path, MESSAGE_OPTIONS))
        if statement and inner.path and _encloses(statement, spans[inner.path]):
            return self.location(file, (*message_path, MESSAGE_OPTIONS))
        return inner

    def schema(self, full_name: str) -> Schema:
        fields: list[FieldShape] = []
        reserved: list[tuple[tuple[int, ...], int, int]] = []
        enums: dict[str, EnumShape] = {}
        self._shape(full_name, (), (), (full_name,), fields, reserved, enums)
        return Schema(full_name, tuple(fields), tuple(reserved), tuple(enums.values()))

    def _shape(
        self,
        full_name: str,
        path: tuple[int, ...],
        names: tuple[str, ...],
        seen: tuple[str, ...],
        fields: list[FieldShape],
        reserved: list[tuple[tuple[int, ...], int, int]],
        enums: dict[str, EnumShape],
    ) -> None:
        message = self.messages.get(full_name)
        if message is None:
            return
        file, message_path = self.message_sites[full_name]
        reserved.extend((path, r.start, r.end) for r in message.reserved_range)
        for index, field in enumerate(message.field):
            type_name = field.type_name.removeprefix(".")
            field_path = (*path, field.number)
            field_names = (*names, field.name)
            in_oneof = field.HasField("oneof_index") and not field.proto3_optional
            fields.append(
                FieldShape(
                    path=field_path,
                    name=".".join(field_names),
                    type=field.type,
                    label=field.label,
                    type_name=type_name,
                    location=self.location(file, (*message_path, MESSAGE_FIELD, index)),
                    oneof=message.oneof_decl[field.oneof_index].name if in_oneof else "",
                )
            )
            if field.type == field.TYPE_ENUM and type_name not in enums:
                shape = self._enum(type_name)
                if shape is not None:
                    enums[type_name] = shape
            is_message = field.type in (field.TYPE_MESSAGE, field.TYPE_GROUP)
            if is_message and type_name not in seen and len(field_path) < _MAX_SCHEMA_DEPTH:
                self._shape(
                    type_name, field_path, field_names, (*seen, type_name), fields, reserved, enums
                )

    def _enum(self, full_name: str) -> EnumShape | None:
        found = self.enums.get(full_name)
        if found is None:
            return None
        enum, file, path = found
        return EnumShape(
            name=full_name,
            values=tuple((v.name, v.number) for v in enum.value),
            reserved=tuple((r.start, r.end) for r in enum.reserved_range),
            location=self.location(file, path),
            value_locations=tuple(
                self.location(file, (*path, _ENUM_VALUE, i)) for i in range(len(enum.value))
            ),
        )


def resolve_path(spans: Mapping[_Path, Sequence[int]], path: _Path) -> _Path | None:
    """The recorded path buf resolves for ``path``: the path itself when the compiler recorded
    it, else its first recorded part (compilers record option values unevenly: buf down to each
    field, protoc only the statement), else its nearest recorded parent."""
    if path in spans:
        return path
    parts = [p for p in spans if p[: len(path)] == path]
    if parts:
        return min(parts, key=lambda p: tuple(spans[p]))
    for end in range(len(path) - 1, 0, -1):
        if path[:end] in spans:
            return path[:end]
    return None


def _span_bounds(span: Sequence[int]) -> tuple[tuple[int, int], tuple[int, int]]:
    """``((start line, col), (end line, col))`` of a span (3 numbers when on one line)."""
    if len(span) == 3:
        return (span[0], span[1]), (span[0], span[2])
    return (span[0], span[1]), (span[2], span[3])


def _encloses(outer: Sequence[int], inner: Sequence[int]) -> bool:
    (outer_start, outer_end), (inner_start, inner_end) = _span_bounds(outer), _span_bounds(inner)
    return outer_start <= inner_start and inner_end <= outer_end


def _policy(policy: PolicyField, number: int) -> int:
    """The option's policy value, with unspecified (0) read as the default's number."""
    return number or policy.to_proto(policy.default)


def _limits(option: options_pb2.EventOptions) -> DeclaredLimits:
    limits = option.limits
    values: dict[str, int] = {}
    for row in LIMITS:
        if not limits.HasField(row.proto):  # type: ignore[arg-type]
            continue
        value = getattr(limits, row.proto)
        if row.unit is Unit.SECONDS:
            values[row.proto] = int(value.seconds) * row.scale + int(value.nanos)
        else:
            values[row.proto] = int(value)
    return DeclaredLimits(**values)


def _flags(option: options_pb2.EventOptions) -> tuple[str, ...]:
    """The features the event turns on (``allow_ttl``...), by ``FLAGS`` keyword, a limit that
    implies one (``message_ttl``) included."""
    limits = option.limits
    return tuple(
        flag.keyword
        for flag in FLAGS
        if getattr(option, flag.keyword)
        or (flag.implied_by and limits.HasField(BY_KEYWORD[flag.implied_by].proto))  # type: ignore[arg-type]
    )
