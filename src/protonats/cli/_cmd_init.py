"""``protonats init DIR``: a registry repository of one's own, ready to generate and publish.

It writes the buf workspace and generation template (plugins found on PATH, no venv paths),
the event option proto (the copy this runtime ships, so it always matches the reader), one
example event, a Makefile (generate, dist, publish, lint, breaking), a CI workflow and a
README. The files are templates in ``cli/registry/``, shipped in the wheel as package data.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from importlib.resources import files
from pathlib import Path
from typing import Annotated

import typer

from .._errors._cli import CliError, UsageError
from ._options import Debug, Format
from ._output import Table

__all__ = ["RegistryNames", "init_command", "init_registry", "registry_names"]

_DIST_NAME = re.compile(r"[a-z0-9]([a-z0-9-]*[a-z0-9])?")
_PROTO_PACKAGE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
# template (in cli/registry/) -> where it goes; {proto_dir} is the proto package's folder.
_TEMPLATES = {
    "buf.yaml": "buf.yaml",
    "buf.gen.yaml": "buf.gen.yaml",
    "example.proto": "proto/{proto_dir}/hello.proto",
    "Makefile": "Makefile",
    "ci.yml": ".github/workflows/ci.yml",
    "gitignore": ".gitignore",
    "package.json": "package.json",
    "README.md": "README.md",
}
_OPTION_PROTO = "proto/protonats/v1/options.proto"


@dataclasses.dataclass(frozen=True, slots=True)
class RegistryNames:
    """What the new registry is called, as pip, Python and protobuf know it."""

    name: str
    """Distribution name: ``acme-events`` (``pip install acme-events``)."""
    module: str
    """Registry module with ``EVENTS``: ``acme_events``."""
    proto_package: str
    """Protobuf package of the example event: ``acme.v1``."""


def registry_names(name: str, proto_package: str | None = None) -> RegistryNames:
    """Names for a registry called ``name``; ``UsageError`` saying what is wrong with them."""
    dist = re.sub(r"[-_.]+", "-", name).lower()
    if not _DIST_NAME.fullmatch(dist):
        raise UsageError(
            f"registry name {name!r} must be letters, digits and '-' (e.g. acme-events); "
            "pass --name"
        )
    module = dist.replace("-", "_")
    if module[0].isdigit():
        raise UsageError(f"registry name {name!r} must not start with a digit; pass --name")
    stem = module.removesuffix("_events") or module
    package = proto_package or f"{stem if stem != module else module + '_proto'}.v1"
    if not _PROTO_PACKAGE.fullmatch(package):
        raise UsageError(
            f"--proto-package {package!r} must be dotted lower-case identifiers, e.g. acme.v1"
        )
    if package.partition(".")[0] == module:
        raise UsageError(
            f"--proto-package {package!r} would generate Python package {module!r}, the name "
            "of the registry module; choose another"
        )
    return RegistryNames(dist, module, package)


def _render(template: str, names: RegistryNames) -> str:
    text = files("protonats.cli").joinpath("registry", template).read_text()
    values = {
        "name": names.name,
        "module": names.module,
        "proto_package": names.proto_package,
        "proto_dir": names.proto_package.replace(".", "/"),
        "protonats_range": _runtime_range("protonats"),
        "runtime_npm_range": _runtime_npm_range(),
    }
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return text


def _runtime_range(distribution: str) -> str:
    """The protonats versions a registry made with this one works with (``>=0.1.0,<0.2``)."""
    from importlib.metadata import PackageNotFoundError, version

    from protonats_codegen._dist import runtime_range

    try:
        return runtime_range(version(distribution))
    except PackageNotFoundError:  # pragma: no cover - a source tree without metadata
        return ""


def _runtime_npm_range() -> str:
    """The ``@protonats/runtime`` releases of this protonats (``^0.1.0``: released together)."""
    from protonats_codegen import __version__
    from protonats_codegen._typescript import npm_version

    return f"^{npm_version(__version__)}"


def init_registry(directory: Path, names: RegistryNames) -> list[Path]:
    """Write a new registry repository into ``directory``; return the files written.

    Refuses, writing nothing, when any of those files exists already.
    """
    proto_dir = names.proto_package.replace(".", "/")
    contents = {
        Path(dest.format(proto_dir=proto_dir)): _render(template, names)
        for template, dest in _TEMPLATES.items()
    }
    option = files("protonats.v1").joinpath("options.proto").read_text()
    contents[Path(_OPTION_PROTO)] = option
    if directory.exists() and not directory.is_dir():
        raise CliError(
            f"{directory} exists and is not a directory: protonats init writes a new registry "
            "into a directory; choose a new or empty one"
        )
    blocked = sorted(
        str(parent)
        for path in contents
        for parent in (directory / path).parents
        if parent.is_relative_to(directory) and parent.exists() and not parent.is_dir()
    )
    if blocked:
        raise CliError(
            f"{', '.join(dict.fromkeys(blocked))} is a file where protonats init needs a "
            "directory; choose a new or empty directory"
        )
    existing = sorted(str(path) for path in contents if (directory / path).exists())
    if existing:
        raise CliError(
            f"{directory} already has {', '.join(existing)}: protonats init writes a new "
            "registry and overwrites nothing; choose an empty directory"
        )
    written = []
    for path, text in sorted(contents.items()):
        target = directory / path
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        except OSError as exc:
            raise CliError(f"cannot write {target}: {exc.strerror or exc}") from exc
        written.append(target)
    return written


def init_command(
    directory: Annotated[
        Path, typer.Argument(metavar="DIR", help="Where to create the registry repository.")
    ],
    name: Annotated[
        str | None,
        typer.Option(
            "--name",
            metavar="NAME",
            help="Distribution name (default: the name of DIR).",
        ),
    ] = None,
    proto_package: Annotated[
        str | None,
        typer.Option(
            "--proto-package",
            metavar="PKG",
            help="Protobuf package of the example event (default: from the name, e.g. acme.v1).",
        ),
    ] = None,
    fmt: Format = None,
    debug: Debug = False,
) -> None:
    """Create a registry repository: buf config, the option proto, an example event, a
    Makefile (generate, dist, publish, lint, breaking) and a CI workflow.

    Then: git init and commit (the version comes from the history), and make dist.
    """
    names = registry_names(name or directory.resolve().name, proto_package)
    written = init_registry(directory, names)
    rows = [[str(path.relative_to(directory)), "written"] for path in written]
    records = [{"path": str(path), "action": "written"} for path in written]
    Table(f"registry {names.name} in {directory}", ["FILE", "ACTION"], rows, records).print(fmt)
    print(
        f"protonats: next: cd {directory} && git init -q && git add -A && "
        "git commit -qm 'Start the registry' && make dist",
        file=sys.stderr,
    )
