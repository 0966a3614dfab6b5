"""The registry's version, derived from git, and the checks before publishing it.

A registry's version is ``BASE.REVISION``: ``BASE`` is the plugin option ``version=`` in
``buf.gen.yaml`` (``1.4``), ``REVISION`` the UTC time of the last commit that touched the
registry's files (``20261126181920``), so every change to the protos gives a higher version
than every earlier one, with no hand edit, and building the same commit again gives the same
version. ``make generate`` runs ``python -m protonats_codegen.release revision proto
buf.gen.yaml`` and hands the result to the plugin in ``PROTONATS_REGISTRY_REVISION``.

Builds that no commit describes get a local version label, which ``check-publish`` refuses:
``+dirty`` (uncommitted changes to those files), ``+shallow`` (a shallow clone that does not
reach the last commit touching them: fetch the full history), ``+nogit`` (no git, or not a
checkout) and ``+uncommitted`` (no commit touches them yet).

Usage::

    python -m protonats_codegen.release revision [PATH ...]      # default: proto buf.gen.yaml
    python -m protonats_codegen.release check-publish FILE ...   # wheels, npm tarballs: exit 1
                                                                 # if one is not publishable
    python -m protonats_codegen.release baseline [PATH ...]      # what make breaking compares

``baseline`` prints the buf input ``make breaking`` compares the working tree with, and says
on stderr which and why: ``HEAD`` when ``PATH`` (default ``proto buf.yaml``) has uncommitted
changes, else ``HEAD~1`` (the last commit's own changes); nothing (and exit 0: nothing to
compare, so nothing breaks) on a first commit, in a shallow clone without the parent commit,
or when the parent has no ``proto/``.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["REVISION_ENV", "baseline", "check_publish", "main", "revision"]

REVISION_ENV = "PROTONATS_REGISTRY_REVISION"
DEFAULT_PATHS = ("proto", "buf.gen.yaml")


def _git(args: Sequence[str], cwd: Path) -> str | None:
    """``git ARGS`` in ``cwd``: its stdout, or None when git is missing or fails."""
    git = shutil.which("git")
    if git is None:
        return None
    result = subprocess.run(
        [git, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=60
    )
    # Only the trailing newline goes: porcelain status lines begin with a meaningful space.
    return result.stdout.rstrip() if result.returncode == 0 else None


def revision(paths: Sequence[str] = DEFAULT_PATHS, cwd: Path | None = None) -> tuple[str, str]:
    """``(revision, note)``: the revision of ``paths`` in the checkout at ``cwd``.

    ``note`` says, for a human, why the revision carries a local label ("" when it does not).
    """
    where = cwd or Path.cwd()
    listed = ", ".join(paths)
    if _git(["rev-parse", "--is-inside-work-tree"], where) != "true":
        return "0+nogit", (
            f"no git history here (git is not installed, or {where} is not a git checkout): "
            f"the registry version ends in .0+nogit, and make publish refuses it"
        )
    last = _git(["log", "-1", "--format=%H %ct", "--", *paths], where)
    if not last:
        return "0+uncommitted", (
            f"no commit touches {listed} yet: commit them to get a version make publish accepts"
        )
    commit, _, seconds = last.partition(" ")
    when = datetime.datetime.fromtimestamp(int(seconds), tz=datetime.UTC)
    labels: list[str] = []
    notes: list[str] = []
    if commit in _shallow_boundaries(where):
        labels.append("shallow")
        notes.append(
            "the clone is shallow and its oldest commit is the last one found touching "
            f"{listed}, so the real last change may be older: fetch the full history "
            "(git fetch --unshallow; actions/checkout with fetch-depth: 0)"
        )
    if _git(["status", "--porcelain", "--", *paths], where):
        labels.append("dirty")
        notes.append(f"{listed} have uncommitted changes: commit them before publishing")
    label = "+" + ".".join(labels) if labels else ""
    return when.strftime("%Y%m%d%H%M%S") + label, "; ".join(notes)


def _shallow_boundaries(cwd: Path) -> set[str]:
    if _git(["rev-parse", "--is-shallow-repository"], cwd) != "true":
        return set()
    shallow = _git(["rev-parse", "--git-path", "shallow"], cwd)
    path = cwd / shallow if shallow else None
    if path is None or not path.is_file():
        return set()
    return set(path.read_text().split())


BASELINE_PATHS = ("proto", "buf.yaml")


def baseline(paths: Sequence[str] = BASELINE_PATHS, cwd: Path | None = None) -> tuple[str, str]:
    """``(against, note)``: the buf input to compare the working tree with ("" when there is
    nothing to compare), and for a human which baseline it is and why."""
    where = cwd or Path.cwd()
    listed = ", ".join(paths)
    if _git(["rev-parse", "--is-inside-work-tree"], where) != "true":
        return "", f"{where} is not a git checkout: nothing to compare with, nothing breaks"
    if _git(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], where) is None:
        return "", "no commit yet: nothing to compare with, nothing breaks"
    if _git(["status", "--porcelain", "--", *paths], where):
        return ".git#ref=HEAD", (
            f"comparing the working tree with HEAD (the last commit): {listed} have "
            "uncommitted changes"
        )
    if _git(["rev-parse", "--verify", "--quiet", "HEAD~1^{commit}"], where) is None:
        if _git(["rev-parse", "--is-shallow-repository"], where) == "true":
            return "", (
                "a shallow clone without the previous commit: nothing to compare with; fetch "
                "more history (git fetch --deepen=1) or pass AGAINST='.git#ref=<branch>'"
            )
        return "", "the first commit: nothing to compare with, nothing breaks"
    if _git(["cat-file", "-e", f"HEAD~1:{paths[0]}"], where) is None:
        return "", f"the previous commit has no {paths[0]}/: nothing to compare with"
    return ".git#ref=HEAD~1", "comparing the last commit (HEAD) with the one before (HEAD~1)"


def check_publish(wheels: Sequence[str], cwd: Path | None = None) -> list[str]:
    """Why the wheels (and npm tarballs) must not be published (empty when they may be)."""
    where = cwd or Path.cwd()
    problems: list[str] = []
    if not wheels:
        problems.append("no wheels to publish: run make dist")
    status = _git(["status", "--porcelain"], where)
    if status is None:
        problems.append(f"{where} is not a git checkout: publish from a clean checkout")
    elif status:
        changed = ", ".join(line[3:] for line in status.splitlines()[:5])
        problems.append(f"the working tree has uncommitted changes ({changed}): commit them")
    for wheel in wheels:
        version = _version_of(Path(wheel).name)
        if "+" in version:
            problems.append(
                f"{Path(wheel).name}: version {version} has a local label, so no commit "
                "describes it; rebuild from a clean, full checkout"
            )
    return problems


def _version_of(name: str) -> str:
    """The version in a wheel's file name, or in an ``npm pack`` tarball's
    (``shop-events-1.4.20261126181920+dirty.tgz``: its semver build metadata is the label)."""
    if name.endswith(".tgz"):
        found = re.search(r"-(\d+\.\d+\.\d+[^/]*)\.tgz$", name)
        return found.group(1) if found else ""
    return (name.split("-")[1:2] or [""])[0]


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    command = args.pop(0) if args else ""
    if command == "revision":
        value, note = revision(args or DEFAULT_PATHS)
        if note:
            print(f"protonats: registry version: {note}", file=sys.stderr)
        print(value)
        return 0
    if command == "baseline":
        against, note = baseline(args or BASELINE_PATHS)
        print(f"make breaking: {note}", file=sys.stderr)
        print(against)
        return 0
    if command == "check-publish":
        problems = check_publish(args)
        for problem in problems:
            print(f"protonats: refusing to publish: {problem}", file=sys.stderr)
        return 1 if problems else 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
