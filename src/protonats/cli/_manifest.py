"""The files one generated output directory holds, so regenerating touches only its own.

``protonats catalog --out DIR`` writes through a ``Manifest``: it records what it wrote in
``DIR/.protonats-catalog.json`` (each path relative to ``DIR`` with the SHA-256 of the
bytes written). A later run

- overwrites a file only if an earlier run wrote it (or it already holds exactly the new
  bytes); any other existing file is refused, naming it, unless ``force=True``;
- never writes through a symlink, nor into a directory reached through one (a symlink
  under ``DIR`` is refused, ``force`` or not);
- removes, in ``finish()``, only the files an earlier run wrote and this run did not,
  and only while they still hold what was written (a file edited since is kept).

    manifest = Manifest(out, force=force)
    manifest.write_file("index.md", text)        # a path relative to out, or under it
    removed = manifest.finish()                   # stale own files removed; manifest saved
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from pathlib import Path, PurePosixPath

from .._errors._cli import CliError

__all__ = ["MANIFEST_FILE", "Manifest"]

MANIFEST_FILE = ".protonats-catalog.json"
_FORMAT = "protonats-catalog-manifest/1"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Manifest:
    """Writes files under ``root`` and remembers them (see the module docstring)."""

    def __init__(self, root: Path, *, force: bool = False) -> None:
        self.root = root
        self.force = force
        self.written: list[Path] = []
        self.kept: list[Path] = []  # stale own files left in place: edited since written
        self._path = root / MANIFEST_FILE
        self._previous = self._load()
        self._files: dict[str, str] = {}

    def write_file(self, path: Path | str, text: str) -> Path:
        """Write ``text`` (UTF-8) to ``path`` (relative to the root, or under it)."""
        return self.write_bytes(path, text.encode("utf-8"))

    def write_bytes(self, path: Path | str, data: bytes) -> Path:
        """Write ``data`` to ``path`` (relative to the root, or under it); return its path."""
        rel = self._relative(path)
        target = self.root.joinpath(*rel.parts)
        self._refuse_symlinks(rel)
        digest = _digest(data)
        try:
            existing = target.read_bytes() if target.exists() else None
        except OSError as exc:
            raise CliError(f"cannot read {str(target)!r}: {exc}") from exc
        own = str(rel) in self._previous
        if existing is not None and not own and _digest(existing) != digest and not self.force:
            raise CliError(
                f"{str(target)!r} exists and was not written by protonats catalog: move it "
                f"away, choose another --out directory, or pass --force to overwrite it"
            )
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            if existing is None or _digest(existing) != digest:
                target.write_bytes(data)
        except OSError as exc:
            raise CliError(f"cannot write {str(target)!r}: {exc}") from exc
        self._files[str(rel)] = digest
        self.written.append(target)
        return target

    def finish(self) -> list[Path]:
        """Remove the files an earlier run wrote that this one did not (unless edited since);
        save the manifest; return the files removed."""
        removed: list[Path] = []
        for name, digest in sorted(self._previous.items()):
            if name in self._files:
                continue
            rel = PurePosixPath(name)
            target = self.root.joinpath(*rel.parts)
            try:
                self._refuse_symlinks(rel)
                if not target.is_file():
                    continue  # already gone
                if _digest(target.read_bytes()) != digest:
                    self.kept.append(target)
                    self._files[name] = digest  # still ours: offered for removal next time
                    continue
                target.unlink()
            except (OSError, CliError):
                self.kept.append(target)
                continue
            removed.append(target)
        self._save()
        return removed

    def _relative(self, path: Path | str) -> PurePosixPath:
        """``path`` as a clean path relative to the root; refused if it leaves the root."""
        given = Path(path)
        if given.is_absolute():
            try:
                given = given.relative_to(self.root)
            except ValueError:
                raise CliError(f"{str(path)!r} is not under {str(self.root)!r}") from None
        rel = PurePosixPath(*given.parts)
        if not rel.parts or rel.is_absolute() or ".." in rel.parts or str(rel) == ".":
            raise CliError(f"{str(path)!r} is not a file under {str(self.root)!r}")
        if str(rel) == MANIFEST_FILE:
            raise CliError(f"{MANIFEST_FILE!r} is the catalog's own record of its files")
        return rel

    def _refuse_symlinks(self, rel: PurePosixPath) -> None:
        """Refuse ``rel`` if it or a directory above it (below the root) is a symlink."""
        current = self.root
        for part in rel.parts:
            current = current / part
            try:
                mode = os.lstat(current).st_mode
            except FileNotFoundError:
                return
            except OSError as exc:
                raise CliError(f"cannot inspect {str(current)!r}: {exc}") from exc
            if stat.S_ISLNK(mode):
                raise CliError(
                    f"{str(current)!r} is a symlink: protonats catalog writes only regular "
                    f"files and directories under {str(self.root)!r} (remove the link)"
                )

    def _load(self) -> dict[str, str]:
        if os.path.islink(self._path):
            raise CliError(f"{str(self._path)!r} is a symlink: remove it")
        try:
            text = self._path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise CliError(f"cannot read {str(self._path)!r}: {exc}") from exc
        try:
            document = json.loads(text)
            files = document["files"] if document.get("format") == _FORMAT else None
        except (ValueError, AttributeError, KeyError, TypeError):
            files = None
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            raise CliError(
                f"{str(self._path)!r} is not a protonats catalog manifest: remove it (the "
                f"files it listed are then treated as not written by protonats)"
            )
        own: dict[str, str] = {}
        for name, digest in files.items():
            rel = PurePosixPath(name)
            if rel.parts and not rel.is_absolute() and ".." not in rel.parts:
                own[str(rel)] = digest  # anything else is ignored: never touched
        return own

    def _save(self) -> None:
        document = {"format": _FORMAT, "files": dict(sorted(self._files.items()))}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            if os.path.islink(self._path):
                raise CliError(f"{str(self._path)!r} is a symlink: remove it")
            self._path.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
        except OSError as exc:
            raise CliError(f"cannot write {str(self._path)!r}: {exc}") from exc
