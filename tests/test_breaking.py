"""``protonats breaking`` end to end: real protos, built by buf from a git ref and from images.

Every rule has a before/after proto pair, checked twice: as two commits of a temporary git
repository (``--against .git#ref=HEAD~1``) and as an image file of the old tree against the
directory of the new one. Every safe change is shown to pass both ways.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import subprocess
import sys
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path
from typing import Any, Literal

import pytest

from protonats.checks._gate import EXIT_BREAKING, run_breaking
from protonats.checks._images import find_buf
from protonats.checks._rules import RULES

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = (ROOT / "proto" / "protonats" / "v1" / "options.proto").read_text()
BUF_YAML = "version: v2\nmodules:\n  - path: proto\n"
USER = "proto/shop/v1/user.proto"
OPTIONS_PATH = "proto/protonats/v1/options.proto"

DEFAULT_OPTION = """\
    name: "user-registered"
    description: "A user registered."
    limits: {
      max_age: {seconds: 604800}
      duplicate_window: {seconds: 60}
      max_bytes: 1000000
      max_messages: 1000
      max_message_size: 4096
      replicas: 3
    }"""
DEFAULT_FIELDS = """\
  string user_id = 1;
  int64 age = 2;
  Address address = 3;"""


def user_proto(
    option: str | None = DEFAULT_OPTION,
    fields: str = DEFAULT_FIELDS,
    extra: str = "",
    address: str = "string city = 1;",
) -> str:
    """The fixture registry file; line 7 is the ``option`` line of UserRegistered."""
    option_block = f"  option (protonats.v1.event) = {{\n{option}\n  }};\n" if option else ""
    return (
        'syntax = "proto3";\n'
        "package shop.v1;\n"
        'import "protonats/v1/options.proto";\n'
        "\n"
        "// A user registered.\n"
        "message UserRegistered {\n"
        f"{option_block}"
        f"{fields}\n"
        "}\n"
        "\n"
        f"message Address {{\n  {address}\n}}\n"
        "\n"
        "message UserDeleted {\n  string user_id = 1;\n}\n"
        f"{extra}"
    )


def option_with(**changes: str) -> str:
    """DEFAULT_OPTION with single lines replaced, e.g. ``option_with(max_bytes="max_bytes: 5")``."""
    lines = DEFAULT_OPTION.splitlines()
    for key, new in changes.items():
        index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
        if new:
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            lines[index] = indent + new
        else:
            del lines[index]
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    after: Mapping[str, str | None]
    """Files written over the ``before`` ones; ``None`` deletes one."""
    rules: AbstractSet[str] = frozenset()
    """The failing rules expected; empty for a safe change."""
    before: Mapping[str, str] = dataclasses.field(default_factory=lambda: {USER: user_proto()})
    line: int | None = None
    """Line (in the after file) the first finding points at, when it matters."""


USER_SIGNED_UP = f"""
message UserSignedUp {{
  option (protonats.v1.event) = {{
{DEFAULT_OPTION}
  }};
{DEFAULT_FIELDS}
}}
"""

BREAKING = [
    Case("removed", {USER: user_proto(option=None).split("// A user")[0]}, {"EVENT_REMOVED"}),
    Case("file-removed", {USER: None}, {"EVENT_REMOVED"}, line=7),
    Case("option-removed", {USER: user_proto(option=None)}, {"EVENT_OPTION_REMOVED"}, line=6),
    Case(
        "renamed",
        {USER: user_proto(option_with(name='name: "user-signed-up"'))},
        {"EVENT_RENAMED"},
        line=7,
    ),
    Case(
        "name-moved",
        {USER: user_proto(option=None, extra=USER_SIGNED_UP)},
        {"EVENT_NAME_MOVED"},
        line=21,
    ),
    Case(
        "schema-type-changed",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("int64 age", "string age"))},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
        line=20,
    ),
    Case(
        "schema-field-removed",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("  int64 age = 2;\n", ""))},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
    ),
    Case(
        "schema-made-repeated",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("int64 age", "repeated int64 age"))},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
    ),
    Case(
        "schema-nested-type-changed",
        {USER: user_proto(address="int32 city = 1;")},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
        line=25,
    ),
    Case(
        "storage",
        {USER: user_proto(DEFAULT_OPTION + "\n    storage: STORAGE_MEMORY")},
        {"EVENT_STORAGE_CHANGED"},
        line=7,
    ),
    Case(
        "retention",
        {USER: user_proto(DEFAULT_OPTION + "\n    retention: RETENTION_INTEREST")},
        {"EVENT_RETENTION_CHANGED"},
    ),
    Case(
        "replicas-lowered",
        {USER: user_proto(option_with(replicas="replicas: 1"))},
        {"EVENT_REPLICAS_LOWERED"},
    ),
    Case(
        "max-age-lowered",
        {USER: user_proto(option_with(max_age="max_age: {seconds: 3600}"))},
        {"EVENT_MAX_AGE_LOWERED"},
    ),
    Case(
        "max-age-set-from-unlimited",
        {USER: user_proto(option_with(max_age="max_age: {seconds: 3600}"))},
        {"EVENT_MAX_AGE_LOWERED"},
        before={USER: user_proto(option_with(max_age=""))},
    ),
    Case(
        "max-bytes-lowered",
        {USER: user_proto(option_with(max_bytes="max_bytes: 1000"))},
        {"EVENT_MAX_BYTES_LOWERED"},
    ),
    Case(
        "max-messages-lowered",
        {USER: user_proto(option_with(max_messages="max_messages: 10"))},
        {"EVENT_MAX_MESSAGES_LOWERED"},
    ),
    Case(
        "max-messages-set-from-unlimited",
        {USER: user_proto()},
        {"EVENT_MAX_MESSAGES_LOWERED"},
        before={USER: user_proto(option_with(max_messages=""))},
    ),
    Case(
        "max-message-size-lowered",
        {USER: user_proto(option_with(max_message_size="max_message_size: 1024"))},
        {"EVENT_MAX_MESSAGE_SIZE_LOWERED"},
    ),
    Case(
        "duplicate-window-lowered",
        {USER: user_proto(option_with(duplicate_window="duplicate_window: {seconds: 30}"))},
        {"EVENT_DUPLICATE_WINDOW_CHANGED"},
    ),
    Case(
        "duplicate-window-raised",
        {USER: user_proto(option_with(duplicate_window="duplicate_window: {seconds: 600}"))},
        {"EVENT_DUPLICATE_WINDOW_CHANGED"},
    ),
    Case(
        "extension-number",
        {OPTIONS_PATH: OPTIONS.replace("event = 50701;", "event = 50702;")},
        {"EVENT_EXTENSION_NUMBER_CHANGED"},
    ),
]

SAFE = [
    Case("unchanged", {USER: user_proto()}),
    Case(
        "new-event",
        {
            USER: user_proto().replace(
                "message UserDeleted {",
                'message UserDeleted {\n  option (protonats.v1.event).name = "user-deleted";',
            )
        },
    ),
    Case(
        "limits-raised",
        {
            USER: user_proto(
                option_with(
                    max_age="max_age: {seconds: 2592000}",
                    max_bytes="max_bytes: 9000000",
                    max_messages="max_messages: 100000",
                    max_message_size="max_message_size: 65536",
                    replicas="replicas: 5",
                )
            )
        },
    ),
    Case(
        "limits-unset",  # unset means unlimited; the window was explicit and stays
        {
            USER: user_proto(
                option_with(max_age="", max_bytes="", max_messages="", max_message_size="")
            )
        },
    ),
    Case("description-changed", {USER: user_proto(option_with(description='description: "x"'))}),
    Case(
        "new-optional-field",
        {USER: user_proto(fields=DEFAULT_FIELDS + "\n  optional string email = 4;")},
    ),
    Case(
        "field-removed-and-reserved",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("int64 age = 2;", "reserved 2;"))},
    ),
    Case(
        "wire-compatible-type",  # int64 -> int32 and string -> bytes read stored bytes fine
        {
            USER: user_proto(
                fields=DEFAULT_FIELDS.replace("int64 age", "int32 age"), address="bytes city = 1;"
            )
        },
    ),
    Case(
        "explicit-defaults",  # unspecified storage/retention mean file/limits
        {
            USER: user_proto(
                DEFAULT_OPTION + "\n    storage: STORAGE_FILE\n    retention: RETENTION_LIMITS"
            )
        },
    ),
]


def test_every_rule_has_a_proto_case() -> None:
    covered = set().union(*(case.rules for case in BREAKING))
    assert covered == set(RULES)


# --- helpers ---------------------------------------------------------------------------------


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=t",
            "-c",
            "user.email=t@example.com",
            "-c",
            "commit.gpgsign=false",
            *args,
        ],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def write_tree(root: Path, files: Mapping[str, str | None]) -> None:
    tree = {"buf.yaml": BUF_YAML, OPTIONS_PATH: OPTIONS, **files}
    for name, text in tree.items():
        path = root / name
        if text is None:
            path.unlink(missing_ok=True)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def make_repo(
    root: Path, before: Mapping[str, str | None], after: Mapping[str, str | None]
) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    write_tree(root, before)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "before")
    write_tree(root, after)
    git(root, "add", "-A")
    git(root, "commit", "-q", "--allow-empty", "-m", "after")
    return root


def buf_build(source: Path, output: Path) -> Path:
    subprocess.run([find_buf(), "build", str(source), "-o", str(output)], check=True)
    return output


@dataclasses.dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def run(
    against: str,
    input: str = ".",
    *,
    config: Path | None = None,
    fmt: Literal["text", "json"] = "json",
) -> Result:
    out, err = io.StringIO(), io.StringIO()
    code = run_breaking(against=against, input=input, config=config, format=fmt, out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


def run_case(case: Case, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Result:
    if mode == "git":
        repo = make_repo(tmp_path / "repo", case.before, case.after)
        monkeypatch.chdir(repo)
        return run(".git#ref=HEAD~1")
    write_tree(tmp_path / "before", case.before)
    write_tree(tmp_path / "after", {**case.before, **case.after})
    image = buf_build(tmp_path / "before", tmp_path / "before.binpb")
    return run(str(image), str(tmp_path / "after"))


# --- the rules, from protos ------------------------------------------------------------------


@pytest.mark.parametrize("mode", ["git", "image"])
@pytest.mark.parametrize("case", BREAKING, ids=lambda c: c.id)
def test_breaking_change_is_reported(
    case: Case, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_case(case, mode, tmp_path, monkeypatch)
    assert result.code == EXIT_BREAKING, result.err
    report = result.json()
    assert {f["rule"] for f in report["findings"]} == case.rules
    assert report["breaking"] == len(report["findings"]) > 0
    first = report["findings"][0]
    assert first["path"].endswith(
        OPTIONS_PATH if case.rules == {"EVENT_EXTENSION_NUMBER_CHANGED"} else USER
    )
    if case.line is not None:
        assert first["line"] == case.line, first
    assert first["message"]
    assert first["hint"]


@pytest.mark.parametrize("mode", ["git", "image"])
@pytest.mark.parametrize("case", SAFE, ids=lambda c: c.id)
def test_safe_change_passes(
    case: Case, mode: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_case(case, mode, tmp_path, monkeypatch)
    assert result.code == 0, result.out + result.err
    report = result.json()
    assert report["findings"] == []
    assert report["events"]["current"] >= 1


# --- output ----------------------------------------------------------------------------------


@pytest.fixture
def renamed_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    after = user_proto(option_with(name='name: "user-signed-up"', max_bytes="max_bytes: 10"))
    repo = make_repo(tmp_path / "repo", {USER: user_proto()}, {USER: after})
    monkeypatch.chdir(repo)
    return repo


def test_text_output_is_buf_like(renamed_repo: Path) -> None:
    result = run(".git#ref=HEAD~1", fmt="text")
    assert result.code == EXIT_BREAKING
    lines = result.out.splitlines()
    assert lines[0].startswith(
        'proto/shop/v1/user.proto:7:3:EVENT_RENAMED: event "user-registered" on '
        'shop.v1.UserRegistered was renamed to "user-signed-up"; '
    )
    assert 'keep the name "user-registered"' in lines[0]
    assert lines[-1].startswith("protonats breaking: 1 breaking event change(s) against")
    assert result.err == ""


def test_allow_list_accepts_a_deliberate_break(renamed_repo: Path) -> None:
    (renamed_repo / "pyproject.toml").write_text(
        "[tool.protonats.breaking]\nallow = [\n"
        '  {rule = "EVENT_RENAMED", event = "user-registered", reason = "never deployed"},\n'
        '  {rule = "EVENT_MAX_AGE_LOWERED", event = "*", reason = "stale"},\n'
        "]\n"
    )
    result = run(".git#ref=HEAD~1", fmt="text")
    assert result.code == 0, result.out + result.err
    assert "allowed: proto/shop/v1/user.proto:7:3:EVENT_RENAMED:" in result.out
    assert "(allowed because: never deployed)" in result.out
    assert "EVENT_MAX_AGE_LOWERED', event = '*'} matched nothing" in result.out
    report = run(".git#ref=HEAD~1").json()
    assert report["breaking"] == 0
    assert report["allowed"] == 1
    assert report["findings"][0]["reason"] == "never deployed"
    assert report["unused_allow"] == [
        {"rule": "EVENT_MAX_AGE_LOWERED", "event": "*", "reason": "stale"}
    ]


def test_allow_list_only_allows_its_event(renamed_repo: Path, tmp_path: Path) -> None:
    config = tmp_path / "other.toml"
    config.write_text(
        "[tool.protonats.breaking]\n"
        'allow = [{rule = "EVENT_RENAMED", event = "order-created", reason = "other event"}]\n'
    )
    assert run(".git#ref=HEAD~1", config=config).code == EXIT_BREAKING


@pytest.mark.parametrize(
    ("entry", "error"),
    [
        ('{rule = "EVENT_RENAMED", event = "user-registered"}', "'reason' is required"),
        (
            '{rule = "EVENT_RENAMED", event = "user-registered", reason = " "}',
            "'reason' is required",
        ),
        ('{rule = "EVENT_RENAMD", event = "x", reason = "r"}', "rule 'EVENT_RENAMD' is not one of"),
        ('{rule = "EVENT_RENAMED", reason = "r"}', "'event' is required"),
        ('{rule = "EVENT_RENAMED", event = "x", reason = "r", why = 1}', "unknown key(s) why"),
    ],
)
def test_bad_allow_entry_is_an_error(renamed_repo: Path, entry: str, error: str) -> None:
    (renamed_repo / "pyproject.toml").write_text(f"[tool.protonats.breaking]\nallow = [{entry}]\n")
    result = run(".git#ref=HEAD~1", fmt="text")
    assert result.code == 1
    assert result.out == ""
    assert result.err.count("\n") == 1
    assert error in result.err
    assert "pyproject.toml: [tool.protonats.breaking] allow[0]" in result.err


# --- baselines and errors --------------------------------------------------------------------


def test_origin_main_in_a_shallow_clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    after = {USER: user_proto(option_with(name='name: "user-signed-up"'))}
    origin = make_repo(tmp_path / "origin", {USER: user_proto()}, {USER: user_proto()})
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", "--depth", "1", origin.as_uri(), str(clone))
    git(clone, "checkout", "-q", "-b", "feature")
    write_tree(clone, after)
    git(clone, "commit", "-q", "-am", "rename")
    monkeypatch.chdir(clone)
    result = run(".git#ref=origin/main")
    assert result.code == EXIT_BREAKING, result.err
    assert [f["rule"] for f in result.json()["findings"]] == ["EVENT_RENAMED"]
    # Two commits back is not in the depth-1 clone: one line that says what to do.
    missing = run(".git#ref=HEAD~2")
    assert missing.code == 1
    assert missing.err.count("\n") == 1
    assert "fetch-depth: 0" in missing.err


def test_errors_are_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(tmp_path / "repo", {USER: user_proto()}, {USER: user_proto()})
    monkeypatch.chdir(repo)
    bad_ref = run(".git#ref=no-such-branch")
    assert bad_ref.code == 1
    assert bad_ref.err.startswith("protonats: error: cannot build the baseline")
    assert "no-such-branch" in bad_ref.err
    no_image = run("missing.binpb")
    assert no_image.code == 1
    assert "missing.binpb" in no_image.err
    (repo / USER).write_text(user_proto().replace("string user_id = 1;", "string user_id = ;"))
    broken = run(".git#ref=HEAD~1")
    assert broken.code == 1
    assert broken.err.startswith("protonats: error: cannot build the input '.'")
    assert "proto/shop/v1/user.proto:" in broken.err
    not_git = tmp_path / "plain"
    write_tree(not_git, {USER: user_proto()})
    monkeypatch.chdir(not_git)
    outside = run(".git#ref=HEAD~1")
    assert outside.code == 1
    for result in (bad_ref, no_image, broken, outside):
        assert result.out == ""
        assert result.err.count("\n") == 1, result.err
        assert "Traceback" not in result.err


def test_cli_entry_point(renamed_repo: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    cli = [sys.executable, "-c", "import sys; from protonats.cli import main; sys.exit(main())"]
    done = subprocess.run(
        [*cli, "breaking", "--against", ".git#ref=HEAD~1"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == EXIT_BREAKING, done.stderr
    assert "EVENT_RENAMED" in done.stdout
    usage = subprocess.run([*cli, "breaking"], capture_output=True, text=True, env=env, check=False)
    assert usage.returncode == 2
    assert "--against" in usage.stderr
