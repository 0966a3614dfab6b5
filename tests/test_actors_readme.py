"""The README's Actors snippet (walnats code with only the import changed) runs as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from protonats.testing import nats_server

README = Path(__file__).resolve().parent.parent / "README.md"


def actors_snippet() -> str:
    section = README.read_text().split("\n## Actors\n", 1)[1].split("\n## ", 1)[0]
    found = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert found is not None, "no python block in the README's Actors section"
    return found.group(1)


def test_the_walnats_snippet_runs_with_only_the_import_changed() -> None:
    code = actors_snippet()
    assert "import protonats as walnats" in code
    assert 'walnats.Actor("send-email", USER_REGISTERED, send_email)' in code
    with nats_server() as url:
        result = subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "NATS_URL": url},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "welcome, Ann!\n"
