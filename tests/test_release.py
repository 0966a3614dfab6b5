"""The registry version derived from git, and what make publish refuses; no server needed."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from google.protobuf.compiler import plugin_pb2
from packaging.version import Version
from protonats_codegen._params import parse_params
from protonats_codegen._source import CodegenError
from protonats_codegen.release import REVISION_ENV, baseline, check_publish, revision


def git(repo: Path, *args: str, date: str = "2026-01-02T03:04:05Z") -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    result = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def commit(repo: Path, path: str, text: str, date: str) -> None:
    (repo / path).parent.mkdir(parents=True, exist_ok=True)
    (repo / path).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", f"change {path}", date=date)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    repo = tmp_path / "registry"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "proto/shop/v1/a.proto", "one", "2026-01-02T03:04:05Z")
    return repo


def test_the_revision_is_the_utc_time_of_the_last_commit_touching_the_registry(
    repo: Path,
) -> None:
    assert revision(cwd=repo) == ("20260102030405", "")
    assert revision(cwd=repo) == revision(cwd=repo)  # the same commit, the same version
    commit(repo, "README.md", "docs only", "2026-02-01T00:00:00Z")
    assert revision(cwd=repo)[0] == "20260102030405"  # nothing of the registry changed
    commit(repo, "proto/shop/v1/a.proto", "two", "2026-03-01T10:00:00+02:00")
    assert revision(cwd=repo)[0] == "20260301080000"


def test_every_change_gives_a_higher_version(repo: Path) -> None:
    versions = [Version(f"1.4.{revision(cwd=repo)[0]}")]
    for day in range(3, 6):
        commit(repo, "proto/shop/v1/a.proto", f"v{day}", f"2026-01-{day:02}T00:00:00Z")
        versions.append(Version(f"1.4.{revision(cwd=repo)[0]}"))
    assert versions == sorted(versions)
    assert len(set(versions)) == len(versions)


def test_uncommitted_changes_are_marked_dirty(repo: Path) -> None:
    (repo / "proto" / "shop" / "v1" / "b.proto").write_text("new, untracked")
    value, note = revision(cwd=repo)
    assert value == "20260102030405+dirty"
    assert "commit them" in note
    assert Version(f"1.4.{value}").local == "dirty"


def test_a_shallow_clone_that_misses_the_change_is_marked(repo: Path, tmp_path: Path) -> None:
    commit(repo, "README.md", "later", "2026-05-01T00:00:00Z")
    shallow = tmp_path / "shallow"
    git(tmp_path, "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow))
    value, note = revision(cwd=shallow)
    assert value.endswith("+shallow")
    assert "fetch-depth: 0" in note
    full = tmp_path / "full"
    git(tmp_path, "clone", "-q", f"file://{repo}", str(full))
    assert revision(cwd=full)[0] == "20260102030405"


def test_no_git_history_is_a_clear_local_version(tmp_path: Path) -> None:
    value, note = revision(cwd=tmp_path)
    assert value == "0+nogit"
    assert "not a git checkout" in note
    git(tmp_path, "init", "-q")
    assert revision(cwd=tmp_path)[0] == "0+uncommitted"


def test_publish_refuses_a_dirty_tree_and_local_versions(repo: Path) -> None:
    clean = ["dist/shop_events-1.4.20260102030405-py3-none-any.whl"]
    assert check_publish(clean, cwd=repo) == []
    [local] = check_publish(["dist/shop_events-1.4.20260102030405+dirty-py3-none-any.whl"], repo)
    assert "local label" in local
    (repo / "notes.txt").write_text("uncommitted")
    [dirty] = check_publish(clean, cwd=repo)
    assert "uncommitted changes (notes.txt)" in dirty
    assert check_publish([], cwd=repo)[0] == "no wheels to publish: run make dist"


def _request(parameter: str) -> plugin_pb2.CodeGeneratorRequest:
    return plugin_pb2.CodeGeneratorRequest(parameter=parameter)


def test_the_plugin_appends_the_revision_to_the_base_version() -> None:
    request = _request("package=shop-events,version=1.4,protobuf=7.35.1")
    assert parse_params(request, {}).version == "1.4"
    assert parse_params(request, {REVISION_ENV: "20260102030405"}).version == "1.4.20260102030405"
    dirty = parse_params(request, {REVISION_ENV: "20260102030405+dirty"})
    assert dirty.version == "1.4.20260102030405+dirty"
    with pytest.raises(CodegenError, match="not a revision"):
        parse_params(request, {REVISION_ENV: "yesterday"})
    prerelease = _request("package=shop-events,version=2.0rc1,protobuf=7.35.1")
    with pytest.raises(CodegenError, match="plain release"):
        parse_params(prerelease, {REVISION_ENV: "20260102030405"})


def test_a_refusal_names_the_changed_files_whole(repo: Path) -> None:
    (repo / "proto/shop/v1/a.proto").write_text("changed")
    (problem,) = check_publish(["dist/shop_events-1.0.20260102030405-py3-none-any.whl"], repo)
    assert "(proto/shop/v1/a.proto)" in problem  # was "(roto/...)": the first char was cut


def test_breaking_has_nothing_to_compare_on_a_first_commit(repo: Path) -> None:
    against, note = baseline(cwd=repo)
    assert against == ""
    assert "first commit" in note


def test_breaking_compares_uncommitted_changes_with_the_last_commit(repo: Path) -> None:
    (repo / "proto/shop/v1/a.proto").write_text("lowered")
    assert baseline(cwd=repo) == (
        ".git#ref=HEAD",
        "comparing the working tree with HEAD (the last commit): proto, buf.yaml have "
        "uncommitted changes",
    )


def test_breaking_compares_a_clean_tree_with_the_commit_before(repo: Path) -> None:
    commit(repo, "proto/shop/v1/a.proto", "two", "2026-02-01T00:00:00Z")
    against, note = baseline(cwd=repo)
    assert against == ".git#ref=HEAD~1"
    assert "HEAD~1" in note
    commit(repo, "README.md", "docs", "2026-03-01T00:00:00Z")  # a previous commit with proto/
    assert baseline(cwd=repo)[0] == ".git#ref=HEAD~1"


def test_breaking_has_nothing_to_compare_before_the_registry_existed(tmp_path: Path) -> None:
    repo = tmp_path / "late"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    commit(repo, "README.md", "docs", "2026-01-01T00:00:00Z")
    commit(repo, "proto/a.proto", "one", "2026-01-02T00:00:00Z")
    assert baseline(cwd=repo) == ("", "the previous commit has no proto/: nothing to compare with")
