"""The files that make ``gen/python`` a complete, pip-installable distribution."""

from __future__ import annotations

from collections.abc import Iterable

from packaging.version import Version

from . import __version__
from ._params import Params
from ._render import header

__all__ = ["distribution_files", "runtime_range"]


def distribution_files(params: Params, modules: Iterable[str], registry: str) -> dict[str, str]:
    """``pyproject.toml``, ``py.typed`` and the ``__init__.py`` of every generated package.

    ``modules`` are the dotted names of every generated module (``_pb2`` ones included);
    ``registry`` is the registry package, whose ``__init__.py`` is rendered elsewhere.
    """
    packages: set[str] = set()
    for module in modules:
        parts = module.split(".")[:-1]
        packages.update(".".join(parts[:end]) for end in range(1, len(parts) + 1))
    top_level = sorted({package.partition(".")[0] for package in packages} | {registry})
    files = {f"{package.replace('.', '/')}/__init__.py": header() for package in sorted(packages)}
    files.update({f"{package}/py.typed": "" for package in top_level})
    files["pyproject.toml"] = _pyproject(params, top_level, registry)
    return files


def _pyproject(params: Params, packages: list[str], registry: str) -> str:
    """The distribution's metadata: it needs a compatible protonats runtime and protobuf.

    The ``protonats.registries`` entry point lets the ``protonats`` CLI find the registry.
    """
    listed = ", ".join(f'"{package}"' for package in packages)
    return f"""{header()}
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "{params.package}"
version = "{params.version}"
description = "protonats event registry {params.package}, generated from protobuf."
requires-python = ">=3.11"
dependencies = [
    "protonats{runtime_range(__version__)}",
    "protobuf>={params.protobuf}",
]

[project.entry-points."protonats.registries"]
{params.package} = "{registry}:EVENTS"

[tool.hatch.build]
# This directory is generated, and usually git-ignored: package it anyway.
ignore-vcs = true
exclude = ["__pycache__", "*.pyc"]

[tool.hatch.build.targets.wheel]
packages = [{listed}]
"""


def runtime_range(version: str) -> str:
    """The protonats runtimes the generated code works with: this one up to the next breaking
    release (``>=0.1.0,<0.2`` for 0.1.0: in 0.x a minor release may break; ``>=1.2.0,<2``)."""
    major, minor, micro = (*Version(version).release, 0, 0)[:3]
    low = f"{major}.{minor}.{micro}"
    return f">={low},<0.{minor + 1}" if major == 0 else f">={low},<{major + 1}"
