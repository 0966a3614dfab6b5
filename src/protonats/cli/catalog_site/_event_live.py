"""The parts of an event page that come from a server: who reads the event now (actors,
their backlog, dead letters, the stream's size) and its history in the schema ledger."""

from __future__ import annotations

from typing import Any

from ...events._event import Event
from ...events._fields import size
from ._history import revisions
from ._html import esc, table
from ._model import SiteInput

__all__ = ["history_section", "live_section"]


def live_section(site: SiteInput, event: Event[Any]) -> str:
    live = site.live
    if live is None:
        return (
            '<p class="note offline">Built without a server, so nothing here is live: no '
            "actors, pending counts or dead letters. Build with <code>protonats catalog "
            "--server URL</code> to show them as the server has them.</p>"
        )
    at = esc(live.at.strftime("%Y-%m-%d %H:%M:%S UTC"))
    source = f'<p class="note">From <code>{esc(live.server)}</code> at {at}.</p>'
    usage = live.streams.get(event.name)
    if usage is None:
        return source + (
            '<p class="note warn">The server has no stream for this event: nobody registered '
            "it there yet (<code>protonats register</code>).</p>"
        )
    actors = [c for c in usage.consumers if c.durable]
    others = len(usage.consumers) - len(actors)
    stats = (
        '<dl class="facts">'
        f'<dt>Messages</dt><dd id="stream-messages">{usage.messages:,}</dd>'
        f'<dt>Size</dt><dd id="stream-bytes">{esc(size(usage.bytes))}</dd></dl>'
    )
    if actors:
        rows = [
            [
                f'<code class="actor">{esc(c.name)}</code>',
                f'<span class="pending">{c.pending:,}</span>',
                f'<span class="ack-pending">{c.ack_pending:,}</span>',
                f'<span class="redelivered">{c.redelivered:,}</span>',
                '<span class="paused badge warn">paused</span>' if c.paused else "no",
            ]
            for c in actors
        ]
        readers = table(
            ["Actor", "Pending", "Ack pending", "Redelivered", "Paused"],
            rows,
            cls="actors",
            caption="Actors: durable consumers of the stream",
            keys=[("data-actor", c.name) for c in actors],
        )
    else:
        readers = '<p class="note">No actor reads this event.</p>'
    if others:
        readers += f'<p class="note">And {others} ephemeral consumer(s), such as a tail.</p>'
    dead = live.dead.get(event.name)
    count = dead.messages if dead is not None else 0
    letters = (
        f'<p class="dead{" warn" if count else ""}"><strong id="dead-count">{count:,}</strong> '
        f"dead letter{'s' if count != 1 else ''} (messages an actor gave up on). "
        f"List them with <code>protonats dead {esc(event.name)}</code>, send them back with "
        f"<code>protonats dead {esc(event.name)} --replay</code>.</p>"
    )
    return source + stats + readers + letters


def history_section(site: SiteInput, event: Event[Any]) -> str:
    if site.history is None:
        return (
            '<p class="note offline">Built without the schema ledger. Build with '
            "<code>--server URL</code> (or <code>--ledger URL</code>) for each revision "
            "of this event: version, fingerprint, time and what changed.</p>"
        )
    found = site.history.get(event.name) or []
    if not found:
        return (
            '<p class="note">Not in the schema ledger yet: <code>protonats register</code> '
            "records it.</p>"
        )
    items = []
    shown = site.fingerprint_of(event)
    for rev in reversed(revisions(found)):
        entry = rev.entry
        this = (
            '<span class="badge" title="the declaration this page shows">this page</span>'
            if entry.fingerprint == shown
            else ""
        )
        when = entry.registered_at.strftime("%Y-%m-%d %H:%M:%S UTC")
        if rev.first:
            changes = '<li class="first">First registered.</li>'
        elif not rev.changes:
            changes = '<li class="same">Same schema and limits (registered again).</li>'
        else:
            changes = "".join(f'<li class="{esc(c.kind)}">{esc(c.text)}</li>' for c in rev.changes)
        items.append(
            f'<li class="revision" data-revision="{rev.revision}"><div class="rev-head">'
            f'<span class="rev-version">{esc(entry.version or "no version")}</span>'
            f'<time datetime="{esc(entry.registered_at.isoformat())}">{esc(when)}</time>'
            f'<code class="fingerprint" title="{esc(entry.fingerprint)}">'
            f"{esc(entry.fingerprint[:19])}…</code>"
            f'<span class="rev-number">revision {rev.revision}</span>{this}</div>'
            f'<ul class="changes">{changes}</ul></li>'
        )
    return f'<ol class="history" reversed>{"".join(items)}</ol>'
