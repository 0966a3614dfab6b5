"""Registry text in Markdown, as text: a description or ``.proto`` comment never becomes
markup in a rendered catalog page (no HTML, no links, no headings, lists or code blocks it
did not have as plain words)."""

from __future__ import annotations

import re

__all__ = ["block", "cell", "inline"]

_INLINE = re.compile(r"([\\`*_{}\[\]<>&|~!#])")
_BULLET = re.compile(r"^([-+=])")
_ORDERED = re.compile(r"^(\d+)([.)])")


def inline(text: str) -> str:
    """One line of text: every character Markdown or HTML would read as markup escaped."""
    return _INLINE.sub(r"\\\1", " ".join(text.split()))


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return inline(text)


def block(text: str) -> str:
    """Paragraphs of text (blank lines kept): no line starts a heading, list, quote, code
    block or fence, and nothing inline is markup."""
    out = []
    for raw in text.strip().splitlines():
        line = _INLINE.sub(r"\\\1", raw.strip())  # no indent: no code block
        out.append(_ORDERED.sub(r"\1\\\2", _BULLET.sub(r"\\\1", line)))
    return "\n".join(out)
