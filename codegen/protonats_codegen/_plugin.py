"""The plugin itself: a CodeGeneratorRequest in, the generated distribution's files out."""

from __future__ import annotations

from collections.abc import Callable
from itertools import groupby

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2

from ._dist import distribution_files
from ._docs import collect_docs
from ._events import EventSpec, collect_events, python_module
from ._params import parse_params
from ._render import constant_name, render_events_module, render_registry
from ._source import CodegenError
from ._typescript import render_typescript

__all__ = ["generate"]

# Packages another distribution owns: generating into them would break its files on uninstall.
_FOREIGN = {"protonats": "the protonats runtime", "google": "protobuf"}
_FEATURES = (
    plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    | plugin_pb2.CodeGeneratorResponse.FEATURE_SUPPORTS_EDITIONS
)


def generate(
    request: plugin_pb2.CodeGeneratorRequest, warn: Callable[[str], None] | None = None
) -> plugin_pb2.CodeGeneratorResponse:
    """Render every file, or report the input's problems in ``error`` (never a traceback).

    ``warn`` receives each ``file:line:col: warning: ...`` line (the plugin: stderr)."""
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=_FEATURES,
        minimum_edition=descriptor_pb2.EDITION_PROTO2,
        maximum_edition=descriptor_pb2.EDITION_2024,
    )
    try:
        files = render(request, warn)
    except CodegenError as error:
        response.error = str(error)
        return response
    for name in sorted(files):
        response.file.add(name=name, content=files[name])
    return response


def render(
    request: plugin_pb2.CodeGeneratorRequest, warn: Callable[[str], None] | None = None
) -> dict[str, str]:
    """Path -> content of every file this plugin writes (the ``_pb2`` modules are protoc's)."""
    params = parse_params(request)
    for name in request.file_to_generate:
        owner = _FOREIGN.get(name.partition("/")[0])
        if owner is not None:
            raise CodegenError(
                f"{name}:1:1: belongs to {owner}, which ships its generated code; leave it out "
                "of the files to generate (buf: exclude_paths; protoc: do not list it)"
            )
    specs = sorted(collect_events(request), key=lambda spec: spec.proto_file)
    if params.language == "typescript":  # the python run has said the warnings
        return render_typescript(params, specs, sorted(request.file_to_generate))
    for spec in specs:
        for warning in spec.warnings:
            if warn is not None:
                warn(warning)
    pb2_modules = {python_module(name) for name in request.file_to_generate}
    to_generate = set(request.file_to_generate)
    files: dict[str, str] = {}
    registry_modules: list[tuple[str, list[str]]] = []
    by_package = sorted(specs, key=lambda spec: spec.proto_package)
    for package, group in groupby(by_package, key=lambda spec: spec.proto_package):
        package_specs = list(group)
        module = f"{package}.events"
        _check_module(module, package_specs, pb2_modules)
        sources = [f for f in request.proto_file if f.name in to_generate and f.package == package]
        docs = collect_docs(sources)
        files[module.replace(".", "/") + ".py"] = render_events_module(package, package_specs, docs)
        registry_modules.append((module, [constant_name(spec.name) for spec in package_specs]))
    files[f"{params.module}/__init__.py"] = render_registry(
        params.package,
        params.version,
        registry_modules,
        sorted({spec.proto_file for spec in specs}),
    )
    modules = pb2_modules | {module for module, _ in registry_modules}
    if params.module in {module.partition(".")[0] for module in modules}:
        raise CodegenError(
            f"protoc-gen-protonats: the registry module {params.module!r} has the name of a "
            "generated package; choose another with option module="
        )
    files.update(distribution_files(params, modules, params.module))
    return files


def _check_module(module: str, specs: list[EventSpec], pb2_modules: set[str]) -> None:
    """Refuse an ``events`` module that would clash with a generated module or constant."""
    first = specs[0].proto_file
    if any(name.startswith(f"{module}.") for name in pb2_modules):
        raise CodegenError(
            f"{first}:1:1: the events of package {specs[0].proto_package} go to {module}, "
            "which is also a directory of generated _pb2 modules; rename that directory"
        )
    seen: dict[str, str] = {}
    for spec in specs:
        constant = constant_name(spec.name)
        if constant in seen:
            raise CodegenError(
                f"{spec.proto_file}:1:1: events {seen[constant]!r} and {spec.name!r} both "
                f"become the constant {module}.{constant}; rename one"
            )
        seen[constant] = spec.name
