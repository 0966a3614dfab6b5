"""The TypeScript side for tests: ts/'s npm packages (``npm ci`` from ts/package-lock.json, once
per change of the lock, as ``make`` does), ``@protonats/runtime`` compiled, and Node projects
that use the generated ``shop-events`` package (gen/ts, compiled here) by its name.

No Node.js or npm, or npm failing, fails the test: nothing skips.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
TS = ROOT / "ts"
GEN_TS = ROOT / "gen" / "ts"
SCRIPTS = ROOT / "tests" / "ts"
NODE_MODULES = TS / "node_modules"
TSC = NODE_MODULES / ".bin" / "tsc"


def tools() -> tuple[str, str]:
    """``node`` and ``npm``, or the test fails saying what is missing."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.fail("Node.js 18+ and npm are needed for the TypeScript tests")
    return node, npm


def run(
    args: list[str],
    cwd: Path,
    *,
    stdin: str | None = None,
    timeout: float = 300,
    env: dict[str, str] | None = None,
) -> str:
    """Run a command; its stdout, or the test fails with its output."""
    done = subprocess.run(
        args,
        cwd=cwd,
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"{' '.join(args)} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _newer(target: Path, *sources: Path) -> bool:
    return target.exists() and all(target.stat().st_mtime >= s.stat().st_mtime for s in sources)


def installed() -> str:
    """ts/'s packages installed and the runtime compiled (as ``make ts-runtime``); ``node``."""
    node, npm = tools()
    stamp = NODE_MODULES / ".package-lock.json"
    manifests = (TS / "package.json", TS / "package-lock.json", TS / "runtime" / "package.json")
    if not _newer(stamp, *manifests):
        run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], TS, timeout=600)
    built = TS / "runtime" / "dist" / "index.js"
    sources = [*(TS / "runtime" / "src").glob("*.ts"), TS / "runtime" / "tsconfig.json"]
    if not _newer(built, stamp, *sources):
        run([str(TSC), "-p", "tsconfig.json"], TS / "runtime")
        built.touch()
    if not (GEN_TS / "src" / "events.ts").exists():
        pytest.fail("gen/ts is missing: run make generate first (make test does)")
    return node


def node_project(where: Path) -> Path:
    """A Node project at ``where`` whose ``node_modules`` has every package of ts/ (linked) and
    ``shop-events``: a compiled copy of gen/ts. Links live here, never under gen/ (buf's clean
    would walk into them)."""
    installed()
    modules = where / "node_modules"
    modules.mkdir(parents=True)
    for entry in NODE_MODULES.iterdir():
        (modules / entry.name).symlink_to(entry, target_is_directory=entry.is_dir())
    package = where / "shop-events"
    shutil.copytree(GEN_TS, package, ignore=shutil.ignore_patterns("node_modules", "dist"))
    run([str(TSC), "-p", "tsconfig.json"], package)
    (modules / "shop-events").symlink_to(package, target_is_directory=True)
    (where / "package.json").write_text(json.dumps({"private": True, "type": "module"}))
    return where


def compile_scripts(project: Path) -> Path:
    """tests/ts/*.ts compiled with ``tsc --strict`` in ``project``; the folder of the .js."""
    shutil.copytree(SCRIPTS, project, dirs_exist_ok=True, ignore=shutil.ignore_patterns("out"))
    run([str(TSC), "-p", "tsconfig.json"], project)
    return project / "out"


def json_lines(text: str) -> list[Any]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]
