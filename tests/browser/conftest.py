"""One headless Chromium (Debian's, driven by Selenium through chromium-driver) for every test
here, and the catalog site of the example registry built against a server with history,
actors and dead letters, served by a static HTTP server on a loopback port."""

from __future__ import annotations

import functools
import http.server
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from protonats import Events
from protonats.cli import main
from protonats.testing import nats_server

from ..catalog_site_data import populated

CHROMIUM = Path("/usr/bin/chromium")
DRIVER = Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
"""Screenshots for a person to look at (gitignored)."""
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--window-size=1280,900",
)


@pytest.fixture(scope="session")
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and DRIVER.exists()):
        pytest.fail("chromium and chromium-driver are not installed: make browser installs them")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    profile = tempfile.TemporaryDirectory(prefix="protonats-chromium-")
    for flag in (*FLAGS, f"--user-data-dir={profile.name}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(DRIVER)))
    yield driver
    driver.quit()
    profile.cleanup()


class Site:
    """The built site: where it is on disk, its URL on the static host, its server."""

    def __init__(self, out: Path, base: str, nats_url: str, events: Events) -> None:
        self.out, self.base, self.nats_url, self.events = out, base, nats_url, events

    def url(self, page: str) -> str:
        return f"{self.base}/{page}"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        """No line per request."""


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    out = tmp_path_factory.mktemp("site")
    with nats_server() as url:
        events = populated(url)
        argv = ["catalog", "--out", str(out), "-r", "shop_events:EVENTS", "--server", url]
        assert main([*argv, "--format", "json"]) == 0
        handler = functools.partial(_Quiet, directory=str(out))
        httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        try:
            yield Site(out, f"http://127.0.0.1:{httpd.server_address[1]}", url, events)
        finally:
            httpd.shutdown()
            httpd.server_close()
