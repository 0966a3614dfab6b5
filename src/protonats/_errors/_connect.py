"""Errors of connecting to NATS: no server, refused credentials, TLS."""

from __future__ import annotations

from ._base import ProtonatsError

__all__ = [
    "AuthError",
    "ConnectError",
    "TLSError",
]


class ConnectError(ProtonatsError, ConnectionError):
    """No usable connection to the NATS server.

    Likely causes: wrong URL or ``NATS_URL``, server down, TLS or credentials rejected.
    ``description`` is the server's or the TLS library's reason, when there is one.
    """

    def __init__(self, message: str, *, description: str | None = None) -> None:
        super().__init__(message)
        self.description = description


class AuthError(ConnectError, PermissionError):
    """The server refused the credentials (``Authorization Violation``).

    Check user/password, token, creds file or nkey seed, and the URL's ``user:password@``.
    """


class TLSError(ConnectError):
    """The TLS handshake failed: unknown CA, hostname mismatch, or no TLS on the server."""
