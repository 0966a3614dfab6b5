"""``protonats catalog --out DIR`` writes and removes only its own files: a manifest in DIR
lists them; a file it did not write is refused (``--force`` overwrites it), a symlink is
never followed, a team's own files next to the pages are left alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protonats import Event, Events
from protonats._errors._cli import CliError
from protonats.cli._app import app
from protonats.cli._manifest import MANIFEST_FILE, Manifest

from .models import User

TWO = Events(Event("user-kept", User), Event("user-gone", User))
ONE = Events(Event("user-kept", User))


def catalog(out: Path, registry: str, *flags: str) -> tuple[int, str, list[dict[str, str]]]:
    result = CliRunner().invoke(
        app, ["catalog", "-o", str(out), "-r", f"tests.test_catalog_manifest:{registry}", *flags]
    )
    records = json.loads(result.stdout) if result.exit_code == 0 and "json" in flags else []
    return result.exit_code, result.stderr, records


def test_regenerating_removes_only_own_pages_and_keeps_the_teams_files(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    assert catalog(out, "TWO")[0] == 0
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert sorted(manifest["files"]) == [
        "asyncapi.json", "events/user-gone.html", "events/user-gone.md",
        "events/user-kept.html", "events/user-kept.md", "index.html", "index.md",
    ]  # fmt: skip
    (out / "events" / "README.md").write_text("our notes")
    (out / "events" / "design.md").write_text("our design")
    code, err, records = catalog(out, "ONE", "-f", "json")
    assert code == 0, err
    actions = {Path(r["path"]).name: r["action"] for r in records}
    assert actions == {
        "index.md": "written",
        "user-kept.md": "written",
        "asyncapi.json": "written",
        "index.html": "written",
        "user-kept.html": "written",
        "user-gone.md": "removed",
        "user-gone.html": "removed",
    }
    assert not (out / "events" / "user-gone.md").exists()
    assert not (out / "events" / "user-gone.html").exists()
    assert (out / "events" / "README.md").read_text() == "our notes"
    assert (out / "events" / "design.md").read_text() == "our design"
    assert "events/user-gone.md" not in json.loads((out / MANIFEST_FILE).read_text())["files"]


def test_a_file_it_did_not_write_is_refused_by_name_and_force_overwrites_it(
    tmp_path: Path,
) -> None:
    (tmp_path / "index.md").write_text("# Our index, written by hand\n")
    code, err, _ = catalog(tmp_path, "ONE")
    assert code == 1
    assert "index.md' exists and was not written by protonats catalog" in err
    assert "--force" in err
    assert (tmp_path / "index.md").read_text() == "# Our index, written by hand\n"
    assert not (tmp_path / MANIFEST_FILE).exists()
    code, err, _ = catalog(tmp_path, "ONE", "--force")
    assert code == 0, err
    assert (tmp_path / "index.md").read_text().startswith("# Event catalog")
    # Now it is ours: regenerating needs no --force.
    assert catalog(tmp_path, "ONE")[0] == 0


def test_a_catalog_written_before_the_manifest_is_adopted_when_identical(
    tmp_path: Path,
) -> None:
    assert catalog(tmp_path, "ONE")[0] == 0
    (tmp_path / MANIFEST_FILE).unlink()  # as written by a protonats without a manifest
    code, err, _ = catalog(tmp_path, "ONE")
    assert code == 0, err
    assert (tmp_path / MANIFEST_FILE).exists()


def test_a_symlinked_events_directory_is_never_followed(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.md").write_text("not the catalog's")
    out = tmp_path / "catalog"
    out.mkdir()
    (out / "events").symlink_to(elsewhere, target_is_directory=True)
    for flags in [(), ("--force",)]:
        code, err, _ = catalog(out, "TWO", *flags)
        assert code == 1
        assert "events' is a symlink" in err
    assert sorted(p.name for p in elsewhere.iterdir()) == ["notes.md"]
    assert (elsewhere / "notes.md").read_text() == "not the catalog's"


def test_a_symlinked_page_is_not_written_through(tmp_path: Path) -> None:
    target = tmp_path / "precious.md"
    target.write_text("precious")
    out = tmp_path / "catalog"
    (out / "events").mkdir(parents=True)
    (out / "events" / "user-kept.md").symlink_to(target)
    code, err, _ = catalog(out, "ONE", "--force")
    assert code == 1
    assert "user-kept.md' is a symlink" in err
    assert target.read_text() == "precious"


def test_removal_never_follows_a_symlink_or_leaves_the_directory(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    assert catalog(out, "TWO")[0] == 0
    outside = tmp_path / "outside.md"
    outside.write_text("outside")
    # A manifest edited to name files outside DIR, and an own page replaced by a symlink.
    manifest = json.loads((out / MANIFEST_FILE).read_text())
    manifest["files"]["../outside.md"] = "0" * 64
    manifest["files"][str(outside)] = "0" * 64
    (out / MANIFEST_FILE).write_text(json.dumps(manifest))
    gone = out / "events" / "user-gone.md"
    gone.unlink()
    gone.symlink_to(outside)
    code, err, _ = catalog(out, "ONE")
    assert code == 0, err
    assert outside.read_text() == "outside"


def test_an_own_page_edited_since_it_was_written_is_kept(tmp_path: Path) -> None:
    out = tmp_path / "catalog"
    assert catalog(out, "TWO")[0] == 0
    (out / "events" / "user-gone.md").write_text("edited by hand")
    code, err, records = catalog(out, "ONE", "-f", "json")
    assert code == 0, err
    assert (out / "events" / "user-gone.md").read_text() == "edited by hand"
    actions = {Path(r["path"]).name: r["action"] for r in records}
    assert actions["user-gone.md"] == "kept (edited since written)"


def test_manifest_api_for_other_writers(tmp_path: Path) -> None:
    """The API another output (an HTML site) writes through."""
    first = Manifest(tmp_path)
    first.write_file("site/index.html", "<p>one</p>")
    first.write_bytes(tmp_path / "site" / "style.css", b"p {}")
    first.write_file("site/old.html", "<p>old</p>")
    assert first.finish() == []
    second = Manifest(tmp_path)
    second.write_file("site/index.html", "<p>two</p>")
    second.write_bytes("site/style.css", b"p {}")
    assert second.finish() == [tmp_path / "site" / "old.html"]
    assert (tmp_path / "site" / "index.html").read_text() == "<p>two</p>"
    for bad in ["../x.html", str(tmp_path.parent / "x.html"), MANIFEST_FILE]:
        with pytest.raises(CliError):
            Manifest(tmp_path).write_file(bad, "x")


def test_a_corrupt_manifest_is_refused(tmp_path: Path) -> None:
    (tmp_path / MANIFEST_FILE).write_text("{not json")
    with pytest.raises(CliError, match="is not a protonats catalog manifest"):
        Manifest(tmp_path)
