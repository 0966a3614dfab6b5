"""End to end: the example registry from .proto to a wheel, installed in a fresh venv beside
the runtime, registering, emitting and reading back every event on a real nats-server."""

from __future__ import annotations

import json
import site
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from pathlib import Path

import pytest

from protonats.testing import nats_server

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SCRIPT = ROOT / "tests" / "fixtures" / "codegen" / "scripts" / "roundtrip.py"
SHOP_EVENTS = {
    "user-registered",
    "user-email-changed",
    "order-created",
    "parcel-status-changed",
    "parcel-delivered",
}


def run(args: list[str], cwd: Path = ROOT) -> str:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert result.returncode == 0, f"{args} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def build_wheel(source: Path, out: Path) -> Path:
    """A wheel of the project at ``source``, built offline with this venv's hatchling."""
    run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(source),
        ]
    )
    (wheel,) = out.glob("*.whl")
    return wheel


@pytest.fixture(scope="module")
def own_nats_url() -> Iterator[str]:
    """A server of its own: the example's event names are real names other tests use too."""
    with nats_server() as url:
        yield url


def test_wheel_in_a_fresh_venv_round_trips_every_event(tmp_path: Path, own_nats_url: str) -> None:
    run([str(BIN / "buf"), "generate", "--output", str(tmp_path / "work")])
    registry_wheel = build_wheel(tmp_path / "work" / "gen" / "python", tmp_path / "registry")
    runtime_wheel = build_wheel(ROOT, tmp_path / "runtime")
    assert registry_wheel.name == "shop_events-1.4.0-py3-none-any.whl"

    # A fresh venv gets both wheels; third-party dependencies (nats-py, protobuf, msgspec)
    # come from this venv's site-packages through a .pth line, so nothing is downloaded.
    # Path lines in a .pth are not site dirs: this venv's editable protonats stays invisible.
    venv = tmp_path / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    purelib = Path(
        run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).strip()
    )
    deps = [sysconfig.get_path("purelib"), *site.getsitepackages()]
    (purelib / "zz_dev_dependencies.pth").write_text("\n".join(dict.fromkeys(deps)) + "\n")
    pip = [sys.executable, "-m", "pip", "--python", str(python), "--disable-pip-version-check"]
    run(
        [
            *pip,
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            str(runtime_wheel),
            str(registry_wheel),
        ]
    )

    out = run([str(python), str(SCRIPT), own_nats_url], cwd=tmp_path).splitlines()
    *results, summary = (json.loads(line) for line in out)

    info = summary
    assert Path(info["protonats"]).is_relative_to(purelib), "protonats must come from its wheel"
    assert Path(info["shop_events"]).is_relative_to(purelib), (
        "the registry must come from its wheel"
    )
    assert set(info["registry"]) == SHOP_EVENTS
    assert info["version"] == "1.4.0"
    assert {r["event"] for r in results} == SHOP_EVENTS
    for result in results:
        assert result["equal"] is True, result
        assert result["schema"] == f"shop.v1.{result['type']}"
        assert result["seq"] >= 1
