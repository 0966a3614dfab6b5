"""The public API by role: ``protonats`` exports what users construct and catch,
``protonats.types`` the types they only name in annotations (still importable from
``protonats``); both ``__all__`` are sorted and complete, every protonats type or alias in a
public signature (arguments, returns, attributes) is in one of them, and importing ``protonats``
imports no runtime (the buf plugin loads its rules without nats-py)."""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import inspect
import pkgutil
import re
import subprocess
import sys
import types
import typing
from collections.abc import Iterator
from typing import Any

import protonats
import protonats.types

_IDENT = re.compile(r"(?<![.\w])[A-Za-z_]\w*")


def test_all_is_sorted_and_names_what_the_package_has() -> None:
    for module in (protonats, protonats.types):
        assert list(module.__all__) == sorted(module.__all__)
        assert len(set(module.__all__)) == len(module.__all__)
        for name in module.__all__:
            assert hasattr(module, name), name
    public = {n for n, v in vars(protonats.types).items() if not n.startswith("_")}
    public -= {n for n, v in vars(protonats.types).items() if isinstance(v, types.ModuleType)}
    assert public == set(protonats.types.__all__)
    assert not set(protonats.__all__) & set(protonats.types.__all__)
    for name in protonats.types.__all__:  # moved, and still importable from protonats
        assert getattr(protonats, name) is getattr(protonats.types, name), name
    assert set(protonats.__all__) | set(protonats.types.__all__) <= set(dir(protonats))


def test_protonats_exports_what_users_construct_and_catch() -> None:
    """Exceptions to catch, classes to construct (or subclass), ``stream_config`` to call;
    nothing in ``protonats.types`` is an exception."""
    errors = [n for n in protonats.__all__ if n.endswith("Error")]
    assert all(issubclass(getattr(protonats, n), protonats.ProtonatsError) for n in errors)
    for name in protonats.types.__all__:
        value = getattr(protonats.types, name)
        assert not (isinstance(value, type) and issubclass(value, BaseException)), name
    constructed = [n for n in protonats.__all__ if n not in errors]
    assert all(isinstance(getattr(protonats, n), type) or n == "stream_config" for n in constructed)


def test_importing_protonats_and_the_rules_imports_no_runtime() -> None:
    """The buf plugin's ``check`` loads the rule code through the package as it is: no
    nats-py, no runtime modules, nothing put into ``sys.modules`` by hand."""
    code = (
        "import sys, protonats\n"
        "from protonats_bufplugin._check import _rule_code\n"
        "_rule_code()\n"
        "assert 'protonats.checks._buf' in sys.modules\n"
        "loaded = sorted(m for m in sys.modules if m == 'nats' or m.startswith(("
        "'nats.', 'protonats.jetstream', 'protonats.actors', 'protonats.cli')))\n"
        "print(loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _annotations(obj: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """(annotation text, the globals it is written in) of every public part of ``obj``."""
    if isinstance(obj, type):
        for klass in reversed(obj.__mro__):
            if klass.__module__.startswith("protonats"):
                hints = vars(klass).get("__annotations__", {})
                for name, text in hints.items():
                    if not name.startswith("_"):
                        yield str(text), vars(sys.modules[klass.__module__])
        members = [
            (name, member)
            for name, member in inspect.getmembers(obj)
            if not name.startswith("_") or name == "__init__"
        ]
        for name, member in members:
            if isinstance(member, property) and member.fget is not None:
                yield from _function(member.fget)
            elif inspect.isfunction(member) or inspect.ismethod(member):
                if name == "__init__" and dataclasses.is_dataclass(obj):
                    continue  # the fields above
                if getattr(member, "__module__", "").startswith("protonats"):
                    yield from _function(member)
    elif inspect.isfunction(obj):
        yield from _function(obj)


def _function(function: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    function = inspect.unwrap(function)
    namespace = function.__globals__
    for name, text in function.__annotations__.items():
        if name not in {"self", "cls"}:
            yield str(text), namespace


def _protonats_names(text: str, namespace: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The names in an annotation that stand for protonats types or aliases."""
    for name in _IDENT.findall(text):
        if name in namespace:
            value = namespace[name]
        elif hasattr(builtins, name) or hasattr(typing, name):
            continue
        else:  # imported only for type checkers: find where protonats defines it
            value = _defined_in_protonats(name)
            if value is None:
                continue
        if isinstance(value, types.ModuleType | typing.TypeVar) or hasattr(typing, name):
            continue
        module = getattr(value, "__module__", "") or ""
        if isinstance(value, type) or inspect.isfunction(value):
            if module.startswith("protonats"):
                yield name, value
        elif name not in vars(builtins):
            yield name, value  # an alias such as OnNewer


def _defined_in_protonats(name: str) -> Any:
    for info in pkgutil.walk_packages(protonats.__path__, "protonats."):
        importlib.import_module(info.name)
    for module_name, module in list(sys.modules.items()):
        if module_name.startswith("protonats.") and module is not None:
            value = vars(module).get(name)
            if getattr(value, "__module__", None) == module_name:
                return value
    return None


def test_every_type_in_a_public_signature_is_exported() -> None:
    missing: dict[str, set[str]] = {}
    for exported in (*protonats.__all__, *protonats.types.__all__):
        for text, namespace in _annotations(getattr(protonats, exported)):
            for name, value in _protonats_names(text, namespace):
                public = name in protonats.__all__ or name in protonats.types.__all__
                if not public or getattr(protonats, name, None) is not value:
                    missing.setdefault(name, set()).add(exported)
    assert missing == {}
