"""Part of the boundary: why the first connection failed, in words a user can act on; and two
checks around it.

``first_connect_error`` turns what nats-py reported while trying each server into
``AuthError`` (the server's reason and the options to check), ``TLSError`` (the certificate
problem) or ``ConnectError``; ``refuse_plain_text`` reads a server's INFO line before
connecting when TLS is asked for, since nats-py would otherwise talk in plain text to a server
without TLS, and tells whether a server verifies client certificates; ``check_jetstream``
asks the account's JetStream info once connected.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import nats.errors
from nats.js import errors as js_errors

from .._errors import (
    AuthError,
    ConnectError,
    JetStreamNotEnabledError,
    PermissionDeniedError,
    TLSError,
)
from ._nats_errors import ENABLE_JETSTREAM

if TYPE_CHECKING:
    from ._nats import Link
from ._servers import redact

__all__ = ["check_jetstream", "first_connect_error", "refuse_plain_text"]

log = logging.getLogger("protonats")

_AUTH_CHECK = (
    "check the credentials: user/password (user=/password=, --user/--password, or "
    "user:password@ in the URL), token (token=, --token), creds file (user_credentials=, "
    "--creds) or nkey seed (nkeys_seed=)"
)
_TLS_CHECK = (
    "check the CA that signed the server's certificate (an ssl.SSLContext with it as tls=, "
    "or --tls-ca), the server name the certificate is for (tls_hostname=, --tls-hostname), "
    "and that the URL is the server's TLS port"
)
_NOT_ENABLED = frozenset({10039, 10076})  # for the account / on the server
_RESET = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


def first_connect_error(
    urls: list[str],
    reasons: list[BaseException],
    settings: dict[str, Any],
    secrets: Sequence[str],
    bound: float,
    *,
    verifies_clients: bool = False,
) -> ConnectError:
    """The error for a first connection that failed with ``reasons`` (what nats-py reported,
    one per server tried): refused credentials first, then TLS, then the rest.

    ``verifies_clients``: a server said (in its INFO) that it verifies client certificates. In
    TLS 1.3 it refuses a missing or unknown one after the client's side of the handshake is
    done, so the client may see only its connection reset: that is a TLS refusal too."""
    shown = ", ".join(redact(url, secrets) for url in urls)
    where = f"NATS at {shown}"
    auth = next((e for e in reasons if _is_auth(e)), None)
    if auth is not None:
        why = _server_reason(auth)
        used = _auth_used(urls, settings)
        return AuthError(
            redact(f"{where} refused the credentials: {why!r} ({used}); {_AUTH_CHECK}", secrets),
            description=why,
        )
    tls = next((e for e in reasons if isinstance(e, ssl.SSLError)), None)
    reset = next((e for e in reasons if isinstance(e, _RESET)), None)
    if tls is not None or (verifies_clients and reset is not None):
        why = _tls_reason(tls) if tls is not None else _client_certificate(f"{reset}")
        message = redact(f"TLS with {where} failed: {why}; {_TLS_CHECK}", secrets)
        return TLSError(message, description=why)
    if reasons:
        why = "; ".join(dict.fromkeys(_describe(e) for e in reasons))
    else:
        why = f"no answer within {bound:g} s"
    return ConnectError(
        redact(
            f"cannot connect to {where}: {why}; check the URL (or NATS_URL) and that the "
            "server is running and reachable",
            secrets,
        ),
        description=why,
    )


def _is_auth(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, nats.errors.AuthorizationError) or "authorization violation" in text


def _server_reason(exc: BaseException) -> str:
    """The server's words: ``nats: 'Authorization Violation'`` -> ``Authorization Violation``."""
    text = str(exc).removeprefix("nats: ").strip().strip("'")
    return text if text and text != "authorization failed" else "Authorization Violation"


def _tls_reason(exc: ssl.SSLError) -> str:
    if isinstance(exc, ssl.SSLCertVerificationError) and exc.verify_message:
        return f"the server's certificate was not accepted: {exc.verify_message}"
    reason = str(exc.reason or exc)
    if "CERTIFICATE_REQUIRED" in reason:
        return _client_certificate(reason)
    if "ALERT" in reason:  # the server refused ours: unknown CA, bad or expired certificate
        return f"the server refused the client certificate ({reason})"
    return f"the handshake failed: {reason}"


def _client_certificate(reason: str) -> str:
    return (
        f"the server requires a client certificate it trusts ({reason}): load one into the "
        "tls= context (load_cert_chain), or pass --tls-cert/--tls-key"
    )


def _describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out (no INFO or PONG from the server within connect_timeout)"
    if isinstance(exc, nats.errors.NoServersError):
        return "no server left to try"
    return str(exc) or type(exc).__name__


def _auth_used(urls: list[str], settings: dict[str, Any]) -> str:
    """Which kinds of credentials this connection sent (never their values)."""
    kinds = [
        label
        for label, keys in (
            ("user/password", ("user", "password")),
            ("token", ("token",)),
            ("creds file", ("user_credentials",)),
            ("nkey seed", ("nkeys_seed", "nkeys_seed_str")),
        )
        if any(settings.get(key) for key in keys)
    ]
    if any(urlsplit(url).username for url in urls if "://" in url):
        kinds.append("credentials in the URL")
    return "sent: " + ", ".join(kinds) if kinds else "no credentials were given"


async def refuse_plain_text(
    urls: list[str], settings: dict[str, Any], secrets: Sequence[str]
) -> bool:
    """``TLSError`` when TLS is asked for and a server does not offer it: nats-py would
    connect in plain text. Reads each such server's INFO line (nothing is sent), and returns
    whether any of them verifies client certificates."""
    if settings.get("tls_handshake_first"):
        return False  # no INFO before the handshake; nats-py's handshake fails on plain
    wanted = [
        url
        for url in urls
        if url.startswith("tls://") or (settings.get("tls") and not url.startswith("ws"))
    ]
    wait = float(settings["connect_timeout"])
    infos = await asyncio.gather(*(_info(url, wait) for url in wanted))
    for url, info in zip(wanted, infos, strict=True):
        if info is not None and not info.get("tls_required"):
            raise TLSError(
                redact(
                    f"TLS with NATS at {url} failed: the server does not require TLS, so the "
                    "client would talk in plain text; configure tls {cert_file, key_file} on "
                    "the server, or use nats:// if plain text is intended",
                    secrets,
                ),
                description="server does not offer TLS",
            )
    return any(info is not None and info.get("tls_verify") for info in infos)


async def _info(url: str, wait: float) -> dict[str, Any] | None:
    """The server's INFO, or None if it cannot be read (nats-py then reports why)."""
    parts = urlsplit(url if "://" in url else f"nats://{url}")
    try:
        reader, writer = await asyncio.wait_for(
            asyncio.open_connection(parts.hostname or "localhost", parts.port or 4222), wait
        )
    except (TimeoutError, OSError, ValueError):
        return None
    try:
        line = await asyncio.wait_for(reader.readline(), wait)
        if not line.startswith(b"INFO "):
            return None
        info: dict[str, Any] = json.loads(line[5:])
        return info
    except (TimeoutError, OSError, ValueError):
        return None
    finally:
        writer.close()


async def check_jetstream(link: Link, servers: str) -> None:
    """Ask for the account's JetStream info; ``JetStreamNotEnabledError`` with the fix if the
    server or account has none. A user who may not ask (permissions) is let through: the
    operations it may make still work, and each reports its own refusals."""
    where = f"NATS at {servers}"
    prefix = link.api_prefix
    elsewhere = "" if prefix == "$JS.API" else f" under the API prefix {prefix!r}"
    check = ", and check domain=/api_prefix=" if elsewhere else ""
    try:
        await link.account_info()  # the link keeps the server's JetStream API level
    except PermissionDeniedError as exc:
        link.learned(None)  # the server's version alone says what it supports
        log.info("protonats: not checking JetStream at connect: %s", exc)
    except js_errors.APIError as exc:
        unavailable = isinstance(exc, js_errors.ServiceUnavailableError) or exc.code == 503
        if unavailable or exc.err_code in _NOT_ENABLED:
            raise JetStreamNotEnabledError(
                f"{where}: {ENABLE_JETSTREAM}{check} (the account info request{elsewhere} got "
                f"{exc.description or 'no responders'}, status {exc.code or 503})",
                code=exc.code or 503,
                err_code=exc.err_code,
                description=exc.description,
            ) from exc
        raise ConnectError(
            f"{where}: JetStream refused the account info request: {exc.description} "
            f"(JetStream error {exc.err_code}, status {exc.code})",
            description=exc.description,
        ) from exc
    except nats.errors.NoRespondersError as exc:
        raise JetStreamNotEnabledError(
            f"{where}: {ENABLE_JETSTREAM}{check} (nobody answers {prefix}.INFO)", code=503
        ) from exc
    except nats.errors.Error as exc:
        raise ConnectError(
            f"{where}: JetStream did not answer the account info request "
            f"({exc or type(exc).__name__}); the server may be overloaded or still starting",
        ) from exc
