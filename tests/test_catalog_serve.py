"""``protonats catalog --serve``: the site on a free loopback port (the URL printed), rebuilt
when the registry's source changes."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import IO

from .helpers import DEADLINE

REGISTRY = """
import dataclasses

from protonats import Event, Events


@dataclasses.dataclass
class Note:
    text: str


EVENTS = Events(Event("note-served", Note, description={description!r}))
"""


def _line(lines: queue.Queue[str], wanted: str) -> str:
    """The next line of the server's output that starts with ``wanted``."""
    deadline = time.monotonic() + DEADLINE
    while (left := deadline - time.monotonic()) > 0:
        try:
            line = lines.get(timeout=left)
        except queue.Empty:
            break
        assert line, "--serve ended"
        if line.startswith(wanted):
            return line
    raise AssertionError(f"no {wanted!r} line in {DEADLINE} s")


def _read(stream: IO[str], lines: queue.Queue[str]) -> None:
    for line in stream:
        lines.put(line)
    lines.put("")


def _get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=DEADLINE) as reply:  # noqa: S310 (loopback)
        text: str = reply.read().decode()
        return text


def test_serve_prints_a_loopback_url_and_rebuilds_on_change(tmp_path: Path) -> None:
    module = tmp_path / "served_registry.py"
    module.write_text(REGISTRY.format(description="First words."))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    code = "import sys; from protonats.cli import main; sys.exit(main(sys.argv[1:]))"
    argv = ["catalog", "--serve", "--out", str(tmp_path / "site"), "-r", "served_registry:EVENTS"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *argv], stdout=subprocess.PIPE, text=True, env=env
    )
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    threading.Thread(target=_read, args=(proc.stdout, lines), daemon=True).start()
    try:
        line = _line(lines, "serving ")
        url = line.split(" at ", 1)[1].split()[0]
        assert url.startswith("http://127.0.0.1:")
        assert url.endswith("/index.html")
        assert "First words." in _get(url)
        assert "First words." in _get(url.replace("index.html", "events/note-served.html"))
        module.write_text(REGISTRY.format(description="Second words."))
        _line(lines, "rebuilt at ")
        assert "Second words." in _get(url)
    finally:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE) in (0, 130)


def test_rebuilds_connect_as_the_command_did_with_no_secret_on_a_command_line() -> None:
    from protonats.cli._options import Connection
    from protonats.cli.catalog_site._build import CatalogRequest
    from protonats.cli.catalog_site._serve import _connection

    given = Connection(user="ann", password="pw-secret", tls_hostname="hub")  # noqa: S106
    env, argv = _connection(CatalogRequest(out=Path("x"), connection=given))
    assert env == {"NATS_USER": "ann", "NATS_PASSWORD": "pw-secret"}
    assert argv == ["--tls-hostname", "hub"]
