"""``protonats init``: the files of a new registry repository, without building anything.

The end-to-end run (a fresh venv with only protonats[codegen,cli], buf generate, build,
install, round trip on a real server) is in test_dist_e2e.py.
"""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protonats._errors._cli import UsageError
from protonats.cli._app import app
from protonats.cli._cmd_init import registry_names

ROOT = Path(__file__).resolve().parent.parent
runner = CliRunner()


def test_the_shipped_option_proto_is_the_one_the_runtime_was_generated_from() -> None:
    shipped = files("protonats.v1").joinpath("options.proto").read_text()
    assert shipped == (ROOT / "proto" / "protonats" / "v1" / "options.proto").read_text(), (
        "copy proto/protonats/v1/options.proto to src/protonats/v1/options.proto"
    )


def test_init_writes_a_registry_repository(tmp_path: Path) -> None:
    target = tmp_path / "acme-events"
    result = runner.invoke(app, ["init", str(target), "--format", "tsv"])
    assert result.exit_code == 0, result.stderr
    written = {str(p.relative_to(target)) for p in target.rglob("*") if p.is_file()}
    assert written == {
        ".github/workflows/ci.yml",
        ".gitignore",
        "Makefile",
        "README.md",
        "buf.gen.yaml",
        "buf.yaml",
        "package.json",
        "proto/acme/v1/hello.proto",
        "proto/protonats/v1/options.proto",
    }
    assert result.stdout.splitlines()[0] == "FILE\tACTION"
    assert "git init" in result.stderr
    assert "make dist" in result.stderr
    template = (target / "buf.gen.yaml").read_text()
    assert "package=acme-events" in template
    assert "local: protoc-gen-protonats" in template
    for text in (template, (target / "Makefile").read_text()):
        assert ".venv" not in text  # plugins come from PATH, not from a venv of ours
        assert "{{" not in text
    assert "package acme.v1;" in (target / "proto/acme/v1/hello.proto").read_text()
    assert "- plugin: buf-plugin-protonats" in (target / "buf.yaml").read_text()
    # What make and the README's commands write is ignored, so make publish finds a clean tree.
    ignored = (target / ".gitignore").read_text().split()
    for generated in ("gen/", "dist/", "build/", "catalog/"):
        assert generated in ignored
    # The npm package: once npm install has run, with the tools ts/package-lock.json pins.
    assert "language=typescript" in template
    tools = json.loads((target / "package.json").read_text())["devDependencies"]
    lock = json.loads((ROOT / "ts" / "package-lock.json").read_text())["packages"]
    for name in ("@bufbuild/protobuf", "@bufbuild/protoc-gen-es", "typescript"):
        assert tools[name] == lock[f"node_modules/{name}"]["version"], name
    assert tools["@protonats/runtime"] == "^0.1.0"
    ci = (target / ".github/workflows/ci.yml").read_text()
    assert "fetch-depth: 0" in ci
    assert "'protonats[codegen,cli]>=0.1.0,<0.2'" in ci


def test_init_overwrites_nothing(tmp_path: Path) -> None:
    (tmp_path / "Makefile").write_text("mine\n")
    result = runner.invoke(app, ["init", str(tmp_path), "--name", "acme-events"])
    assert result.exit_code == 1
    assert "already has Makefile" in result.stderr
    assert (tmp_path / "Makefile").read_text() == "mine\n"
    assert not (tmp_path / "buf.yaml").exists()


def test_names_follow_from_the_registry_name() -> None:
    names = registry_names("Acme_Events")
    assert (names.name, names.module, names.proto_package) == (
        "acme-events",
        "acme_events",
        "acme.v1",
    )
    assert registry_names("billing").proto_package == "billing_proto.v1"
    assert registry_names("billing", "billing_events.v2").proto_package == "billing_events.v2"
    with pytest.raises(UsageError, match="registry module"):
        registry_names("billing", "billing.v1")
    with pytest.raises(UsageError, match="--name"):
        registry_names("not a name!")


def test_a_bad_name_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["init", str(tmp_path / "x"), "--name", "9lives"])
    assert result.exit_code == 2
    assert "must not start with a digit" in result.stderr
