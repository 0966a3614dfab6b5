"""THE reader of event declarations from descriptors: which messages carry
``(protonats.v1.event)`` and what it says, for the lint rules (``buf lint`` and the code
generator) and the breaking rules (``buf breaking``, ``protonats breaking``) alike.

The option is read from each message's serialized ``MessageOptions`` under the extension
number the files themselves declare for ``protonats.v1.event`` (``protonats._pbwire``, the
one hand-written wire reader, finds it). So files parsed without the extension registered
(where it sits in unknown fields) read the same as files parsed with it, and a baseline that
used another number is still read correctly.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence

from google.protobuf import descriptor_pb2
from google.protobuf.message import DecodeError

from .. import _pbwire
from .._errors import BuildError
from ..events._fields import EXTENSION_NAME
from ..v1 import options_pb2

__all__ = [
    "Declaration",
    "clean_comment",
    "declarations",
    "extension",
    "extension_bytes",
    "messages",
    "option_bytes",
]

# FileDescriptorProto / DescriptorProto field numbers in SourceCodeInfo paths.
FILE_MESSAGE_TYPE, FILE_ENUM_TYPE, FILE_EXTENSION = 4, 5, 7
MESSAGE_FIELD, MESSAGE_NESTED_TYPE, MESSAGE_ENUM_TYPE, MESSAGE_OPTIONS = 2, 3, 4, 7
_EXTENDEE = ".google.protobuf.MessageOptions"

Path = tuple[int, ...]
Carrier = tuple[descriptor_pb2.FileDescriptorProto, Path, descriptor_pb2.DescriptorProto, str]
"""A message carrying the option: its file, source path, the message and its class path."""


@dataclasses.dataclass(frozen=True, slots=True)
class Declaration:
    """A message carrying ``(protonats.v1.event)``, with the option's values."""

    file: descriptor_pb2.FileDescriptorProto
    path: Path
    """Source path of the message."""
    message: descriptor_pb2.DescriptorProto
    class_path: str
    """``Outer.Inner`` for a nested message."""
    option: options_pb2.EventOptions
    option_path: Path

    @property
    def full_name(self) -> str:
        return f"{self.file.package}.{self.class_path}".lstrip(".")

    def leading_comment(self) -> str | None:
        """The comment just before the message, cleaned up (the default description)."""
        for location in self.file.source_code_info.location:
            if tuple(location.path) == self.path:
                text = location.leading_comments
                return clean_comment(text) if text.strip() else None
        return None

    @property
    def description(self) -> str:
        """The option's description, else the message's leading comment (as generated)."""
        return self.option.description or self.leading_comment() or ""


def clean_comment(text: str) -> str:
    """Strip the one space after ``//`` and surrounding blank lines, keep paragraphs."""
    lines = [line[1:] if line.startswith(" ") else line for line in text.splitlines()]
    return "\n".join(line.rstrip() for line in lines).strip()


def extension(
    files: Sequence[descriptor_pb2.FileDescriptorProto],
) -> tuple[int, str, int] | None:
    """``(number, file name, index in the file's extensions)`` of ``protonats.v1.event`` as
    ``files`` declare it; ``None`` when none of them does."""
    for file in files:
        for index, ext in enumerate(file.extension):
            full_name = f"{file.package}.{ext.name}" if file.package else ext.name
            if full_name == EXTENSION_NAME and ext.extendee == _EXTENDEE:
                return ext.number, file.name, index
    return None


def messages(
    file: descriptor_pb2.FileDescriptorProto,
) -> Iterator[tuple[Path, descriptor_pb2.DescriptorProto, str]]:
    """``(source path, message, class path)`` of every message of ``file``, nested ones
    after their parent, in declaration order."""
    stack: list[tuple[Path, descriptor_pb2.DescriptorProto, str]] = [
        ((FILE_MESSAGE_TYPE, i), m, m.name) for i, m in enumerate(file.message_type)
    ]
    stack.reverse()
    while stack:
        path, message, class_path = stack.pop()
        yield path, message, class_path
        nested = [
            ((*path, MESSAGE_NESTED_TYPE, i), child, f"{class_path}.{child.name}")
            for i, child in enumerate(message.nested_type)
        ]
        stack.extend(reversed(nested))


def option_bytes(
    files: Sequence[descriptor_pb2.FileDescriptorProto], *, default_number: int | None = None
) -> Iterator[tuple[Carrier, bytes, int]]:
    """``((file, message path, message, class path), option bytes, number)`` of every message
    carrying the option, in file then declaration order, its bytes not decoded yet.

    The option is read under the number ``files`` declare for it; when none declares it,
    under ``default_number`` (an image built without its imports), else nothing is an event
    (nothing imports the option)."""
    found = extension(files)
    number = found[0] if found is not None else default_number
    if number is None:
        return
    for file in files:
        for path, message, class_path in messages(file):
            payload = extension_bytes(message.options.SerializeToString(), number)
            if payload is not None:
                yield (file, path, message, class_path), payload, number


def declarations(
    files: Sequence[descriptor_pb2.FileDescriptorProto], *, default_number: int | None = None
) -> Iterator[Declaration]:
    """Every event declaration of ``files`` (see ``option_bytes``); an option that does not
    decode is a ``BuildError``."""
    for (file, path, message, class_path), payload, number in option_bytes(
        files, default_number=default_number
    ):
        try:
            option = options_pb2.EventOptions.FromString(payload)
        except DecodeError as exc:
            raise BuildError(
                f"{file.name}: cannot read (protonats.v1.event) on {class_path}: {exc}"
            ) from exc
        option_path = (*path, MESSAGE_OPTIONS, number)
        yield Declaration(file, path, message, class_path, option, option_path)


def extension_bytes(options: bytes, number: int) -> bytes | None:
    """The merged payload of length-delimited field ``number`` in serialized options, if any.

    Several occurrences of a singular message field merge, which concatenation reproduces.
    """
    try:
        found = _pbwire.fields(options).get(number, [])
    except ValueError as exc:
        raise BuildError(f"malformed message options: {exc}") from exc
    payloads = [value for value in found if isinstance(value, bytes)]
    return b"".join(payloads) if payloads else None
