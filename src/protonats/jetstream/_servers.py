"""Server URLs as users give them, and the one function that keeps their secrets out of text.

Pure: no connection. ``server_urls`` accepts what ``NATS_URL`` holds in other clients (a
comma-separated list) as well as a list; ``redact`` is applied to every message, repr and log
line that may show a URL or a client error (the connection's error log included).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

__all__ = ["DEFAULT_SERVER", "redact", "secrets_of", "server_urls"]

DEFAULT_SERVER = "nats://localhost:4222"

# scheme://userinfo@ : keep the user name of user:password, hide the rest (a lone userinfo
# is a token). Also ParseResult reprs: netloc='userinfo@host'.
_URL_USERINFO = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://|netloc=['\"])(?P<info>[^\s/@'\",]+)@"
)
_MIN_SECRET = 4  # shorter strings are scrubbed only inside URLs: they would mangle any text
_SECRET_OPTIONS = ("password", "token", "nkeys_seed_str")


def _hide(match: re.Match[str]) -> str:
    user, colon, _ = match["info"].partition(":")
    shown = f"{user}:***" if colon else "***"
    return f"{match['head']}{shown}@"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every URL's password (or token) and every one of ``secrets`` as ``***``."""
    for secret in secrets:
        if len(secret) >= _MIN_SECRET:
            text = text.replace(secret, "***")
    return _URL_USERINFO.sub(_hide, text)


def server_urls(server: str | Sequence[str] | None, default: str = DEFAULT_SERVER) -> list[str]:
    """The URLs in ``server``: one URL, a comma-separated list, or a list; ``default`` if empty."""
    if server is None:
        items: list[str] = []
    elif isinstance(server, str):
        items = server.split(",")
    else:
        items = [part for url in server for part in url.split(",")]
    urls = [url.strip() for url in items if url.strip()]
    return urls or [default]


def secrets_of(urls: Iterable[str], options: Mapping[str, Any]) -> tuple[str, ...]:
    """The secret strings in ``urls`` (passwords, tokens) and in connect ``options``."""
    found: list[str] = []
    for url in urls:
        try:
            parts = urlsplit(url if "://" in url else f"nats://{url}")
        except ValueError:
            continue
        if parts.password:
            found.append(parts.password)
        elif parts.username:  # nats://TOKEN@host
            found.append(parts.username)
    found += [v for k in _SECRET_OPTIONS if isinstance(v := options.get(k), str) and v]
    return tuple(dict.fromkeys(found))
