"""The catalog's web site in a real browser: it loads with no console error and no request to
another host, lists every event, filters as you type (by field name too) and from the
keyboard, shows an event's fields, limits and history, shows the live backlog the server
reports, and keeps hostile registry text as text. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import urlsplit

import nats
import pytest
from selenium import webdriver
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from protonats.cli._catalog_schemas import event_schemas
from protonats.cli._field_tables import field_sections
from protonats.cli.catalog_site import write_site

from ..catalog_site_data import BACKLOG, DEAD, PAUSED, V2
from ..helpers import DEADLINE
from ..test_catalog_site import hostile_events
from .conftest import ARTIFACTS, Site


def log(browser: webdriver.Chrome, kind: str) -> list[dict[str, Any]]:
    """What the browser logged (``browser``: the console; ``performance``: the network)
    since the last call."""
    entries: list[dict[str, Any]] = browser.get_log(kind)  # type: ignore[no-untyped-call]
    return entries


def load(browser: webdriver.Chrome, url: str) -> None:
    log(browser, "browser")  # drop what earlier pages logged
    log(browser, "performance")
    browser.get(url)
    WebDriverWait(browser, DEADLINE).until(
        lambda b: b.execute_script("return document.readyState") == "complete"
    )


def requested(browser: webdriver.Chrome) -> list[str]:
    """Every URL the page asked for since ``load``."""
    urls = []
    for entry in log(browser, "performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def errors(browser: webdriver.Chrome) -> list[str]:
    return [e["message"] for e in log(browser, "browser") if e["level"] == "SEVERE"]


def visible_events(browser: webdriver.Chrome) -> set[str]:
    return {
        li.get_attribute("data-name") or ""
        for li in browser.find_elements(By.CSS_SELECTOR, "#events li.event")
        if li.is_displayed()
    }


def screenshot(browser: webdriver.Chrome, name: str) -> None:
    """The whole page, as tall as it is, to tests/artifacts/NAME.png."""
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1280, min(int(height) + 16, 4000))
    ARTIFACTS.mkdir(exist_ok=True)
    assert browser.save_screenshot(str(ARTIFACTS / f"{name}.png"))
    browser.set_window_size(1280, 900)


@pytest.mark.parametrize("scheme", ["http", "file"])
def test_every_page_loads_with_no_error_and_no_other_host(
    browser: webdriver.Chrome, site: Site, scheme: str
) -> None:
    base = site.base if scheme == "http" else site.out.as_uri()
    pages = ["index.html", *(f"events/{e.name}.html" for e in site.events)]
    for page in pages:
        load(browser, f"{base}/{page}")
        assert errors(browser) == [], page
        urls = requested(browser)
        assert urls, page
        # the browser's own resources (chrome://, the search box's clear icon) are no request
        sent = [u for u in urls if urlsplit(u).scheme not in ("data", "chrome", "about")]
        where = {(urlsplit(u).scheme, urlsplit(u).netloc) for u in sent}
        assert where == {(urlsplit(base).scheme, urlsplit(base).netloc)}, (page, urls)


def test_the_index_lists_every_event(browser: webdriver.Chrome, site: Site) -> None:
    load(browser, site.url("index.html"))
    assert visible_events(browser) == {e.name for e in site.events}
    assert browser.find_element(By.ID, "count").text == f"{len(site.events)} events"
    screenshot(browser, "catalog-index")


def _field_only_some_have(site: Site) -> tuple[str, set[str]]:
    """A field name some events' payloads have, and no other event mentions anywhere."""
    schemas = event_schemas(site.events, site.events.docs)
    fields = {
        e.name: {
            row[0]
            for s in field_sections(e, schemas, site.events.docs)
            if not (s.title or "").startswith("enum ")
            for row in s.rows
        }
        for e in site.events
    }
    for name in sorted(set().union(*fields.values())):
        having = {e for e, names in fields.items() if name in names}
        others = [e for e in site.events if e.name not in having]
        text = " ".join(
            f"{e.name} {e.description} {e.schema_name} {' '.join(fields[e.name])}".lower()
            for e in others
        )
        if 0 < len(having) < len(site.events) and name.lower() not in text:
            return name, having
    raise AssertionError("every field of the example registry is everywhere")


def test_search_by_field_name_and_keyboard(browser: webdriver.Chrome, site: Site) -> None:
    field, having = _field_only_some_have(site)
    load(browser, site.url("index.html"))
    browser.find_element(By.TAG_NAME, "body").send_keys("/")  # "/" focuses the search box
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "q"
    box.send_keys(field)
    WebDriverWait(browser, DEADLINE).until(lambda b: visible_events(b) == having)
    assert browser.find_element(By.ID, "count").text.startswith(f"{len(having)} event")
    box.send_keys(Keys.ARROW_DOWN)  # to the first result's link
    first = browser.switch_to.active_element
    assert first.get_attribute("class") == "name"
    assert first.text in having
    first.send_keys(Keys.ARROW_UP)  # back to the box
    box = browser.switch_to.active_element
    box.send_keys(Keys.ESCAPE)  # clears: everything again
    WebDriverWait(browser, DEADLINE).until(
        lambda b: visible_events(b) == {e.name for e in site.events}
    )
    box.send_keys("no-such-thing-anywhere")
    WebDriverWait(browser, DEADLINE).until(lambda b: b.find_element(By.ID, "none").is_displayed())
    assert errors(browser) == []


def test_an_event_page_shows_fields_limits_and_history(
    browser: webdriver.Chrome, site: Site
) -> None:
    event = site.events.get("user-registered")
    load(browser, site.url(f"events/{event.name}.html"))
    assert browser.find_element(By.ID, "event-name").text == event.name
    fields = browser.find_element(By.ID, "fields")
    names = [c.text for c in fields.find_elements(By.CSS_SELECTOR, "code.field")]
    assert names[: len(event.schema.DESCRIPTOR.fields)] == [
        f.name for f in event.schema.DESCRIPTOR.fields
    ]
    limits = {
        row.find_elements(By.TAG_NAME, "td")[0].text: row.find_elements(By.TAG_NAME, "td")[1].text
        for row in browser.find_elements(By.CSS_SELECTOR, "#limits tbody tr")
    }
    assert limits["max age"] == "14 d"
    assert limits["replicas"].startswith("not set")
    revisions = browser.find_elements(By.CSS_SELECTOR, "#history li.revision")
    assert [r.find_element(By.CLASS_NAME, "rev-version").text for r in revisions] == [
        V2,
        site.events.version,
    ]
    assert "field referrer (string) added" in revisions[0].text
    assert "max age: 14 d → 28 d" in revisions[0].text
    assert "First registered." in revisions[1].text
    proto = browser.find_element(By.CSS_SELECTOR, '#proto pre[data-lang="proto"]').text
    assert "message UserRegistered {" in proto
    python = browser.find_element(By.CSS_SELECTOR, '#python pre[data-lang="python"]').text
    assert "from shop.v1.events import USER_REGISTERED" in python


async def _consumer(url: str, stream: str, name: str) -> Any:
    nc = await nats.connect(url)
    try:
        return await nc.jetstream().consumer_info(stream, name)
    finally:
        await nc.close()


def test_live_numbers_match_the_server(browser: webdriver.Chrome, site: Site) -> None:
    load(browser, site.url("events/order-created.html"))
    for actor in ("bill-customer", "notify-warehouse"):
        info = asyncio.run(_consumer(site.nats_url, "order-created", actor))
        row = browser.find_element(By.CSS_SELECTOR, f'#live tr[data-actor="{actor}"]')
        assert row.find_element(By.CLASS_NAME, "pending").text == str(info.num_pending)
        assert info.num_pending == BACKLOG[actor]
        assert row.find_element(By.CLASS_NAME, "ack-pending").text == str(info.num_ack_pending)
    assert browser.find_element(By.ID, "stream-messages").text == str(BACKLOG["bill-customer"])
    screenshot(browser, "catalog-event")
    load(browser, site.url("events/user-registered.html"))
    row = browser.find_element(By.CSS_SELECTOR, f'#live tr[data-actor="{PAUSED}"]')
    assert row.find_elements(By.CLASS_NAME, "paused")
    load(browser, site.url("events/parcel-delivered.html"))
    assert browser.find_element(By.ID, "dead-count").text == str(DEAD)
    assert "protonats dead parcel-delivered" in browser.find_element(By.ID, "live").text
    load(browser, site.url("index.html"))
    diagram = browser.find_element(By.CSS_SELECTOR, "svg.diagram")
    edges = diagram.find_elements(By.CSS_SELECTOR, 'path.edge[data-event="order-created"]')
    assert {e.get_attribute("data-actor") for e in edges} == {"bill-customer", "notify-warehouse"}
    row = browser.find_element(By.CSS_SELECTOR, 'li.event[data-name="user-registered"]')
    assert "1 paused" in row.text


def test_hostile_registry_text_stays_text(browser: webdriver.Chrome, tmp_path: Any) -> None:
    events = hostile_events()
    write_site(events, tmp_path, title="<b>T</b>", schemas=event_schemas(events))
    for page in ("index.html", "events/note-taken.html"):
        load(browser, (tmp_path / page).as_uri())
        with pytest.raises(NoAlertPresentException):
            browser.switch_to.alert.accept()  # no script of the text ran
        assert browser.find_elements(By.CSS_SELECTOR, "main img") == []
        assert errors(browser) == []
    assert "<script>alert('x')</script>" in browser.find_element(By.CLASS_NAME, "description").text
    assert "built without a server" in browser.find_element(By.ID, "live").text.lower()
    load(browser, (tmp_path / "index.html").as_uri())
    box = browser.find_element(By.ID, "q")
    box.send_keys("<script>")
    WebDriverWait(browser, DEADLINE).until(lambda b: visible_events(b) == {"note-taken"})
