"""Build buf images for ``protonats breaking``: find buf, run ``buf build <input> -o -`` (a git
ref, a directory or an image file are all buf inputs) and map import paths to displayed paths.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Sequence
from pathlib import Path

__all__ = ["BuildError", "build_image", "find_buf", "local_paths"]


class BuildError(Exception):
    """buf could not build an input (bad ref, not a git repository, compile error, no buf)."""


def find_buf() -> str:
    """The buf executable: ``$PROTONATS_BUF``, the one next to this Python, or one on PATH."""
    explicit = os.environ.get("PROTONATS_BUF")
    if explicit:
        return explicit
    name = "buf.exe" if sys.platform == "win32" else "buf"
    for scripts in (sysconfig.get_path("scripts"), str(Path(sys.executable).parent)):
        candidate = Path(scripts) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("buf")
    if found is None:
        raise BuildError("buf was not found: install it with `pip install buf-bin` (or set PATH)")
    return found


def _run_buf(args: Sequence[str], *, cwd: Path | None = None) -> bytes:
    buf = find_buf()
    try:
        done = subprocess.run([buf, *args], cwd=cwd, capture_output=True, check=False)
    except OSError as exc:
        raise BuildError(f"could not run {buf}: {exc}") from exc
    if done.returncode != 0:
        raise BuildError(_one_line(done.stderr.decode("utf-8", "replace")) or "buf failed")
    return done.stdout


def _one_line(stderr: str) -> str:
    """Fold buf's (possibly multi-line) error output into one readable line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    lines = [line.removeprefix("Failure: ") for line in lines]
    if not lines:
        return ""
    text = "; ".join(lines[:2])
    if len(lines) > 2:
        text += f" (and {len(lines) - 2} more lines)"
    if "did not match any file(s) known to git" in text or "unknown revision" in text:
        text += (
            "; if this is a shallow clone, fetch more history "
            "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
        )
    return text


def build_image(source: str, *, cwd: Path | None = None) -> bytes:
    """``buf build <source>``: the image bytes (binpb), with imports and source info."""
    return _run_buf(["build", source, "-o", "-"], cwd=cwd)


def local_paths(source: str, *, cwd: Path | None = None) -> dict[str, str]:
    """Map import paths (``shop/v1/user.proto``) to paths as the user sees them
    (``proto/shop/v1/user.proto``), for a directory input; empty for other inputs."""
    base = Path(cwd or ".") / source
    if not base.is_dir():
        return {}
    out = _run_buf(["ls-files", source, "--format", "json"], cwd=cwd)
    mapping: dict[str, str] = {}
    for line in out.decode("utf-8", "replace").splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict):
            continue
        import_path, path = entry.get("import_path"), entry.get("path")
        if isinstance(import_path, str) and isinstance(path, str) and path:
            mapping[import_path] = path
    return mapping
