"""The import direction docs/architecture.md draws, checked on the source: each part of
``protonats`` imports only the parts below it (and the runtime never the CLI)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "protonats"

# part -> the parts it may import at module level (itself always).
ALLOWED: dict[str, set[str]] = {
    "_errors": set(),
    "_wire": set(),
    "_pbwire": set(),
    "_text": set(),
    "v1": set(),
    "events": {"_errors", "v1"},
    "jetstream": {"_errors", "_text", "_wire", "events", "v1"},
    "actors": {"_errors", "_text", "_wire", "events", "jetstream", "v1"},
    "middlewares": {"actors"},
    "testing": {"_errors"},
    "checks": {"_errors", "_pbwire", "events", "v1"},
    "cli": {
        "_errors",
        "_text",
        "_wire",
        "events",
        "jetstream",
        "actors",
        "checks",
        "v1",
        "testing",
    },
    "types": {"_errors", "events", "jetstream", "actors"},
    "__init__": {"_errors", "events", "jetstream", "actors", "types"},
}
# Imports inside a function (lazy), each named in docs/architecture.md.
LAZY: set[tuple[str, str]] = {
    ("events", "jetstream"),  # Events.connect(): the runtime's entry point
    ("jetstream", "checks"),  # register's schema check uses the breaking gate's rules
}


def _part(module: Path) -> str:
    relative = module.relative_to(PACKAGE)
    return relative.parts[0].removesuffix(".py")


def _imports(module: Path) -> Iterator[tuple[str, bool, int]]:
    """(imported protonats part, whether lazy, line) of every import; lazy is inside a
    function or under ``if TYPE_CHECKING:`` (not run when the module is imported)."""
    tree = ast.parse(module.read_text(), str(module))
    package = module.relative_to(SRC).with_suffix("").parts[:-1]
    deferred = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        or (isinstance(n, ast.If) and ast.unparse(n.test).endswith("TYPE_CHECKING"))
    ]
    lazy = {id(n) for d in deferred for n in ast.walk(d)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Import | ast.ImportFrom):
            continue
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package[: len(package) - node.level + 1]
                target = ".".join((*base, node.module or ""))
                names = [target.rstrip(".")]
                if not node.module:  # from . import x
                    names = [f"{target.rstrip('.')}.{alias.name}" for alias in node.names]
            else:
                names = [node.module or ""]
        for name in names:
            parts = name.split(".")
            if parts[0] == "protonats" and len(parts) > 1:
                yield parts[1], id(node) in lazy, node.lineno


MODULES = sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("module", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(module: Path) -> None:
    part = _part(module)
    assert part in ALLOWED, f"{part} is new: add it to ALLOWED here and to architecture.md"
    wrong = [
        f"line {line}: {part} imports {target}" + (" (lazily)" if lazy else "")
        for target, lazy, line in _imports(module)
        if target != part and target not in ALLOWED[part] and not (lazy and (part, target) in LAZY)
    ]
    assert wrong == []


def test_the_runtime_never_imports_the_cli() -> None:
    runtime = [m for m in MODULES if _part(m) not in {"cli", "checks"}]
    assert [
        f"{m.relative_to(PACKAGE)}:{line}"
        for m in runtime
        for target, _lazy, line in _imports(m)
        if target == "cli"
    ] == []


BOUNDARY = PACKAGE / "jetstream"


def _is_boundary(module: Path) -> bool:
    """``jetstream/_nats*.py``: the only modules that talk to nats-py."""
    return module.parent == BOUNDARY and module.name.startswith("_nats")


def _nats_imports(module: Path) -> Iterator[int]:
    """Lines that import nats-py, at run time or for type checking alike."""
    tree = ast.parse(module.read_text(), str(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        if any(name == "nats" or name.startswith("nats.") for name in names):
            yield node.lineno


def test_only_the_boundary_imports_nats() -> None:
    """Every nats-py call is in ``jetstream/_nats*.py``; the rest of the package gets nats-py's
    data types (``api``, ``Msg``, ``Client``) re-exported by ``jetstream/_nats.py``. The rule
    holds for ``if TYPE_CHECKING:`` imports too, so a type never invites a call."""
    outside = [
        f"{m.relative_to(PACKAGE)}:{line}"
        for m in MODULES
        if not _is_boundary(m)
        for line in _nats_imports(m)
    ]
    assert outside == []
    assert len([m for m in MODULES if _is_boundary(m)]) >= 2  # the check sees the boundary


def _exception_classes(module: Path) -> Iterator[tuple[str, int]]:
    """(name, line) of each class deriving from an ``...Error``/``...Exception`` base, or from
    another such class of the same module."""
    tree = ast.parse(module.read_text(), str(module))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef):
            bases = [ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases]
            if any(b.endswith(("Error", "Exception")) or b in found for b in bases):
                found.add(node.name)
                yield node.name, node.lineno


def test_every_exception_class_is_in_errors() -> None:
    """The hierarchy ``_errors/__init__.py`` draws is every exception protonats has."""
    errors = PACKAGE / "_errors"
    outside = [
        f"{m.relative_to(PACKAGE)}:{line} {name}"
        for m in MODULES
        if m.parent != errors
        for name, line in _exception_classes(m)
    ]
    assert outside == []
    tree = (errors / "__init__.py").read_text().split('"""')[1]
    undrawn = [
        name
        for m in sorted(errors.glob("_*.py"))
        for name, _ in _exception_classes(m)
        if f" {name} " not in tree and not tree.lstrip().startswith(name)
    ]
    assert undrawn == []
