"""`make demo`'s runtime part: the embedded-default demo round-trips and shows refusals."""

from __future__ import annotations

import os
import subprocess
import sys


def test_demo_round_trips_every_event_on_its_own_server() -> None:
    env = {k: v for k, v in os.environ.items() if k != "NATS_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "protonats.cli._demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "every stream unchanged (no-op)" in out
    assert out.count("stored once") == 2
    assert out.count("equal") == 2
    assert "StreamConfigError" in out
    assert "NewerRegistryError" in out
    assert "greet 'flaky': attempt 2 fails" in out
    assert "greet 'flaky': attempt 3 handled" in out
    assert "dead letter 1 in demo-greeting-dead: undecodable" in out
