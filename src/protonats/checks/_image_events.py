"""Read the ``(protonats.v1.event)`` declarations of a built image into ``EventDecl`` values,
for ``protonats breaking``: the options, limits and message shapes the rules compare."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from .._errors import BuildError
from ..events._fields import (
    BY_KEYWORD,
    EXTENSION_NAME,
    EXTENSION_NUMBER,
    FLAGS,
    LIMITS,
    POLICIES,
    PolicyField,
    Unit,
)
from ..v1 import options_pb2
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
    "EXTENSION_FULL_NAME",
    "BuildError",
    "extension_bytes",
    "message_schema",
    "read_files",
    "read_image",
    "resolve_path",
]

# The option is read from the serialized ``MessageOptions`` bytes under the extension number
# the image itself declares for ``protonats.v1.event``. So an image parsed without the extension
# registered (where it sits in unknown fields) reads the same as one parsed with it, and a
# baseline that used another number is still read correctly.

DEFAULT_EXTENSION_NUMBER = EXTENSION_NUMBER
"""The number of ``protonats.v1.event`` when the image does not declare it (no options.proto)."""
EXTENSION_FULL_NAME = EXTENSION_NAME
_EXTENDEE = ".google.protobuf.MessageOptions"
_MAX_SCHEMA_DEPTH = 16

# FileDescriptorProto / DescriptorProto / EnumDescriptorProto field numbers in SourceCodeInfo paths.
_FILE_MESSAGE_TYPE = 4
_FILE_ENUM_TYPE = 5
_FILE_EXTENSION = 7
_MESSAGE_FIELD = 2
_MESSAGE_NESTED_TYPE = 3
_MESSAGE_ENUM_TYPE = 4
_MESSAGE_EXTENSION = 6
_MESSAGE_OPTIONS = 7
_ENUM_VALUE = 2

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
            for full_name, message, path in _walk_messages(file):
                self.messages[full_name] = message
                self.message_sites[full_name] = (file.name, path)
                for i, enum in enumerate(message.enum_type):
                    site = (*path, _MESSAGE_ENUM_TYPE, i)
                    self.enums[f"{full_name}.{enum.name}"] = (enum, file.name, site)
            prefix = f"{file.package}." if file.package else ""
            for i, enum in enumerate(file.enum_type):
                self.enums[prefix + enum.name] = (enum, file.name, (_FILE_ENUM_TYPE, i))

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
        number, ext_location = self._extension()
        wanted = number if number is not None else DEFAULT_EXTENSION_NUMBER
        events: list[EventDecl] = []
        plain: dict[str, Location] = {}
        for full_name, message in self.messages.items():
            file, path = self.message_sites[full_name]
            message_location = self.location(file, path)
            payload = extension_bytes(message.options.SerializeToString(), wanted)
            if payload is None:
                plain[full_name] = message_location
                continue
            try:
                option = options_pb2.EventOptions.FromString(payload)
            except DecodeError as exc:
                raise BuildError(
                    f"{message_location}: cannot read (protonats.v1.event) on {full_name}: {exc}"
                ) from exc
            option_path = (*path, _MESSAGE_OPTIONS, wanted)
            if any(p[: len(option_path)] == option_path for p in self.spans.get(file, {})):
                location = self._statement_location(file, path, option_path)
            else:
                location = message_location
            events.append(
                EventDecl(
                    name=option.name,
                    message=full_name,
                    location=location,
                    description=option.description,
                    **{p.keyword: _policy(p, getattr(option, p.keyword)) for p in POLICIES},
                    limits=_limits(option),
                    flags=_flags(option),
                    schema=self.schema(full_name),
                    message_location=message_location,
                )
            )
        events.sort(key=lambda e: (e.location.file, e.location.line, e.location.column, e.name))
        return ImageDecls(tuple(events), plain, number, ext_location)

    def _statement_location(self, file: str, message_path: _Path, option_path: _Path) -> Location:
        """The ``option (...) = {...};`` statement holding the extension, else the extension.

        Every option statement of a message shares the path ``(message, 7)`` and buf (like
        this reader) takes the first one recorded, so the statement path is used only when
        that first statement encloses the extension."""
        spans = self.spans[file]
        inner = self.location(file, option_path)
        statement = spans.get((*message_path, _MESSAGE_OPTIONS))
        if statement and inner.path and _encloses(statement, spans[inner.path]):
            return self.location(file, (*message_path, _MESSAGE_OPTIONS))
        return inner

    def _extension(self) -> tuple[int | None, Location | None]:
        for file in self.files:
            for index, ext in enumerate(file.extension):
                full_name = f"{file.package}.{ext.name}" if file.package else ext.name
                if full_name == EXTENSION_FULL_NAME and ext.extendee == _EXTENDEE:
                    return ext.number, self.location(file.name, (_FILE_EXTENSION, index))
        return None, None

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
                    location=self.location(file, (*message_path, _MESSAGE_FIELD, index)),
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


def _walk_messages(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[str, descriptor_pb2.DescriptorProto, _Path]]:
    prefix = f"{file.package}." if file.package else ""
    stack: list[tuple[str, descriptor_pb2.DescriptorProto, _Path]] = [
        (prefix + m.name, m, (_FILE_MESSAGE_TYPE, i)) for i, m in enumerate(file.message_type)
    ]
    while stack:
        full_name, message, path = stack.pop(0)
        yield full_name, message, path
        stack.extend(
            (f"{full_name}.{n.name}", n, (*path, _MESSAGE_NESTED_TYPE, i))
            for i, n in enumerate(message.nested_type)
        )


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


# --- wire decoding of one extension ----------------------------------------------------------


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise BuildError("truncated varint in message options")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise BuildError("varint too long in message options")


def _skip(data: bytes, pos: int, wire_type: int, number: int) -> int:
    if wire_type == 0:
        return _varint(data, pos)[1]
    if wire_type == 1:
        return pos + 8
    if wire_type == 2:
        size, pos = _varint(data, pos)
        return pos + size
    if wire_type == 5:
        return pos + 4
    if wire_type == 3:  # group: skip to the matching end-group tag
        while True:
            tag, pos = _varint(data, pos)
            if tag >> 3 == number and tag & 7 == 4:
                return pos
            pos = _skip(data, pos, tag & 7, tag >> 3)
    raise BuildError(f"unexpected wire type {wire_type} in message options")


def extension_bytes(options: bytes, number: int) -> bytes | None:
    """The merged payload of length-delimited field ``number`` in serialized options, if any.

    Several occurrences of a singular message field merge, which concatenation reproduces.
    """
    found: list[bytes] = []
    pos = 0
    while pos < len(options):
        tag, pos = _varint(options, pos)
        field, wire_type = tag >> 3, tag & 7
        if field == number and wire_type == 2:
            size, pos = _varint(options, pos)
            found.append(options[pos : pos + size])
            pos += size
        else:
            pos = _skip(options, pos, wire_type, field)
    if pos > len(options):
        raise BuildError("truncated message options")
    return b"".join(found) if found else None
