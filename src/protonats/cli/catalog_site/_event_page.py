"""One event's page: what it means, its payload's fields, an example, its limits, the headers
every message carries, how to use it from Python, who reads it (live), its history, and its
JSON Schema and ``.proto`` source."""

from __future__ import annotations

import json
import re
from typing import Any

from ...events._event import Event
from ...events._fields import FLAGS, LIMITS, POLICIES, LimitField
from ...events._policies import Discard
from .._catalog_docs import message_headers
from .._catalog_schemas import example
from .._field_tables import Section, field_sections
from ._event_live import history_section, live_section
from ._frame import footer, header
from ._html import esc, page, paragraphs, table
from ._index import _badges
from ._model import SiteInput, descriptor_of
from ._proto_source import proto_source
from ._python import usage

__all__ = ["event_html"]

_FULL = {
    Discard.OLD: "Over it, the oldest messages are deleted.",
    Discard.NEW: "Over it, new messages are refused.",
}
_TOKEN = re.compile(r"[A-Za-z_][\w.]*")


def _anchor(title: str) -> str:
    return "type-" + title.removeprefix("enum ")


def _type_cell(kind: str, known: set[str]) -> str:
    """A field's type, its message and enum names linking to their tables on the page."""
    out, at = [], 0
    for match in _TOKEN.finditer(kind):
        out.append(esc(kind[at : match.start()]))
        token = match.group()
        out.append(
            f'<a href="#{esc(_anchor(token))}">{esc(token)}</a>' if token in known else esc(token)
        )
        at = match.end()
    out.append(esc(kind[at:]))
    return "<code>" + "".join(out) + "</code>"


def _fields(sections: list[Section], schema_name: str) -> str:
    known = {s.title.removeprefix("enum ") for s in sections if s.title}
    parts = []
    for section in sections:
        if section.title is None:
            title = f"<h3>{esc(schema_name)}</h3>"
        else:
            kind, _, name = section.title.rpartition(" ")
            title = (
                f'<h3 id="{esc(_anchor(section.title))}">'
                f"{f'<small>{esc(kind)}</small> ' if kind else ''}{esc(name)}</h3>"
            )
        if not section.rows:
            parts.append(f'{title}<p class="note">No fields.</p>')
            continue
        rows = [
            [f'<code class="field">{esc(a)}</code>', _type_cell(b, known), esc(c)]
            for a, b, c in section.rows
        ]
        cls = "fields enum" if section.title and section.title.startswith("enum ") else "fields"
        parts.append(title + table(section.columns, rows, cls=cls))
    return "".join(parts)


def _limit_value(row: LimitField, event: Event[Any]) -> str:
    value = getattr(event.limits, row.keyword)
    if value is not None:
        return f"<strong>{esc(row.text(value))}</strong>"
    cap = getattr(event.limits, row.capped_by) if row.capped_by else None
    applied = row.applied(None, cap)
    shown = "unlimited" if applied is None else f"JetStream's default, {row.text(applied)}"
    return f'<span class="unset">not set: {esc(shown)}</span>'


def _limits(event: Event[Any]) -> str:
    rows = []
    for row in LIMITS:
        meaning = row.meaning
        if row.keyword in ("bytes", "messages"):
            meaning += " " + _FULL[event.discard]
        rows.append([esc(row.label), _limit_value(row, event), esc(meaning)])
    for policy in POLICIES:
        member = getattr(event, policy.keyword)
        note = "default" if member is policy.default else "declared"
        frozen = " Fixed once the stream exists." if policy.frozen else ""
        rows.append(
            [esc(policy.label), f"<code>{esc(member.value)}</code> <small>{note}</small>",
             esc(f"The stream's {policy.label} policy.{frozen}")]
        )  # fmt: skip
    for flag in FLAGS:
        on = flag.on(event)
        rows.append(
            [esc(flag.label),
             "<strong>on</strong>" if on else '<span class="unset">off</span>',
             esc(f"Producers may call {flag.call}." if on else f"{flag.call} is refused.")]
        )  # fmt: skip
    return table(["Limit", "Value", "What it means"], rows, cls="limits")


def _headers(event: Event[Any]) -> str:
    rows = [
        [
            f"<code>{esc(name)}</code>",
            f"<code>{esc(spec['const'])}</code>"
            if "const" in spec
            else "<small>per message</small>",
            esc(spec.get("description", "")),
        ]
        for name, spec in message_headers(event).items()
    ]
    return table(["Header", "Value", "What it is"], rows, cls="headers")


def _facts(site: SiteInput, event: Event[Any]) -> str:
    facts = [
        ("Subject", f"<code>{esc(event.subject_name)}</code>"),
        ("Stream", f"<code>{esc(event.stream_name)}</code>"),
        ("Schema", f"<code>{esc(event.schema_name)}</code>"),
        ("Content type", f"<code>{esc(event.content_type)}</code>"),
    ]
    version = site.version_of(event)
    if version:
        facts.append(("Version", f"<code>{esc(version)}</code>"))
    fingerprint = site.fingerprint_of(event)
    facts.append(("Fingerprint", f'<code class="wrapcode">{esc(fingerprint)}</code>'))
    return '<dl class="facts">' + "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in facts) + "</dl>"


def _code(text: str, language: str) -> str:
    return f'<pre class="code" data-lang="{esc(language)}"><code>{esc(text)}</code></pre>'


_TOC = [
    ("fields", "Fields"),
    ("example", "Example"),
    ("limits", "Limits"),
    ("live", "Live"),
    ("history", "History"),
    ("python", "Python"),
    ("headers", "Headers"),
    ("json-schema", "JSON Schema"),
    ("proto", ".proto source"),
]


def event_html(site: SiteInput, event: Event[Any], known: dict[str, tuple[str, str]]) -> str:
    """``events/<name>.html``; ``known`` are the generated constants (``_python.constants``)."""
    sections = field_sections(event, site.schemas, site.events.docs)
    payload = example(site.schemas.payloads[event.name], site.schemas.components)
    descriptor = descriptor_of(event)
    protobuf = descriptor is not None
    note = (
        '<p class="note">The payload is protobuf binary; the example and the JSON Schema '
        "show its proto3 JSON mapping.</p>"
        if protobuf
        else ""
    )
    description = paragraphs(event.description or "") or '<p class="note">No description.</p>'
    blocks = [
        ("fields", "Payload fields", _fields(sections, event.schema_name)),
        ("example", "Example payload", note + _code(json.dumps(payload, indent=2), "json")),
        ("limits", "Limits", _limits(event)),
        ("live", "Live", live_section(site, event)),
        ("history", "History", history_section(site, event)),
        ("python", "Emit and consume from Python", _code(usage(event, known), "python")),
        ("headers", "Headers every message carries", _headers(event)),
        (
            "json-schema",
            "JSON Schema",
            '<p class="note">The document the schema ledger holds for this event.</p>'
            + _code(json.dumps(site.json_schemas[event.name], indent=2), "json"),
        ),
    ]
    if protobuf:
        source = proto_source(descriptor, site.events.docs)
        blocks.append(("proto", ".proto source", _code(source, "proto")))
    toc = "".join(
        f'<li><a href="#{i}">{esc(label)}</a></li>'
        for i, label in _TOC
        if any(b[0] == i for b in blocks)
    )
    body = (
        '<div class="wrap event-page">'
        f'<nav class="toc" aria-label="On this page"><a class="back" href="../index.html">'
        f"← All events</a><ul>{toc}</ul></nav><article>"
        f'<h1 id="event-name">{esc(event.name)}</h1><div class="badges">{_badges(event)}</div>'
        f'<div class="description">{description}</div>{_facts(site, event)}'
        + "".join(f'<section id="{i}"><h2>{esc(t)}</h2>{b}</section>' for i, t, b in blocks)
        + "</article></div>"
    )
    return page(
        title=f"{event.name} · {site.title}",
        body=body,
        header=header(site, "../index.html"),
        footer=footer(site),
    )
