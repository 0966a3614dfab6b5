"""The front page: every event with its summary, badges, schema and version, a search box
that filters by event name, field name and description as you type, and the diagram."""

from __future__ import annotations

from typing import Any

from ...events._event import Event
from .._field_tables import field_sections
from ._diagram import diagram
from ._frame import footer, header
from ._html import esc, json_data, page
from ._model import SiteInput, badges

__all__ = ["index_html", "search_entry"]


def search_entry(site: SiteInput, event: Event[Any]) -> dict[str, Any]:
    """What the search box matches for ``event``: its name, fields and description."""
    names: list[str] = []
    for section in field_sections(event, site.schemas, site.events.docs):
        if section.title is None or not section.title.startswith("enum "):
            names += [row[0] for row in section.rows if not row[0].startswith("(")]
    return {
        "name": event.name,
        "fields": sorted(set(names)),
        "description": " ".join((event.description or "").split()),
        "schema": event.schema_name,
    }


def _badges(event: Event[Any]) -> str:
    return "".join(
        f'<span class="badge" title="{esc(tip)}">{esc(label)}</span>'
        for label, tip in badges(event)
    )


def _summary(event: Event[Any]) -> str:
    text = (event.description or "").strip().split("\n\n")[0]
    return " ".join(text.split())


def _live_line(site: SiteInput, event: Event[Any]) -> str:
    if site.live is None:
        return ""
    usage = site.live.streams.get(event.name)
    if usage is None:
        return '<span class="stat warn">not registered on the server</span>'
    actors = [c for c in usage.consumers if c.durable]
    pending = sum(c.pending for c in actors)
    dead_stream = site.live.dead.get(event.name)
    dead = dead_stream.messages if dead_stream is not None else 0
    parts = [
        f'<span class="stat">{usage.messages:,} messages</span>',
        f'<span class="stat">{len(actors)} actor{"s" if len(actors) != 1 else ""}</span>',
        f'<span class="stat">{pending:,} pending</span>',
    ]
    paused = sum(1 for c in actors if c.paused)
    if paused:
        parts.append(f'<span class="stat warn">{paused} paused</span>')
    if dead:
        parts.append(f'<span class="stat warn">{dead:,} dead</span>')
    return "".join(parts)


def _row(site: SiteInput, event: Event[Any]) -> str:
    version = site.version_of(event)
    meta = [f"<code>{esc(event.schema_name)}</code>"]
    if version and version != site.events.version:  # a ledger entry of another version
        meta.append(f'<span class="version" title="registered by version">{esc(version)}</span>')
    return (
        f'<li class="event" data-name="{esc(event.name)}">'
        f'<div class="title"><a class="name" href="events/{esc(event.name)}.html">'
        f"{esc(event.name)}</a>{_badges(event)}</div>"
        f'<p class="desc">{esc(_summary(event)) or "<em>No description.</em>"}</p>'
        f'<div class="meta">{"".join(meta)}{_live_line(site, event)}</div></li>'
    )


def _diagram_section(site: SiteInput) -> str:
    if site.live is None:
        return (
            '<section id="diagram"><h2>Who reads what</h2><p class="note">Built without a '
            "server, so the actors reading each event are not known here. Build with "
            "<code>protonats catalog --server URL</code> for the diagram of events and "
            "their actors.</p></section>"
        )
    readers: dict[str, list[str]] = {}
    pending: dict[tuple[str, str], int] = {}
    for event in site.events:
        usage = site.live.streams.get(event.name)
        actors = [c for c in usage.consumers if c.durable] if usage else []
        readers[event.name] = [c.name for c in actors]
        pending.update({(event.name, c.name): c.pending for c in actors})
    return (
        '<section id="diagram"><h2>Who reads what</h2><p class="note">Each curve is an actor '
        "(a durable consumer) reading an event, as the server said at build time; the number "
        'is the messages waiting for it.</p><div class="diagram-box">'
        f"{diagram(readers, pending)}</div></section>"
    )


def index_html(site: SiteInput) -> str:
    """``index.html``."""
    events = list(site.events)
    rows = "".join(_row(site, e) for e in events)
    count = f"{len(events)} event{'s' if len(events) != 1 else ''}"
    body = (
        '<div class="wrap"><section class="intro"><h1>Events</h1><p>Each event is published '
        "on the NATS subject of its name and stored in the JetStream stream of the same "
        "name. Open one for its fields, an example, its limits, who reads it and its "
        "history.</p></section>"
        '<div class="search" role="search"><label for="q">Search</label>'
        '<input id="q" type="search" autocomplete="off" spellcheck="false" '
        'placeholder="Event name, field name or words of a description" '
        'aria-describedby="search-help" aria-controls="events">'
        f'<span id="count" class="count" aria-live="polite">{esc(count)}</span></div>'
        '<p id="search-help" class="help">Press <kbd>/</kbd> to search, <kbd>↓</kbd> '
        "<kbd>↑</kbd> to move through the results, <kbd>Enter</kbd> to open one, "
        "<kbd>Esc</kbd> to clear.</p>"
        f'<ul id="events" class="events">{rows}</ul>'
        '<p id="none" class="note" hidden>No event matches.</p>'
        f"{_diagram_section(site)}</div>"
        + json_data("search-data", [search_entry(site, e) for e in events])
    )
    return page(
        title=site.title,
        body=body,
        header=header(site, "index.html"),
        footer=footer(site),
    )
