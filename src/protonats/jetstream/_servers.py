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

from .._errors import ConnectError

__all__ = ["DEFAULT_SERVER", "check_urls", "redact", "secrets_of", "server_urls"]

DEFAULT_SERVER = "nats://localhost:4222"

# scheme://userinfo@ : keep the user name of user:password, hide the rest (a lone userinfo
# is a token). Also ParseResult reprs: netloc='userinfo@host'.
# The userinfo runs to the last "@" of the URL, so a password with an unencoded "@" or "/" is
# hidden whole.
_URL_USERINFO = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.-]*://|netloc=['\"])(?P<info>[^\s'\",]+)@"
)
_SCHEMES = ("nats", "tls", "ws", "wss")
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


def check_urls(urls: Iterable[str], secrets: Iterable[str] = ()) -> None:
    """Raise ``ConnectError`` naming the first malformed URL (redacted) and what is wrong with
    it, before any connection is tried."""
    for url in urls:
        why = _malformed(url)
        if why is not None:
            raise ConnectError(f"server URL {redact(url, secrets)!r} is malformed: {why}")


def _malformed(url: str) -> str | None:
    """What is wrong with ``url`` (None: nothing). Never quotes a part of it: a part may be a
    piece of a password that was not percent-encoded."""
    try:
        parts = urlsplit(url if "://" in url else f"nats://{url}")
        port = parts.port
    except ValueError as exc:
        if "IPv6" in str(exc):
            return "an IPv6 address must be in brackets that close, e.g. nats://[::1]:4222"
        return _encoding_hint(url) or "the port must be a number from 1 to 65535"
    scheme = parts.scheme.lower()
    if scheme not in _SCHEMES:
        return f"the scheme must be one of {', '.join(s + '://' for s in _SCHEMES)}"
    if not parts.hostname:
        return _encoding_hint(url) or "it names no host, e.g. nats://localhost:4222"
    if port == 0:
        return "the port must be a number from 1 to 65535"
    path = parts.path not in ("", "/") and not scheme.startswith("ws")  # ws: a proxy's path
    if path or parts.query or parts.fragment:
        return _encoding_hint(url) or "a server URL has no path, query or fragment"
    return None


def _encoding_hint(url: str) -> str | None:
    """Why a URL whose last "@" comes after its host's end is malformed."""
    rest = url.partition("://")[2] or url
    ends = [i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0]
    if ends and rest.rfind("@") > min(ends):
        return (
            "a '/', '?', '#' or '@' in a user name or password must be percent-encoded "
            "(%2F, %3F, %23, %40)"
        )
    return None
