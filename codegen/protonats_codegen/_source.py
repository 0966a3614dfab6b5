"""Source positions and comments of declarations, from each file's ``source_code_info``."""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf import descriptor_pb2

from protonats._errors import CodegenError
from protonats.checks._declarations import clean_comment
from protonats.checks._image_events import resolve_path

__all__ = ["CodegenError", "SourceInfo"]


class SourceInfo:
    """Finds where a declaration is written in one file, and the comment in front of it."""

    __slots__ = ("_locations", "_spans", "name")

    def __init__(self, file: descriptor_pb2.FileDescriptorProto) -> None:
        self.name = file.name
        self._locations: dict[tuple[int, ...], descriptor_pb2.SourceCodeInfo.Location] = {}
        for location in file.source_code_info.location:
            # The first location of a path is the declaration; later ones are repeats.
            self._locations.setdefault(tuple(location.path), location)
        self._spans = {path: tuple(loc.span) for path, loc in self._locations.items()}

    def where(self, path: Sequence[int]) -> str:
        """``file.proto:LINE:COL`` (1-based) of ``path``, as precisely as the compiler recorded it.

        Compilers record spans inside option values unevenly (buf down to each scalar, protoc
        only the whole option), so this falls back as buf does (``resolve_path``): to the first
        recorded part of ``path``, then to its nearest recorded parent.
        """
        resolved = resolve_path(self._spans, tuple(path))
        if resolved is None:
            return f"{self.name}:1:1"
        span = self._spans[resolved]
        return f"{self.name}:{span[0] + 1}:{span[1] + 1}"

    def leading_comment(self, path: Sequence[int]) -> str | None:
        """The comment just before the declaration at ``path``, cleaned up, or ``None``."""
        location = self._locations.get(tuple(path))
        if location is None or not location.leading_comments.strip():
            return None
        return clean_comment(location.leading_comments)
