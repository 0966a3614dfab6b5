"""The README as an executable document: every fenced ``sh`` block runs, in order, in one shell,
in a fresh copy of this checkout, as a reader would type them (a block fenced ``sh no-run``
is skipped; each says why). The shell gets what the README tells the reader to have:
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
FENCE = re.compile(r"^```sh(?P<info>[^\n]*)\n(?P<body>.*?)^```\s*$", re.M | re.S)
DEADLINE = 1200.0
"""Seconds for every block together: venvs, pip installs, builds and uploads."""


def sh_blocks(text: str) -> list[tuple[int, str]]:
    """(line, body) of every ``sh`` block to run, in order; ``sh no-run`` blocks left out."""
    return [
        (text.count("\n", 0, match.start()) + 1, match.group("body"))
        for match in FENCE.finditer(text)
        if "no-run" not in match.group("info").split()
    ]


def test_the_blocks_are_found() -> None:
    blocks = sh_blocks(README.read_text())
    assert len(blocks) >= 5
    skipped = [m for m in FENCE.finditer(README.read_text()) if "no-run" in m.group("info")]
    assert len(skipped) <= 1, "no-run is for blocks that cannot run here, sparingly"


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
    for line, body in sh_blocks(README.read_text()):
        script += [f"echo '### README.md:{line}' >&2", body]
    with package_index(uploads) as index, nats_server() as nats_url:
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
    where = [line for line in done.stderr.splitlines() if line.startswith("### README.md:")]
    assert done.returncode == 0, (
        f"the block at {where[-1] if where else '?'} failed ({done.returncode}):\n"
        f"{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    )
