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


CLI = PACKAGE / "cli"
SHARED_COMMAND_MODULES = {"plan": "_cmd_register", "resume": "_cmd_pause"}
"""Commands that share their module with another (the module's docstring says why)."""


def _cli_modules() -> list[Path]:
    return sorted(CLI.glob("*.py"))


def _registered() -> dict[str, str]:
    """Command name -> the ``cli`` module its function is defined in."""
    from protonats.cli._app import app

    return {
        str(info.name): str(getattr(info.callback, "__module__", "")).rpartition(".")[2]
        for info in app.registered_commands
    }


def test_each_command_is_one_module_with_its_flags_and_its_work() -> None:
    """``protonats X`` is ``cli/_cmd_X.py`` (or the module it shares, named above); every
    ``_cmd_*`` module is a command's; only ``_app`` imports them (what two commands share is
    a shared module, not another command's)."""
    commands = _registered()
    assert commands, "no command registered"
    wrong = {
        name: module
        for name, module in commands.items()
        if module != SHARED_COMMAND_MODULES.get(name, f"_cmd_{name}")
    }
    assert wrong == {}
    command_modules = {m.stem for m in _cli_modules() if m.stem.startswith("_cmd_")}
    assert command_modules == set(commands.values())
    importers = [
        f"{m.relative_to(PACKAGE)}:{line} imports {target}"
        for m in MODULES
        if m != CLI / "_app.py"
        for target, line in _cli_imports(m)
        if target.startswith("_cmd_")
    ]
    assert importers == []


def _cli_imports(module: Path) -> Iterator[tuple[str, int]]:
    """(cli module, line) of each ``from . import x`` / ``from ._x import`` inside ``cli``."""
    tree = ast.parse(module.read_text(), str(module))
    package = module.relative_to(SRC).with_suffix("").parts[:-1]
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.level:
            continue
        base = package[: len(package) - node.level + 1]
        if base != ("protonats", "cli"):
            continue
        if node.module:
            yield node.module.partition(".")[0], node.lineno
        else:
            for alias in node.names:
                yield alias.name, node.lineno


def _flag_declarations(module: Path) -> Iterator[int]:
    """Lines that declare a flag or argument: ``typer.Option(`` / ``typer.Argument(``."""
    tree = ast.parse(module.read_text(), str(module))
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) in {
            "typer.Option",
            "typer.Argument",
        }:
            yield node.lineno


def test_flags_live_with_their_command_or_in_options() -> None:
    """A flag is declared in its command's module, or in ``_options`` when several commands
    take it; a flag ``_options`` declares is taken by two commands at least (the connection
    flags through ``connection_flags``)."""
    outside = [
        f"{m.relative_to(PACKAGE)}:{line}"
        for m in MODULES
        if m.parent != CLI or not (m.stem.startswith("_cmd_") or m.stem == "_options")
        for line in _flag_declarations(m)
    ]
    assert outside == []
    options = ast.parse((CLI / "_options.py").read_text())
    declared = {
        target.id
        for node in options.body
        if isinstance(node, ast.Assign) and ast.unparse(node.value).startswith("Annotated[")
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    through_connection = {
        value.id
        for node in ast.walk(options)
        if isinstance(node, ast.Dict)
        for value in node.values
        if isinstance(value, ast.Name)
    }
    takers: dict[str, set[str]] = {name: set() for name in declared - through_connection}
    for m in _cli_modules():
        for node in ast.walk(ast.parse(m.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "_options" and node.level == 1:
                for alias in node.names:
                    takers.get(alias.name, set()).add(m.stem)
    assert {name: sorted(found) for name, found in takers.items() if len(found) < 2} == {}


def test_no_two_modules_share_a_name() -> None:
    """A ``cli`` module's file name is nowhere else in ``src/`` or ``codegen/``: ``_cmd_dead``
    is the ``dead`` command, ``actors/_dead`` the dead letters."""
    others = [
        m
        for m in [*MODULES, *(SRC.parent / "codegen").rglob("*.py")]
        if CLI not in m.parents and m.name not in {"__init__.py", "__main__.py"}
    ]
    names = {m.name for m in others}
    shared = [
        str(m.relative_to(PACKAGE))
        for m in MODULES
        if CLI in m.parents and m.name in names and "registry" not in m.parts
    ]
    assert shared == []


def test_architecture_names_every_cli_module() -> None:
    """docs/architecture.md's ``cli/`` rows name every module of ``cli/``."""
    text = (SRC.parent / "docs" / "architecture.md").read_text()
    unnamed = [
        str(m.relative_to(CLI))
        for m in sorted(CLI.rglob("*.py"))
        if m.name != "__init__.py" and "registry" not in m.relative_to(CLI).parts
        if f"`{m.stem}`" not in text
        and f"`{m.stem}.py`" not in text
        and f"{m.relative_to(PACKAGE)}" not in text
    ]
    assert unnamed == []
