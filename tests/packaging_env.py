"""What the packaging tests need to act as a user would: a clean checkout, a real package index
(pypiserver), and fresh venvs that see nothing of this repository or its ``.venv``."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from protonats.testing import free_port

ROOT = Path(__file__).resolve().parent.parent
DEV_BIN = Path(sys.executable).parent
# Variables that would lead a child process back into this venv or checkout.
_LEAKY = ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSTARTUP", "PROTONATS_REGISTRY_REVISION")
_GIT_ID = {
    "GIT_AUTHOR_NAME": "protonats tests",
    "GIT_AUTHOR_EMAIL": "tests@example.com",
    "GIT_COMMITTER_NAME": "protonats tests",
    "GIT_COMMITTER_EMAIL": "tests@example.com",
}


def isolated_env(venv: Path | None = None, **extra: str) -> dict[str, str]:
    """This process's environment without any path into the dev venv (``venv``'s bin first)."""
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p and Path(p) != DEV_BIN]
    if venv is not None:
        path.insert(0, str(venv / "bin"))
    env["PATH"] = os.pathsep.join(path)
    return {**env, **_GIT_ID, **extra}


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    """Run a command; fail the test with its output unless it exits 0."""
    result = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, check=False, timeout=timeout
    )
    assert result.returncode == 0, (
        f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    )
    return result.stdout


def normal_index() -> str:
    """The package index pip uses here (environment, then pip config, then pip's default)."""
    if os.environ.get("PIP_INDEX_URL"):
        return os.environ["PIP_INDEX_URL"]
    pip = [sys.executable, "-m", "pip"]
    for key in ("global.index-url", "install.index-url"):
        got = subprocess.run([*pip, "config", "get", key], capture_output=True, text=True)
        if got.returncode == 0 and got.stdout.strip():
            return got.stdout.strip()
    helptext = subprocess.run([*pip, "install", "--help"], capture_output=True, text=True).stdout
    found = re.search(r"--index-url <url>\s+Base URL.*?\(default\s+(\S+?)\)", helptext, re.S)
    assert found, "cannot tell pip's default index from `pip install --help`"
    return found.group(1)


def fresh_venv(path: Path) -> Path:
    """A new venv at ``path`` with pip and no system site-packages; returns its python."""
    run([sys.executable, "-m", "venv", str(path)], cwd=path.parent, env=isolated_env())
    config = (path / "pyvenv.cfg").read_text()
    assert "include-system-site-packages = false" in config
    return path / "bin" / "python"


def pip_install(python: Path, *args: str, index: str) -> None:
    """``pip install`` into ``python``'s venv from ``index``, third-party packages from the
    normal index too."""
    run(
        [
            str(python),
            *("-m", "pip", "install", "--quiet", "--disable-pip-version-check"),
            *("--index-url", index, "--extra-index-url", normal_index()),
            *args,
        ],
        cwd=python.parent,
        env=isolated_env(python.parent.parent),
    )


def clean_checkout(dest: Path) -> Path:
    """This checkout's files as they are on disk (tracked and new, not ignored), committed in
    a new git repository at ``dest``: a clean tree, as in CI."""
    listed = run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / name)
    env = isolated_env()
    run(["git", "init", "-q", "-b", "main"], cwd=dest, env=env)
    run(["git", "add", "-A"], cwd=dest, env=env)
    run(["git", "commit", "-q", "-m", "snapshot"], cwd=dest, env=env)
    return dest


def make(target: str, cwd: Path, *variables: str, env: dict[str, str]) -> None:
    """``make TARGET`` in a clean checkout, with the tools of this venv (installed already):
    its ``.venv`` (git-ignored, as buf.gen.yaml expects it) is this one."""
    venv = cwd / ".venv"
    if not venv.exists():
        venv.symlink_to(DEV_BIN.parent, target_is_directory=True)
    stamp = cwd / "build" / ".tools-installed"
    stamp.parent.mkdir(exist_ok=True)
    stamp.touch()  # newer than the copied pyproject.toml: make does not reinstall
    run(["make", "-s", target, f"STAMP={stamp}", *variables], cwd, env)


@contextlib.contextmanager
def package_index(
    directory: Path, timeout: float = 60.0, *, fallback: bool = False
) -> Iterator[str]:
    """A pypiserver on a free loopback port serving ``directory``, accepting uploads without
    credentials; yields its URL (``/simple/`` to install from, the root to upload to). With
    ``fallback`` a name it does not hold redirects to the public index (pypiserver's default),
    as a private index that proxies public packages does."""
    port = free_port()
    log = directory.parent / "pypiserver.log"
    args = [str(DEV_BIN / "pypi-server"), "run", "-p", str(port), "-i", "127.0.0.1"]
    args += ["-a", ".", "-P", ".", *([] if fallback else ["--disable-fallback"]), str(directory)]
    url = f"http://127.0.0.1:{port}"
    with http_service("pypiserver", args, f"{url}/simple/", log, timeout):
        yield url


@contextlib.contextmanager
def http_service(
    name: str, args: list[str], ready_url: str, log: Path, timeout: float
) -> Iterator[None]:
    """The process ``args`` (its output in ``log``), ready once ``ready_url`` answers 200 (a
    ``TimeoutError`` after ``timeout`` s, a ``RuntimeError`` if it exits first); stopped by its
    PID when the block ends."""
    with log.open("wb") as out:
        proc = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"{name} exited {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(ready_url, timeout=2) as response:  # noqa: S310
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} did not answer within {timeout} s") from None
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(0.1)
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
