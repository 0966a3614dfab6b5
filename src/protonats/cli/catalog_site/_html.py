"""HTML for people, safe with any registry text: every string goes through ``esc`` (or
``json_data``), the pages carry their CSS and script inline under a Content-Security-Policy
that allows exactly those two and nothing from anywhere else.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

__all__ = ["Cell", "esc", "json_data", "page", "paragraphs", "table"]

Cell = str
"""Markup of one table cell: built from ``esc``-ed text, never raw registry text."""


def esc(text: object) -> str:
    """``text`` as HTML text or attribute value: ``<script>`` shows as ``<script>``."""
    return html.escape(str(text), quote=True)


def json_data(element_id: str, data: Any) -> str:
    """``data`` as a ``<script type="application/json">`` a page's script reads with
    ``JSON.parse(el.textContent)``: ``<``, ``>`` and ``&`` escaped, so no text in it can
    close the element."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def paragraphs(text: str) -> str:
    """A description as ``<p>`` elements: blank lines separate paragraphs, the lines of one
    paragraph (wrapped ``.proto`` comments) flow together."""
    blocks = [" ".join(block.split()) for block in text.strip().split("\n\n")]
    return "".join(f"<p>{esc(block)}</p>" for block in blocks if block)


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    cls: str = "",
    caption: str = "",
    keys: Sequence[tuple[str, str]] | None = None,
) -> str:
    """A ``<table>``; ``headers`` are plain text, ``rows`` hold cell markup (``Cell``);
    ``keys`` an (attribute, value) per row, set on its ``<tr>`` (``data-actor``)."""
    head = "".join(f'<th scope="col">{esc(h)}</th>' for h in headers)
    body = "".join(
        (f'<tr {esc(keys[i][0])}="{esc(keys[i][1])}">' if keys else "<tr>")
        + "".join(f"<td>{c}</td>" for c in row)
        + "</tr>"
        for i, row in enumerate(rows)
    )
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    klass = f' class="{esc(cls)}"' if cls else ""
    return f"<table{klass}>{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _asset(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


def _sha256(text: str) -> str:
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def page(*, title: str, body: str, header: str, footer: str) -> str:
    """A whole page: ``body`` (markup) under the site's ``header``. The policy lets the
    page run only its own inline style and script, load images only from ``data:`` and
    connect nowhere."""
    css, script = _asset("site.css"), _asset("site.js")
    policy = (
        f"default-src 'none'; style-src '{_sha256(css)}'; script-src '{_sha256(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        '<link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{css}</style></head>\n"
        f'<body><a class="skip" href="#main">Skip to content</a>{header}\n'
        f'<main id="main" tabindex="-1">{body}</main>\n'
        f'<footer class="foot">{footer}</footer>'
        f"<script>{script}</script></body></html>\n"
    )
