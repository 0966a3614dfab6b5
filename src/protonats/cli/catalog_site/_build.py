"""``protonats catalog``'s work: the Markdown pages, the AsyncAPI document and the web site,
from a registry or from a server's schema ledger, live when a server is given."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..._errors._cli import CliError
from ...events._registry import Events
from .._catalog_docs import _default_title, write_catalog
from .._catalog_schemas import event_schemas
from .._manifest import Manifest
from .._options import Connection, listed
from . import read_server, write_site

__all__ = ["CatalogRequest", "build"]


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class CatalogRequest:
    """What to build, as the command line says it."""

    out: Path
    title: str | None = None
    server: str | None = None
    """Listed in the AsyncAPI document; read for live numbers and history when ``live``."""
    ledger: str | None = None
    """Build from this server's schema ledger instead of a registry."""
    live: bool = True
    force: bool = False
    """Overwrite files in ``out`` that an earlier catalog run did not write."""
    connection: Connection = dataclasses.field(default_factory=Connection)
    """How to connect (credentials, TLS) to ``server`` or ``ledger``; its own ``server`` is
    not used."""

    def to(self, url: str) -> Connection:
        """The connection options, to ``url``."""
        return dataclasses.replace(self.connection, server=url)


def build(request: CatalogRequest, registry: Callable[[], Events]) -> list[tuple[Path, str]]:
    """Write the catalog through the output directory's manifest; return (path, what was
    done) of every file touched: written, removed, or kept (edited since written)."""
    out = request.out
    json_schemas: dict[str, dict[str, Any]] | None = None
    if request.ledger is not None:
        from .._ledger_events import entries, ledger_catalog

        found = asyncio.run(entries(request.to(request.ledger)))
        if not found:
            shown = request.to(request.ledger).shown()
            raise CliError(f"the schema ledger of {shown} is empty: register events first")
        events, schemas = ledger_catalog(found)
        json_schemas = {entry.event: entry.schema.json_schema for entry in found}
        title = request.title or "Event catalog (schema ledger)"
    else:
        events = registry()
        schemas = event_schemas(events, events.docs)
        title = request.title or _default_title(events)
    source = request.server or request.ledger
    live = history = None
    if request.live and source is not None:
        live, history = asyncio.run(read_server(events, request.to(source)))
    manifest = Manifest(out, force=request.force)
    written = write_catalog(
        events, out, title=title, server=listed(source), schemas=schemas, manifest=manifest
    )
    written += write_site(
        events,
        out,
        title=title,
        schemas=schemas,
        json_schemas=json_schemas,
        history=history,
        live=live,
        from_ledger=request.ledger is not None,
        manifest=manifest,
    )
    done = [(path, "written") for path in written]
    done += [(path, "removed") for path in manifest.finish()]
    return done + [(path, "kept (edited since written)") for path in manifest.kept]
