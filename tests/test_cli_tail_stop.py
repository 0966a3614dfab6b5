"""``protonats tail`` stops cleanly: SIGTERM and a closed pipe delete its consumer too."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

from tests.test_cli import ORDER, ROOT, SCRIPT, cli, consumer_count, registry


def _tail(url: str, *args: str) -> subprocess.Popen[str]:
    env = {"NATS_URL": url, "PATH": str(Path(sys.executable).parent)}
    return subprocess.Popen(
        [SCRIPT, "tail", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_consumer(url: str, stream: str, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 20
    while consumer_count(url, stream) == 0:
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "tail never created its consumer"


def _stop(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def test_sigterm_stops_tail_with_143_and_deletes_its_consumer(nats_url: str, unique: str) -> None:
    reg = ("-r", registry(unique))
    assert cli("register", *reg, url=nats_url)[0] == 0
    order = f"order-placed-{unique}"
    proc = _tail(nats_url, order, *reg)
    try:
        _wait_for_consumer(nats_url, order, proc)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    finally:
        _stop(proc)
    assert proc.returncode == 143
    assert err.strip() == "protonats: terminated"
    assert consumer_count(nats_url, order) == 0


def test_closed_pipe_ends_tail_quietly_with_0_and_deletes_its_consumer(
    nats_url: str, unique: str
) -> None:
    reg = ("-r", registry(unique))
    assert cli("register", *reg, url=nats_url)[0] == 0
    order = f"order-placed-{unique}"
    body = json.dumps(ORDER)
    assert cli("emit", order, "--json", body, *reg, url=nats_url)[0] == 0
    proc = _tail(nats_url, order, "--from-start", "--format", "jsonl", *reg)
    try:
        assert proc.stdout is not None
        first = proc.stdout.readline()  # like `| head -1`: one line, then the reader is gone
        assert json.loads(first)["seq"] == 1
        proc.stdout.close()
        deadline = time.monotonic() + 30
        while proc.poll() is None:  # the next message is written into the closed pipe
            assert time.monotonic() < deadline, "tail kept running after its reader left"
            assert cli("emit", order, "--json", body, *reg, url=nats_url)[0] == 0
            try:
                proc.wait(1)
            except subprocess.TimeoutExpired:
                continue
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        _stop(proc)
    assert proc.returncode == 0, err
    assert err.strip() == ""
    assert consumer_count(nats_url, order) == 0
