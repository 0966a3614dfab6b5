"""Accepting deliberate breaks with buf's own configuration (``except``, ``ignore_only``,
``ignore``), pull-request annotations, and ``protonats breaking`` (which is ``buf breaking``
with the plugin on PATH), through real buf on a repository whose last commit breaks twice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protonats.cli._app import app

from .bufcheck import buf, buf_yaml, make_repo
from .test_breaking import EXIT_BREAKING, USER, option_with, user_proto

# --- buf's own mechanisms accept a deliberate break ----------------------------------------------


@pytest.fixture(scope="module")
def renamed_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository whose last commit renames one event and lowers the max_age of another,
    so that two rules fire in one file."""
    after = user_proto(option_with(name='name: "user-signed-up"')).replace(
        "message UserDeleted {",
        'message UserDeleted {\n  option (protonats.v1.event) = {name: "user-deleted" '
        "limits: {max_age: {seconds: 300}}};",
    )
    before = user_proto().replace(
        "message UserDeleted {",
        'message UserDeleted {\n  option (protonats.v1.event) = {name: "user-deleted" '
        "limits: {max_age: {seconds: 600}}};",
    )
    return make_repo(tmp_path_factory.mktemp("renamed") / "repo", {USER: before}, {USER: after})


@pytest.mark.parametrize(
    ("config", "left"),
    [
        ("", {"EVENT_RENAMED", "EVENT_MAX_AGE_LOWERED"}),
        ("  except: [EVENT_RENAMED]\n", {"EVENT_MAX_AGE_LOWERED"}),
        ("  ignore_only:\n    EVENT_MAX_AGE_LOWERED: [proto/shop/v1/user.proto]\n",
         {"EVENT_RENAMED"}),
        ("  ignore: [proto/shop]\n", set()),
    ],
)  # fmt: skip
def test_buf_yaml_accepts_deliberate_breaks(
    renamed_repo: Path, config: str, left: set[str]
) -> None:
    (renamed_repo / "buf.yaml").write_text(buf_yaml(breaking=config))
    result = buf(["breaking", "--against", ".git#ref=HEAD~1"], renamed_repo)
    assert {f.rule for f in result.ours()} == left
    assert result.code == (EXIT_BREAKING if left else 0), result.err


def test_findings_as_github_actions_annotations(renamed_repo: Path) -> None:
    (renamed_repo / "buf.yaml").write_text(buf_yaml())
    args = ["breaking", "--against", ".git#ref=HEAD~1", "--error-format", "github-actions"]
    result = buf(args, renamed_repo, json_format=False)
    assert result.code == EXIT_BREAKING
    assert "::error file=proto/shop/v1/user.proto,line=7,col=3" in result.out
    assert 'event "user-registered" on shop.v1.UserRegistered was renamed' in result.out


# --- protonats breaking runs buf ------------------------------------------------------------------


def protonats(*args: str) -> tuple[int, str, str]:
    """The ``protonats`` CLI in-process: (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_protonats_breaking_is_buf_breaking(
    renamed_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (renamed_repo / "buf.yaml").write_text(buf_yaml())
    monkeypatch.chdir(renamed_repo)
    code, out, err = protonats("breaking", "--against", ".git#ref=HEAD~1", "--format", "jsonl")
    assert code == EXIT_BREAKING, err
    lines = [json.loads(line) for line in out.splitlines()]
    assert {(f["rule"], f["plugin"]) for f in lines} == {
        ("EVENT_RENAMED", "buf-plugin-protonats"),
        ("EVENT_MAX_AGE_LOWERED", "buf-plugin-protonats"),
    }
    assert (lines[0]["path"], lines[0]["line"]) == (USER, 7)
    assert err == "protonats: 2 breaking change(s) against .git#ref=HEAD~1\n"


def test_protonats_breaking_errors_are_one_line(
    renamed_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(renamed_repo)
    for against, says in ((".git#ref=no-such-branch", "no-such-branch"),
                          ("missing.binpb", "missing.binpb")):  # fmt: skip
        code, out, err = protonats("breaking", "--against", against)
        assert (code, out) == (1, "")
        assert err.count("\n") == 1, err
        assert err.startswith("protonats: error: ")
        assert says in err


def test_protonats_breaking_warns_about_old_config(
    renamed_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (renamed_repo / "buf.yaml").write_text("version: v2\nmodules:\n  - path: proto\n")
    (renamed_repo / "pyproject.toml").write_text(
        '[tool.protonats.breaking]\nallow = [{rule = "EVENT_RENAMED", event = "*", reason = "x"}]\n'
    )
    monkeypatch.chdir(renamed_repo)
    try:
        code, _, err = protonats("breaking", "--against", ".git#ref=HEAD~1")
    finally:
        (renamed_repo / "pyproject.toml").unlink()
    assert code == 0  # buf's own default rules only: the wire format did not change
    warnings = err.splitlines()[:-1]
    assert len(warnings) == 2, err
    assert "does not list buf-plugin-protonats" in warnings[0]
    assert "[tool.protonats.breaking] is no longer read" in warnings[1]
    assert "ignore_only" in warnings[1]
