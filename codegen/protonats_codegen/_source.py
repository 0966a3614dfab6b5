"""Source positions and comments of declarations, from each file's ``source_code_info``."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf import descriptor_pb2

from protonats._errors import CodegenError

__all__ = ["CodegenError", "SourceInfo"]

# Field numbers of the descriptor.proto paths used to point at declarations.
MESSAGE_TYPE = 4  # FileDescriptorProto.message_type
NESTED_TYPE = 3  # DescriptorProto.nested_type
MESSAGE_OPTIONS = 7  # DescriptorProto.options


class SourceInfo:
    """Finds where a declaration is written in one file, and the comment in front of it."""

    __slots__ = ("_locations", "name")

    def __init__(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        self.name = file.name
        self._locations: dict[tuple[int, ...], descriptor_pb2.SourceCodeInfo.Location] = {}
        for location in file.source_code_info.location:
            # The first location of a path is the declaration; later ones are repeats.
            self._locations.setdefault(tuple(location.path), location)

    def where(self, path: Sequence[int]) -> str:
        """``file.proto:LINE:COL`` (1-based) of ``path``, as precisely as the compiler recorded it.

        Compilers record spans inside option values unevenly (buf down to each scalar, protoc
        only the whole option), so this falls back to the first recorded part of ``path``,
        then to its nearest recorded parent: the option, then the message.
        """
        key = tuple(path)
        location = self._locations.get(key)
        if location is None:
            parts = [loc for p, loc in self._locations.items() if p[: len(key)] == key]
            location = min(parts, key=lambda loc: tuple(loc.span), default=None)
        for end in range(len(key) - 1, 0, -1):
            if location is not None:
                break
            location = self._locations.get(key[:end])
        if location is None:
            return f"{self.name}:1:1"
        return f"{self.name}:{location.span[0] + 1}:{location.span[1] + 1}"

    def leading_comment(self, path: Sequence[int]) -> str | None:
        """The comment just before the declaration at ``path``, cleaned up, or ``None``."""
        location = self._locations.get(tuple(path))
        if location is None or not location.leading_comments.strip():
            return None
        return clean_comment(location.leading_comments)


def clean_comment(text: str) -> str:
    """Strip the one space after ``//`` and surrounding blank lines, keep paragraphs."""
    lines = [line[1:] if line.startswith(" ") else line for line in text.splitlines()]
    return "\n".join(line.rstrip() for line in lines).strip()
