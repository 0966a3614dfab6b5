"""``protonats.__all__`` is sorted and complete: every protonats type or alias that appears in
a public signature (arguments, returns, attributes) can be imported from ``protonats``."""

from __future__ import annotations

import builtins
import dataclasses
import importlib
import inspect
import pkgutil
import re
import sys
import types
import typing
from collections.abc import Iterator
from typing import Any

import protonats

_IDENT = re.compile(r"(?<![.\w])[A-Za-z_]\w*")


def test_all_is_sorted_and_names_what_the_package_has() -> None:
    assert list(protonats.__all__) == sorted(protonats.__all__)
    assert len(set(protonats.__all__)) == len(protonats.__all__)
    for name in protonats.__all__:
        assert hasattr(protonats, name), name
    public = {n for n, v in vars(protonats).items() if not n.startswith("_")}
    public -= {n for n, v in vars(protonats).items() if isinstance(v, types.ModuleType)}
    assert public == set(protonats.__all__)


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
    for exported in protonats.__all__:
        for text, namespace in _annotations(getattr(protonats, exported)):
            for name, value in _protonats_names(text, namespace):
                if getattr(protonats, name, None) is not value:
                    missing.setdefault(name, set()).add(exported)
    assert missing == {}
