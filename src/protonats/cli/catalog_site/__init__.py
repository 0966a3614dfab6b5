"""The event catalog as a static web site: ``index.html`` (every event, a search box, the
diagram of events and actors) and ``events/<name>.html`` per event, self-contained — the CSS
and script are inline (``assets/``, package data), the diagram is SVG drawn here — so the
folder works from ``file://`` and from any static host, and asks no other host for anything.

Registry text is data, never markup: ``_html.esc`` everywhere, and the search index is JSON
the page's script reads with ``textContent``. With a server (``read_server``) the pages show
who reads each event and its history in the schema ledger; without one they say so.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ...events._registry import Events
from ...jetstream._ledger import LedgerRevision
from .._catalog_schemas import Schemas
from .._manifest import Manifest
from ._event_page import event_html
from ._index import index_html
from ._model import Live, SiteInput, read_server
from ._python import constants

__all__ = ["Live", "SiteInput", "read_server", "write_site"]


def write_site(
    events: Events,
    out: Path,
    *,
    title: str,
    schemas: Schemas,
    json_schemas: Mapping[str, dict[str, Any]] | None = None,
    history: Mapping[str, list[LedgerRevision]] | None = None,
    live: Live | None = None,
    from_ledger: bool = False,
    manifest: Manifest | None = None,
) -> list[Path]:
    """Write ``index.html`` and ``events/<name>.html`` under ``out``; return them.

    ``json_schemas``: each event's JSON Schema as the ledger holds it (default: computed
    from the event, as ``register`` records it). ``from_ledger``: the events are the
    ledger's current entries, whose versions and fingerprints the pages show. Files go
    through ``manifest`` (``cli/_manifest.py``: only the catalog's own files are
    overwritten); without one, a manifest of ``out`` is made and finished here."""
    site = SiteInput(
        events=events,
        schemas=schemas,
        json_schemas=json_schemas or {e.name: e.json_schema() for e in events},
        title=title,
        built_at=datetime.datetime.now(datetime.UTC),
        history=history,
        live=live,
        from_ledger=from_ledger,
    )
    known = constants(events)
    writer = manifest if manifest is not None else Manifest(out)
    pages = {"index.html": index_html(site)}
    pages.update({f"events/{e.name}.html": event_html(site, e, known) for e in events})
    written = [writer.write_file(name, text) for name, text in pages.items()]
    if manifest is None:
        writer.finish()
    return written
