"""The catalog's web site without a browser: every page written, registry text kept as text
(in the HTML and in the Markdown), the history's field-level diff, the diagram, and a site
built from a server's ledger that shows an event registered at two versions."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import html
import json
import re
from pathlib import Path

from protonats import Event, Events, Limits
from protonats.cli._catalog_docs import write_catalog
from protonats.cli._catalog_schemas import event_schemas
from protonats.cli.catalog_site import write_site
from protonats.cli.catalog_site._diagram import diagram
from protonats.cli.catalog_site._history import changes, revisions
from protonats.jetstream._ledger import LedgerRevision, entry_for

from .ledger_models import F, proto_message
from .test_cli import cli

HOSTILE = (
    "Sent <script>alert('x')</script> when <img src=x onerror=alert(1)> happens.\n"
    "\n"
    "## Limits\n"
    "- max age: forever\n"
    "```\n"
    "</script><script>alert(2)</script>"
)


@dataclasses.dataclass
class Note:
    """A note. <b>bold</b>"""

    text: str
    by: str = ""


def hostile_events() -> Events:
    return Events(
        Event("note-taken", Note, description=HOSTILE, limits=Limits(age=3600)),
        Event("plain-seen", Note, description="Nothing to see."),
    )


def test_registry_text_is_text_in_the_site(tmp_path: Path) -> None:
    events = hostile_events()
    written = write_site(events, tmp_path, title="<T>", schemas=event_schemas(events))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "events/note-taken.html",
        "events/plain-seen.html",
        "index.html",
    ]
    for path in written:
        page = path.read_text()
        scripts = re.findall(r"<script\b[^>]*>", page)
        # exactly two script elements: the search data (on the index) and the site's own code
        assert all("alert" not in s for s in scripts)
        assert "<script>alert" not in page
        assert "<img src=x" not in page
        assert len(re.findall(r"<script", page)) == (2 if path.name == "index.html" else 1)
        assert "&lt;T&gt;" in page
        assert "<T>" not in page
    page = (tmp_path / "events" / "note-taken.html").read_text()
    assert html.escape("<script>alert('x')</script>") in page
    index = (tmp_path / "index.html").read_text()
    data = re.search(r'<script type="application/json" id="search-data">(.*?)</script>', index)
    assert data is not None
    assert "<" not in data.group(1)
    assert ">" not in data.group(1)
    entries = json.loads(data.group(1))
    assert entries[0]["description"].startswith("Sent <script>")  # the text itself, as data
    assert entries[0]["fields"] == ["by", "text"]


def test_registry_text_is_text_in_the_markdown(tmp_path: Path) -> None:
    write_catalog(hostile_events(), tmp_path, title="T")
    page = (tmp_path / "events" / "note-taken.md").read_text()
    lines = page.splitlines()
    assert lines.count("## Limits") == 1  # the real one, not the description's
    assert "- max age: 1 h" in lines
    assert not any(line.startswith("- max age: forever") for line in lines)
    assert [line for line in lines if line.startswith("```")] == ["```json", "```"]
    assert re.findall(r"(?<!\\)<", page) == []  # every < escaped: no HTML
    assert "\\<script\\>" in page
    assert "\\#\\# Limits" in lines


def test_history_says_what_changed_field_by_field() -> None:
    v1 = proto_message(
        "hist.v1.Signed",
        ("user_id", 1, F.TYPE_STRING),
        ("mail", 2, F.TYPE_STRING),
        ("age", 3, F.TYPE_INT32),
    )
    v2 = proto_message(
        "hist.v1.Signed",
        ("user_id", 1, F.TYPE_STRING),
        ("email", 2, F.TYPE_STRING),
        ("age", 3, F.TYPE_INT64),
        ("referrer", 4, F.TYPE_STRING),
    )
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    old = entry_for(Event("signed", v1, limits=Limits(age=86_400)), "1.0", when)
    new = entry_for(Event("signed", v2, limits=Limits(age=172_800), description="d"), "2.0", when)
    assert [(c.kind, c.text) for c in changes(old, new)] == [
        ("renamed", "field 2 renamed: mail → email"),
        ("added", "field referrer (string) added"),
        ("changed", "field age: int32 → int64"),
        ("changed", "max age: 1 d → 2 d"),
        ("changed", "description reworded"),
    ]
    found = revisions([LedgerRevision(4, old), LedgerRevision(9, new)])
    assert [(r.revision, r.first, len(r.changes)) for r in found] == [(4, True, 0), (9, False, 5)]


@dataclasses.dataclass
class ShapeV1:
    x: int


@dataclasses.dataclass
class ShapeV2:
    x: str
    y: int = 0


def test_history_of_json_schemas() -> None:
    old = entry_for(Event("a-b", ShapeV1, schema_name="Shape"), "1")
    new = entry_for(Event("a-b", ShapeV2, schema_name="Shape"), "2")
    assert [c.text for c in changes(old, new)] == [
        "field y (integer) added",
        "field x: integer → string",
    ]


def test_the_diagram_draws_dozens_of_events_and_their_actors() -> None:
    readers = {f"event-{i:02d}": [f"actor-{i % 7}"] if i % 3 else [] for i in range(40)}
    pending = {(e, a): 5 for e, actors in readers.items() for a in actors}
    svg = diagram(readers, pending)
    assert svg.count('class="node event') == 40
    assert svg.count('class="node actor"') == 7
    assert svg.count('class="edge"') == sum(len(a) for a in readers.values())
    height = int(re.search(r'height="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert height >= 40 * 30  # one row per event: readable, not squeezed
    assert 'href="events/event-01.html"' in svg


def test_catalog_from_the_ledger_shows_two_versions(
    nats_url: str, unique: str, tmp_path: Path
) -> None:
    name = f"site-ledger-{unique}"
    v1 = proto_message("siteledger.v1.Signed", ("user_id", 1, F.TYPE_STRING))
    v2 = proto_message(
        "siteledger.v1.Signed", ("user_id", 1, F.TYPE_STRING), ("referrer", 2, F.TYPE_STRING)
    )

    async def register() -> None:
        for version, schema in (("1.0.0", v1), ("1.1.0", v2)):
            async with Events(Event(name, schema), version=version).connect(nats_url) as conn:
                await conn.register()

    asyncio.run(register())
    code, _, err = cli("catalog", "--ledger", nats_url, "--out", str(tmp_path), "--format", "json")
    assert code == 0, err
    page = (tmp_path / "events" / f"{name}.html").read_text()
    history = page[page.index('<section id="history">') :]
    history = history[: history.index("</section>")]
    assert history.count('class="revision"') == 2
    assert history.index("1.1.0") < history.index("1.0.0")  # newest first
    assert "field referrer (string) added" in history
    assert "First registered." in history
    live = page[page.index('<section id="live">') :]
    assert "From <code>nats://" in live  # the ledger's server is read live too
    code, out, err = cli("schema", name, "--format", "json", url=nats_url)
    assert code == 0, err
    shown = re.search(r'<section id="json-schema">.*?<code>(.*?)</code>', page, re.S)
    assert shown is not None
    assert json.loads(html.unescape(shown.group(1))) == json.loads(out)["schema"]["json_schema"]


def test_an_empty_ledger_is_named_without_the_urls_secret(tmp_path: Path) -> None:
    from protonats.testing import nats_server

    with nats_server() as url:
        secret = url.replace("nats://", "nats://s3cret-token@")
        code, _, err = cli("catalog", "--ledger", secret, "--out", str(tmp_path))
    assert code == 1, err
    assert "is empty: register events first" in err
    assert "s3cret-token" not in err
