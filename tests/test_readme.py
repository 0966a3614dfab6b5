"""The README and docs/ as executable documents: every fenced ``sh`` block runs, in order (the
README, then the pages of ``DOCS``), in one shell, in a fresh copy of this checkout, as a reader
would type them (a block fenced ``sh no-run`` is skipped; each says why). Every ``python`` block
names its file (```` ```python file=NAME ````) and is written there at its place in the order, so
the ``sh`` blocks after it run it (and type-check it) as the reader would. The shell gets what
the README tells the reader to have:
``$UPLOAD_URL``/``$INDEX_URL`` of a package index (pypiserver, with ``TWINE_USERNAME``/
``TWINE_PASSWORD``) and ``$NATS_URL`` of a
throwaway nats-server, both on free ports. Bounded: the whole run has a deadline.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from protonats.testing import nats_server

from .packaging_env import DEV_BIN, ROOT, clean_checkout, isolated_env, package_index

README = ROOT / "README.md"
DOCS = ("docs/cli.md", "docs/schemas.md", "docs/connection.md")
"""The pages whose blocks run after the README's, in this order (they go on where it stops)."""
FENCE = re.compile(r"^```(?P<lang>\w+)(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
FILE = re.compile(r"\bfile=(?P<name>[\w./-]+)")
RUN = ("sh", "python")
DEADLINE = 1200.0
"""Seconds for every block together: venvs, pip installs, builds and uploads."""


def shell_steps(text: str) -> list[tuple[int, str]]:
    """(line, shell text) of every block to run, in order: an ``sh`` block as it is, a
    ``python file=NAME`` block as the here-document that writes NAME; ``no-run`` left out."""
    steps = []
    for match in FENCE.finditer(text):
        lang, info, body = match.group("lang", "info", "body")
        if lang not in RUN or "no-run" in info.split():
            continue
        line = text.count("\n", 0, match.start()) + 1
        if lang == "sh":
            steps.append((line, body))
        elif named := FILE.search(info):
            end = "PROTONATS_README_EOF"
            steps.append((line, f"cat > {named['name']} <<'{end}'\n{body}{end}\n"))
        else:
            raise AssertionError(f"line {line}: a python block names its file (file=NAME)")
    return steps


def pages() -> list[tuple[str, str]]:
    """(name, text) of the README and the ``DOCS`` pages, in the order their blocks run."""
    return [("README.md", README.read_text())] + [(doc, (ROOT / doc).read_text()) for doc in DOCS]


def test_the_blocks_are_found() -> None:
    assert len(shell_steps(README.read_text())) >= 8
    skipped = [m for m in FENCE.finditer(README.read_text()) if "no-run" in m.group("info")]
    assert len(skipped) <= 1, "no-run is for blocks that cannot run here, sparingly"


def test_every_runnable_block_of_docs_is_run() -> None:
    """A page under docs/ with a block to run is in ``DOCS``; each python file is run later."""
    for doc in sorted((ROOT / "docs").glob("*.md")):
        name = f"docs/{doc.name}"
        text = doc.read_text()
        if name not in DOCS:
            assert not shell_steps(text), f"{name} has blocks to run: add it to DOCS"
    for name, text in pages():
        steps = [body for _, body in shell_steps(text)]
        for index, body in enumerate(steps):
            if "<<'PROTONATS_README_EOF'" in body.split("\n", 1)[0]:
                written = body.split()[2]
                later = "\n".join(steps[index + 1 :])
                assert written in later, f"{name}: {written} is written but never run"


def test_every_shell_block_of_the_readme_runs_in_order(tmp_path: Path) -> None:
    checkout = clean_checkout(tmp_path / "protonats")
    # The checkout's make uses this venv's tools (as its own .venv) without reinstalling:
    # STAMP on make's command line (through MAKEFLAGS) says they are installed.
    (checkout / ".venv").symlink_to(DEV_BIN.parent, target_is_directory=True)
    stamp = tmp_path / "tools-installed"
    stamp.touch()
    uploads = tmp_path / "packages"
    uploads.mkdir()
    script = ["set -euo pipefail"]
    for name, text in pages():
        for line, body in shell_steps(text):
            script += [f"echo '### {name}:{line}' >&2", body]
    # The index serves what was uploaded and redirects every other name to the public index
    # (its fallback), as the README tells a service to install with --index-url alone.
    with package_index(uploads, fallback=True) as index, nats_server() as nats_url:
        env = isolated_env(
            UPLOAD_URL=f"{index}/",
            INDEX_URL=f"{index}/simple/",
            TWINE_USERNAME="ci",  # the index takes uploads without authentication
            TWINE_PASSWORD="unused",  # noqa: S106
            NATS_URL=nats_url,
            MAKEFLAGS=f"STAMP={stamp}",
        )
        done = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=checkout,
            env=env,
            capture_output=True,
            text=True,
            timeout=DEADLINE,
            check=False,
        )
    (tmp_path / "readme.log").write_text(done.stdout + "\n" + done.stderr)  # for a failure
    where = [line for line in done.stderr.splitlines() if line.startswith("### ")]
    assert done.returncode == 0, (
        f"the block at {where[-1] if where else '?'} failed ({done.returncode}):\n"
        f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
