"""Find the ``Events`` registry to work on: ``--registry`` or an installed generated package.

A generated distribution declares its registry as an entry point in the group
``protonats.registries`` (``shop-events = "shop_events:EVENTS"``); with exactly one installed,
the command line uses it without being told. An event no installed registry declares is
known from the server's schema ledger instead (``registry_for``, ``_ledger_events``).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import os
import sys

from .._errors._cli import CliError
from ..events._registry import Events

__all__ = ["ENTRY_POINT_GROUP", "load_registry", "registry_for"]

ENTRY_POINT_GROUP = "protonats.registries"


def load_registry(spec: str | None) -> Events:
    """The registry named by ``spec`` (``module:attr`` or an entry point name), else the one
    installed registry; ``CliError`` saying what to do when there is none or several."""
    if spec:
        if ":" in spec:
            return _from_module(spec)
        return _from_entry_point(spec)
    found = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
    if not found:
        raise CliError(
            "no event registry found: install a generated events package (it declares an "
            f"entry point in the {ENTRY_POINT_GROUP!r} group), or pass --registry module:attr"
        )
    if len(found) > 1:
        names = ", ".join(e.name for e in found)
        raise CliError(
            f"several event registries are installed ({names}); choose one with --registry NAME "
            "or --registry module:attr"
        )
    return _check(found[0].load(), f"entry point {found[0].name!r} ({found[0].value})")


def registry_for(spec: str | None, name: str) -> Events | None:
    """The registry ``tail`` and ``dead`` use for event ``name``: the given or installed one
    when it has the event, else ``None`` (they then read the schema from the server's
    ledger)."""
    if spec is None and not importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        return None
    events = load_registry(spec)
    return events if name in events else None


def _from_entry_point(name: str) -> Events:
    found = {e.name: e for e in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    entry = found.get(name)
    if entry is None:
        known = ", ".join(sorted(found)) or "none installed"
        raise CliError(
            f"no registry entry point named {name!r} (known: {known}); "
            "use --registry module:attr for a registry that is not installed"
        )
    return _check(entry.load(), f"entry point {name!r} ({entry.value})")


def _from_module(spec: str) -> Events:
    module_name, _, attr = spec.partition(":")
    if not module_name or not attr:
        raise CliError(f"--registry {spec!r} must look like module:attr, e.g. shop_events:EVENTS")
    # Like `python -m`, find modules of the working directory (a console script does not).
    cwd = os.getcwd()
    if cwd not in sys.path:
        sys.path.insert(0, cwd)
    try:
        value: object = importlib.import_module(module_name)
    except ImportError as exc:
        raise CliError(f"cannot import registry module {module_name!r}: {exc}") from exc
    for part in attr.split("."):
        try:
            value = getattr(value, part)
        except AttributeError:
            raise CliError(f"registry module {module_name!r} has no attribute {attr!r}") from None
    return _check(value, spec)


def _check(value: object, where: str) -> Events:
    if not isinstance(value, Events):
        raise CliError(
            f"registry {where} is a {type(value).__name__}, not a protonats.Events; "
            "point --registry at the Events(...) object"
        )
    return value
