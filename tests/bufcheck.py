"""Helpers for running real ``buf lint`` / ``buf breaking`` with ``buf-plugin-protonats``:
temporary workspaces and git repositories, and buf's JSON findings."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = (ROOT / "proto" / "protonats" / "v1" / "options.proto").read_text()
OPTIONS_PATH = "proto/protonats/v1/options.proto"
SCRIPTS = Path(sys.executable).parent
BUF = str(SCRIPTS / "buf")
PLUGIN = str(SCRIPTS / "buf-plugin-protonats")
PLUGIN_NAME = "buf-plugin-protonats"


def buf_yaml(lint: str = "", breaking: str = "", extra: str = "") -> str:
    """A v2 buf.yaml with module ``proto`` and the plugin; only PROTONATS_EVENTS by default,
    so that buf's own rules add no noise."""
    return (
        "version: v2\nmodules:\n  - path: proto\n"
        f"lint:\n  use: [PROTONATS_EVENTS]\n{lint}"
        f"breaking:\n  use: [PROTONATS_EVENTS]\n{breaking}"
        f"plugins:\n  - plugin: {PLUGIN_NAME}\n{extra}"
    )


def env() -> dict[str, str]:
    """buf finds the plugin on PATH: this venv's scripts first."""
    return {**os.environ, "PATH": f"{SCRIPTS}{os.pathsep}{os.environ.get('PATH', '')}"}


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com",
         "-c", "commit.gpgsign=false", *args],
        cwd=repo, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return done.stdout


def write_tree(root: Path, files: Mapping[str, str | None]) -> None:
    """Write ``files`` (path -> text; ``None`` deletes) under ``root``, with buf.yaml and the
    option proto unless ``files`` names them."""
    tree = {"buf.yaml": buf_yaml(), OPTIONS_PATH: OPTIONS, **files}
    for name, text in tree.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_repo(
    root: Path, before: Mapping[str, str | None], after: Mapping[str, str | None]
) -> Path:
    """A git repository with two commits: ``before``, then ``after`` written over it."""
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_tree(root, before)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before")
    write_tree(root, after)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "after")
    return root


@dataclasses.dataclass(frozen=True)
class Finding:
    """One line of ``--error-format json``."""

    rule: str
    path: str
    line: int
    column: int
    message: str
    plugin: str

    @property
    def where(self) -> str:
        return f"{self.path}:{self.line}:{self.column}"


@dataclasses.dataclass(frozen=True)
class Result:
    code: int
    findings: list[Finding]
    out: str
    err: str

    def ours(self) -> list[Finding]:
        return [f for f in self.findings if f.plugin == PLUGIN_NAME]

    def rules_in(self, path: str) -> set[str]:
        return {f.rule for f in self.ours() if f.path == path}


def buf(args: Sequence[str], cwd: Path, *, json_format: bool = True) -> Result:
    """Run ``buf <args>`` in ``cwd`` (with ``--error-format json`` unless told otherwise)."""
    command = [BUF, *args, *(["--error-format", "json"] if json_format else [])]
    done = subprocess.run(
        command, cwd=cwd, capture_output=True, text=True, env=env(), check=False, timeout=120
    )
    findings = []
    if json_format:
        for line in done.stdout.splitlines():
            item: dict[str, Any] = json.loads(line)
            findings.append(
                Finding(
                    item["type"], item.get("path", ""), item.get("start_line", 0),
                    item.get("start_column", 0), item["message"], item.get("plugin", ""),
                )
            )  # fmt: skip
    return Result(done.returncode, findings, done.stdout, done.stderr)


def compile_files(root: Path, files: Mapping[str, str | None]) -> list[Any]:
    """The ``FileDescriptorProto`` list of a workspace, as ``buf build`` makes it (imports
    and source info included): what buf sends a check plugin."""
    from google.protobuf import descriptor_pb2

    write_tree(root, files)
    out = root / "image.binpb"
    built = buf(["build", "-o", str(out)], root, json_format=False)
    assert built.code == 0, built.err
    return list(descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file)
