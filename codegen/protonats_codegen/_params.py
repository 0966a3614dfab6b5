"""Plugin options (``opt:`` in buf.gen.yaml, ``--protonats_opt`` for protoc)."""

from __future__ import annotations

import dataclasses
import os
import re
from collections.abc import Mapping
from importlib.metadata import PackageNotFoundError, requires

from google.protobuf.compiler import plugin_pb2

from ._source import CodegenError
from .release import REVISION_ENV

__all__ = ["Params", "parse_params"]

_DIST_NAME = re.compile(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?")
_VERSION = re.compile(r"\d+(\.\d+)*((a|b|rc)\d+)?(\.post\d+)?(\.dev\d+)?")
_RELEASE = re.compile(r"\d+(\.\d+)*")
_REVISION = re.compile(r"\d+(\+[a-z0-9]+(\.[a-z0-9]+)*)?")
_MODULE = re.compile(r"[a-z_][a-z0-9_]*")
_KNOWN = ("package", "version", "module", "protobuf", "language")
_LANGUAGES = ("python", "typescript")
_USAGE = "e.g. opt: package=shop-events,version=1.4"


@dataclasses.dataclass(frozen=True, slots=True)
class Params:
    """What to call the generated distribution, and what it depends on."""

    package: str
    """Distribution name, as ``pip install`` knows it: ``shop-events``."""
    version: str
    """Distribution version, also stamped on every stream as the registry version: the option
    ``version=`` followed by ``$PROTONATS_REGISTRY_REVISION`` when set (``make generate``)."""
    module: str
    """Import name of the registry module exposing ``EVENTS``: ``shop_events``."""
    protobuf: str
    """Lowest protobuf runtime the generated ``_pb2`` modules run on (their gencode version)."""
    language: str = "python"
    """What to write: ``python`` (``events.py`` modules and a wheel's files) or
    ``typescript`` (``src/events.ts`` and an npm package's files, next to protoc-gen-es)."""


def parse_params(
    request: plugin_pb2.CodeGeneratorRequest, environ: Mapping[str, str] = os.environ
) -> Params:
    """Parse comma-separated ``key=value`` options; ``CodegenError`` says what is off."""
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in request.parameter.split(","))):
        key, sep, value = item.partition("=")
        if not sep or key not in _KNOWN:
            raise CodegenError(
                f"protoc-gen-protonats: unknown option {item!r}; "
                f"known: {', '.join(_KNOWN)} ({_USAGE})"
            )
        values[key] = value
    package = values.get("package", "")
    version = values.get("version", "")
    if not _DIST_NAME.fullmatch(package):
        raise CodegenError(
            f"protoc-gen-protonats: option package= must name the distribution ({_USAGE})"
        )
    if not _VERSION.fullmatch(version):
        raise CodegenError(
            "protoc-gen-protonats: option version= must be a release version like 1.4.0, "
            f"got {version!r} ({_USAGE})"
        )
    version = _with_revision(version, environ.get(REVISION_ENV, ""))
    module = values.get("module") or re.sub(r"[-_.]+", "_", package).lower()
    if not _MODULE.fullmatch(module):
        raise CodegenError(
            f"protoc-gen-protonats: registry module name {module!r} is not a Python "
            "identifier; set option module="
        )
    language = values.get("language", "python")
    if language not in _LANGUAGES:
        raise CodegenError(
            f"protoc-gen-protonats: option language={language} is not one of "
            f"{', '.join(_LANGUAGES)} (python: the wheel's files; typescript: the npm package's)"
        )
    if language == "typescript":
        return Params(
            package=package, version=version, module=module, protobuf="", language=language
        )
    protobuf = values.get("protobuf") or gencode_version(request)
    if not _VERSION.fullmatch(protobuf):
        raise CodegenError(
            "protoc-gen-protonats: cannot tell which protobuf version the _pb2 modules are "
            "generated for; set option protobuf=X.Y.Z (the 'Protobuf Python Version' in a "
            "_pb2.py header)"
        )
    return Params(package=package, version=version, module=module, protobuf=protobuf)


def _with_revision(base: str, revision: str) -> str:
    """``base.revision`` (``1.4`` + ``20261126181920+dirty``), or ``base`` without a revision."""
    if not revision:
        return base
    if not _REVISION.fullmatch(revision):
        raise CodegenError(
            f"protoc-gen-protonats: {REVISION_ENV}={revision!r} is not a revision like "
            "20261126181920 or 20261126181920+dirty (python -m protonats_codegen.release "
            "revision prints one)"
        )
    if not _RELEASE.fullmatch(base):
        raise CodegenError(
            f"protoc-gen-protonats: option version={base} must be a plain release like 1.4 "
            f"when {REVISION_ENV} appends a revision to it"
        )
    return f"{base}.{revision}"


def gencode_version(request: plugin_pb2.CodeGeneratorRequest) -> str:
    """The protobuf Python version of the gencode this pipeline makes, or ``""`` if unknown.

    protoc sends its library version, which protobuf Python shares (7.35.1 for protoc 35.1).
    buf sends none, so fall back to grpcio-tools (whose protoc ``buf.gen.yaml`` runs): it
    requires the protobuf runtime matching its gencode.
    """
    if request.HasField("compiler_version"):
        compiler = request.compiler_version
        # protoc 21-25 still said 3.21-3.25, when protobuf Python was already 4.21-4.25.
        major = 4 if compiler.major == 3 and compiler.minor >= 21 else compiler.major
        return f"{major}.{compiler.minor}.{compiler.patch}"
    try:
        for requirement in requires("grpcio-tools") or ():
            found = re.fullmatch(r"protobuf\s*[^;]*?>=\s*([0-9.]+).*", requirement)
            if found:
                return found.group(1)
    except PackageNotFoundError:
        pass
    return ""
