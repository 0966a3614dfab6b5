"""The ``.proto`` comments of every declaration, by full name, for the generated ``DOCS``.

Python's descriptors do not keep comments, so the generator carries them into the generated
code: ``DOCS`` in each ``events.py`` maps ``shop.v1.UserRegistered`` (a message),
``shop.v1.UserRegistered.user_id`` (a field), ``shop.v1.Status`` and ``shop.v1.Status.ACTIVE``
(an enum and its values) to their comment, and the registry hands them to ``Events(docs=)``,
where the event catalog reads them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from google.protobuf import descriptor_pb2

from protonats.checks._declarations import clean_comment

__all__ = ["collect_docs"]

# Field numbers in descriptor.proto: the paths of source_code_info.
_MESSAGE_TYPE, _ENUM_TYPE = 4, 5  # FileDescriptorProto
_FIELD, _NESTED_TYPE, _NESTED_ENUM = 2, 3, 4  # DescriptorProto
_ENUM_VALUE = 2  # EnumDescriptorProto

_Path = tuple[int, ...]


def collect_docs(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> dict[str, str]:
    """Full name -> comment of every commented message, field, enum and enum value."""
    docs: dict[str, str] = {}
    for file in files:
        comments = _comments(file)
        prefix = f"{file.package}." if file.package else ""
        for name, path in _declarations(file, prefix):
            text = comments.get(path)
            if text:
                docs[name] = text
    return docs


def _comments(file: descriptor_pb2.FileDescriptorProto) -> dict[_Path, str]:
    """The leading comment of each declaration, else its trailing one, cleaned up."""
    found: dict[_Path, str] = {}
    for location in file.source_code_info.location:
        path = tuple(location.path)
        if path in found:
            continue
        text = location.leading_comments if location.leading_comments.strip() else ""
        text = text or location.trailing_comments
        if text.strip():
            found[path] = clean_comment(text)
    return found


def _declarations(
    file: descriptor_pb2.FileDescriptorProto, prefix: str
) -> Iterator[tuple[str, _Path]]:
    for index, message in enumerate(file.message_type):
        yield from _message(message, prefix + message.name, (_MESSAGE_TYPE, index))
    for index, enum in enumerate(file.enum_type):
        yield from _enum(enum, prefix + enum.name, (_ENUM_TYPE, index))


def _message(
    message: descriptor_pb2.DescriptorProto, name: str, path: _Path
) -> Iterator[tuple[str, _Path]]:
    yield name, path
    for index, field in enumerate(message.field):
        yield f"{name}.{field.name}", (*path, _FIELD, index)
    for index, nested in enumerate(message.nested_type):
        if not nested.options.map_entry:
            yield from _message(nested, f"{name}.{nested.name}", (*path, _NESTED_TYPE, index))
    for index, enum in enumerate(message.enum_type):
        yield from _enum(enum, f"{name}.{enum.name}", (*path, _NESTED_ENUM, index))


def _enum(
    enum: descriptor_pb2.EnumDescriptorProto, name: str, path: _Path
) -> Iterator[tuple[str, _Path]]:
    yield name, path
    for index, value in enumerate(enum.value):  # keyed under the enum: Status.ACTIVE
        yield f"{name}.{value.name}", (*path, _ENUM_VALUE, index)
