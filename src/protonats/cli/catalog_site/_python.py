"""How to emit and consume an event from Python: the import line of its generated constant
and of its schema, and the few lines around them."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from typing import Any

from ...events._event import Event
from ._model import descriptor_of

__all__ = ["constants", "usage"]


def constants(events: Iterable[Event[Any]]) -> dict[str, tuple[str, str]]:
    """Event name -> (module, constant) of each event a loaded module declares as an
    upper-case constant (the generated ``shop.v1.events.ORDER_CREATED``); the shortest
    public module wins."""
    wanted = {id(e): e.name for e in events}
    found: dict[str, tuple[str, str]] = {}
    for module_name, module in list(sys.modules.items()):
        if module is None or any(p.startswith("_") for p in module_name.split(".")):
            continue
        for attr, value in list(vars(module).items()):
            name = wanted.get(id(value))
            if name is None or not attr.isupper():
                continue
            best = found.get(name)
            if best is None or len(module_name) < len(best[0]):
                found[name] = (module_name, attr)
    return found


def _constant_of(event: Event[Any], known: dict[str, tuple[str, str]]) -> tuple[str, str]:
    if event.name in known:
        return known[event.name]
    constant = event.name.upper().replace("-", "_")
    descriptor = descriptor_of(event)
    if descriptor is not None:  # the code generator's names: <package>.events.<NAME>
        return f"{descriptor.file.package}.events", constant
    return "", constant


def _schema_import(event: Event[Any]) -> tuple[str, str, str]:
    """(module, name to import, name to use) of the event's schema class."""
    descriptor = descriptor_of(event)
    if descriptor is not None:
        module = descriptor.file.name.removesuffix(".proto").replace("/", ".") + "_pb2"
        local = descriptor.full_name.removeprefix(descriptor.file.package + ".")
        return module, local.split(".")[0], local
    qualname = event.schema.__qualname__
    return event.schema.__module__, qualname.split(".")[0], qualname


def usage(event: Event[Any], known: dict[str, tuple[str, str]]) -> str:
    """Python that emits one message of ``event`` and runs an actor on its messages."""
    module, constant = _constant_of(event, known)
    schema_module, schema, local = _schema_import(event)
    lines = ["import protonats"]
    if module:
        lines.append(f"from {module} import {constant}")
    if schema_module not in {"builtins", module}:
        lines.append(f"from {schema_module} import {schema}")
    if not module:
        declared = f"protonats.Event({event.name!r}, {local})"
        lines += ["", f"{constant} = {declared}  # as the registry declares it"]
    lines += [
        "",
        "",
        f"async def emit(message: {local}) -> None:",
        f"    async with protonats.Events({constant}).connect() as conn:  # $NATS_URL",
        f"        await conn.emit({constant}, message)",
        "",
        "",
        f"async def handle(message: {local}) -> None:",
        "    ...  # an exception retries the message; after the last try it is a dead letter",
        "",
        "",
        "async def consume() -> None:",
        f'    actors = protonats.Actors(protonats.Actor("my-service", {constant}, handle))',
        "    async with actors.connect() as conn:",
        "        await conn.register()  # a durable consumer: messages wait for it",
        "        await conn.listen()",
    ]
    return "\n".join(lines) + "\n"
