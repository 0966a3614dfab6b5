"""``protonats breaking``: ``buf breaking`` with the protonats event rules, one command.

The rules run inside buf, through ``buf-plugin-protonats`` (``buf.yaml`` lists it under
``plugins`` and its category ``PROTONATS_EVENTS`` under ``breaking.use``), so this command is
``buf breaking <input> --against <baseline> --error-format json`` with the plugin on PATH, its
findings handed to the CLI's output formats. Exit codes are buf's: 0 nothing breaking, 100
breaking changes found, 1 usage, configuration or build error. Deliberate breaks are accepted
in ``buf.yaml`` (``breaking.except``, ``breaking.ignore_only``); ``[tool.protonats.breaking]``
in ``pyproject.toml`` is no longer read (a warning says so).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

from .._errors._cli import BufError

__all__ = ["EXIT_BREAKING", "BreakingReport", "BufError", "BufFinding", "breaking_report"]

EXIT_BREAKING = 100
"""What ``buf breaking`` exits with when it finds breaking changes."""
PLUGIN = "buf-plugin-protonats"


@dataclasses.dataclass(frozen=True, slots=True)
class BufFinding:
    """One finding of ``buf breaking --error-format json``: buf's own rules or ours."""

    path: str
    line: int
    column: int
    rule: str
    message: str
    plugin: str
    """``buf-plugin-protonats`` for an event rule, empty for buf's own."""

    @property
    def location(self) -> str:
        return f"{self.path or '<input>'}:{self.line}:{self.column}"


@dataclasses.dataclass(frozen=True, slots=True)
class BreakingReport:
    """What ``buf breaking`` found, and what to know about the configuration."""

    against: str
    input: str
    findings: list[BufFinding]
    warnings: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "against": self.against,
            "input": self.input,
            "breaking": len(self.findings),
            "findings": [dataclasses.asdict(f) for f in self.findings],
        }

    def summary(self) -> str:
        what = f"{len(self.findings)} breaking change(s)" if self.findings else "nothing breaking"
        return f"{what} against {self.against}"


def _scripts() -> list[str]:
    return [sysconfig.get_path("scripts"), str(Path(sys.executable).parent)]


def find_buf() -> str:
    """The buf executable: ``$PROTONATS_BUF``, the one next to this Python, or one on PATH."""
    explicit = os.environ.get("PROTONATS_BUF")
    if explicit:
        return explicit
    name = "buf.exe" if sys.platform == "win32" else "buf"
    for scripts in _scripts():
        candidate = Path(scripts) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("buf")
    if found is None:
        raise BufError("buf was not found: install it with `pip install buf-bin` (or set PATH)")
    return found


def breaking_report(*, against: str, input: str = ".") -> BreakingReport:
    """``buf breaking input --against against`` with the plugin on PATH. Raises ``BufError``
    (one line, buf's own words) when buf fails for another reason than breaking changes."""
    buf = find_buf()
    path = os.pathsep.join([*_scripts(), os.environ.get("PATH", "")])
    command = [buf, "breaking", input, "--against", against, "--error-format", "json"]
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, env={**os.environ, "PATH": path}, check=False
        )
    except OSError as exc:
        raise BufError(f"could not run {buf}: {exc}") from exc
    findings = _findings(done.stdout) if done.returncode in (0, EXIT_BREAKING) else None
    if findings is None:
        raise BufError(_one_line(done.stderr) or f"buf breaking failed ({done.returncode})")
    return BreakingReport(against, input, findings, _warnings(Path(input)))


def _findings(stdout: str) -> list[BufFinding] | None:
    out: list[BufFinding] = []
    for line in stdout.splitlines():
        try:
            item = json.loads(line)
        except ValueError:
            return None
        out.append(
            BufFinding(
                str(item.get("path", "")),
                int(item.get("start_line", 0)),
                int(item.get("start_column", 0)),
                str(item.get("type", "")),
                str(item.get("message", "")),
                str(item.get("plugin", "")),
            )
        )
    return out


def _one_line(stderr: str) -> str:
    """buf's (possibly multi-line) error, as one line with a hint for shallow clones."""
    lines = [line.strip().removeprefix("Failure: ") for line in stderr.splitlines()]
    lines = [line for line in lines if line]
    text = "; ".join(lines[:2]) + (f" (and {len(lines) - 2} more lines)" if len(lines) > 2 else "")
    if "did not match any file(s) known to git" in text or "unknown revision" in text:
        text += (
            "; if this is a shallow clone, fetch more history "
            "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)"
        )
    return text


def _warnings(input: Path) -> list[str]:
    """What the user should know: our rules not configured, or the old allow-list present."""
    base = input if input.is_dir() else Path()
    found: list[str] = []
    config = base / "buf.yaml"
    if config.is_file() and PLUGIN not in config.read_text(encoding="utf-8", errors="replace"):
        found.append(
            f"{config} does not list {PLUGIN}, so only buf's own rules ran; add "
            f"`plugins: [{{plugin: {PLUGIN}}}]` and PROTONATS_EVENTS to breaking.use"
        )
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            data = {}
        if "breaking" in data.get("tool", {}).get("protonats", {}):
            found.append(
                f"{pyproject}: [tool.protonats.breaking] is no longer read; accept a deliberate "
                "break in buf.yaml instead (breaking.except: [RULE], or breaking.ignore_only: "
                "{RULE: [path]})"
            )
    return found
