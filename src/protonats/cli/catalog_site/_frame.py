"""What every page of the site has around its content: the header (title, registry version,
whether the numbers are live) and the footer."""

from __future__ import annotations

from ._html import esc
from ._model import SiteInput

__all__ = ["ASYNCAPI_FILE", "footer", "header", "when"]

ASYNCAPI_FILE = "asyncapi.json"


def when(site: SiteInput) -> str:
    return site.built_at.strftime("%Y-%m-%d %H:%M UTC")


def header(site: SiteInput, home: str) -> str:
    """The site's header; ``home`` is the relative path of ``index.html``."""
    shown = site.events.version
    version = (
        f'<span class="version" title="registry version">{esc(shown)}</span>'
        if shown and shown not in site.title
        else ""
    )
    if site.live is not None:
        status = (
            f'<span class="status live" title="numbers read from {esc(site.live.server)}">'
            f"live · {esc(site.live.server)} · {esc(site.live.at.strftime('%H:%M:%S UTC'))}</span>"
        )
    else:
        status = '<span class="status offline" title="built without --server">no server</span>'
    base = home.removesuffix("index.html")
    return (
        '<header class="top"><div class="wrap">'
        f'<a class="brand" href="{esc(home)}">{esc(site.title)}</a>{version}'
        '<nav class="links">'
        f'<a href="{esc(home)}#events">Events</a>'
        f'<a href="{esc(home)}#diagram">Diagram</a>'
        f'<a href="{esc(base + ASYNCAPI_FILE)}">AsyncAPI</a>'
        f"</nav>{status}</div></header>"
    )


def footer(site: SiteInput) -> str:
    return (
        f'<div class="wrap">Built by <code>protonats catalog</code> at {esc(when(site))} · '
        f"{len(site.events)} events · a static site: serve this folder from anywhere</div>"
    )
