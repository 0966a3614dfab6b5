"""The flags several commands share, in one place, as annotated types: registry, format,
debug, an event's name and the connection flags; ``connection_flags``, which gives a command
all the connection flags as one ``Connection`` (how it connects: ``conn.connect(events)``,
with every secret kept out of what is shown: ``repr``, error lines, documents that list a
server); ``registry_of``, the registry they name.

A flag only one command has is declared in that command's module, beside its work."""

import dataclasses
import functools
import inspect
import ssl
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from .._errors._cli import CliError, UsageError
from ..events._registry import Events
from ..jetstream._connect import ConnectContext
from ..jetstream._servers import redact
from ._contract import SECRETS, State
from ._output import OutputFormat
from ._registry_loading import load_registry

_PANEL = "Connection"
F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "Connection",
    "Creds",
    "Debug",
    "EventName",
    "Format",
    "Password",
    "Registry",
    "Server",
    "TlsCa",
    "TlsCert",
    "TlsHostname",
    "TlsKey",
    "Token",
    "User",
    "connection_flags",
    "credential_flags",
    "listed",
    "registry_of",
    "registry_spec",
]

Registry = Annotated[
    str | None,
    typer.Option(
        "--registry",
        "-r",
        envvar="PROTONATS_REGISTRY",
        metavar="REGISTRY",
        help="Registry as module:attr (e.g. shop_events:EVENTS) or an installed entry point name.",
    ),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]
Format = Annotated[
    OutputFormat | None,
    typer.Option(
        "--format",
        "-f",
        metavar="FORMAT",
        case_sensitive=False,
        show_default=False,
        help="table, tsv, json or jsonl (default: table on a terminal, tsv when piped).",
    ),
]


def _connection(*decls: str, help: str, envvar: str | None = None, **extra: Any) -> Any:
    """A flag of the Connection help panel."""
    return typer.Option(*decls, envvar=envvar, rich_help_panel=_PANEL, help=help, **extra)


Server = Annotated[
    str | None,
    _connection(
        "--server",
        "-s",
        envvar="NATS_URL",
        metavar="URL",
        help="NATS server URL.",
        show_default=False,
    ),
]
Creds = Annotated[
    Path | None,
    _connection("--creds", envvar="NATS_CREDS", metavar="FILE", help="NATS credentials file."),
]
User = Annotated[
    str | None, _connection("--user", envvar="NATS_USER", metavar="NAME", help="User name.")
]
Password = Annotated[
    str | None,
    _connection("--password", envvar="NATS_PASSWORD", metavar="TEXT", help="Password (--user)."),
]
Token = Annotated[
    str | None, _connection("--token", envvar="NATS_TOKEN", metavar="TEXT", help="Auth token.")
]
TlsCa = Annotated[
    Path | None,
    _connection("--tls-ca", envvar="NATS_CA", metavar="FILE", help="CA certificate file (PEM)."),
]
TlsCert = Annotated[
    Path | None,
    _connection("--tls-cert", envvar="NATS_CERT", metavar="FILE", help="Client certificate (PEM)."),
]
TlsKey = Annotated[
    Path | None,
    _connection("--tls-key", envvar="NATS_KEY", metavar="FILE", help="Client certificate's key."),
]
TlsHostname = Annotated[
    str | None,
    _connection(
        "--tls-hostname", metavar="NAME", help="Server name to verify the certificate for."
    ),
]
Domain = Annotated[
    str | None,
    _connection(
        "--domain",
        envvar="NATS_JS_DOMAIN",
        metavar="NAME",
        help="JetStream domain (API prefix $JS.NAME.API), e.g. a hub's, seen from a leaf node.",
    ),
]
_CONNECTION_FLAGS: dict[str, Any] = {
    "server": Server,
    "creds": Creds,
    "user": User,
    "password": Password,
    "token": Token,
    "tls_ca": TlsCa,
    "tls_cert": TlsCert,
    "tls_key": TlsKey,
    "tls_hostname": TlsHostname,
    "domain": Domain,
}
"""``Connection`` field name to its flag."""


EventName = Annotated[
    str,
    typer.Argument(metavar="EVENT", help="Event name, e.g. user-registered.", show_default=False),
]


def connection_flags(fn: F) -> F:
    """Give a command the Connection flags (listed before its ``debug``) and pass them to it as
    one keyword argument ``conn``, a ``Connection``."""
    return _with_flags(fn, _CONNECTION_FLAGS)


def credential_flags(fn: F) -> F:
    """``connection_flags`` but ``--server``: for a command whose servers are its own flags
    (``catalog --server/--ledger``); ``conn.server`` is None."""
    return _with_flags(fn, {k: v for k, v in _CONNECTION_FLAGS.items() if k != "server"})


def _with_flags(fn: F, given: dict[str, Any]) -> F:
    hints = typing.get_type_hints(fn, include_extras=True)  # resolves string annotations
    signature = inspect.signature(fn)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in signature.parameters.values()
        if p.name != "conn"
    ]
    at = next((i for i, p in enumerate(params) if p.name == "debug"), len(params))
    flags = [
        inspect.Parameter(
            name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=None, annotation=flag
        )
        for name, flag in given.items()
    ]

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        conn = Connection(**{name: kwargs.pop(name, None) for name in given})
        conn.check()  # a usage error before anything else is done
        return fn(*args, conn=conn, **kwargs)

    params = [*params[:at], *flags, *params[at:]]
    wrapper.__signature__ = signature.replace(parameters=params)  # type: ignore[attr-defined]
    wrapper.__annotations__ = {p.name: p.annotation for p in params}
    wrapper.__annotations__["return"] = signature.return_annotation
    return wrapper  # type: ignore[return-value]


def registry_spec(ctx: typer.Context, registry: str | None) -> str | None:
    """The command's ``--registry``, else the one before the command name (else ``None``:
    the installed one)."""
    return registry or State.of(ctx).registry


def registry_of(ctx: typer.Context, registry: str | None) -> Events:
    """The registry of the command's ``--registry``, else of the one before the command name,
    else the installed one."""
    return load_registry(registry_spec(ctx, registry))


@dataclasses.dataclass(frozen=True, slots=True)
class Connection:
    """The connection flags of a command, turned into ``Events.connect`` arguments."""

    server: str | None = None
    creds: Path | None = None
    user: str | None = None
    password: str | None = None
    token: str | None = None
    tls_ca: Path | None = None
    tls_cert: Path | None = None
    tls_key: Path | None = None
    tls_hostname: str | None = None
    domain: str | None = None

    def __repr__(self) -> str:  # never the password, the token or a URL's credentials
        shown = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        shown.update({k: "***" for k in ("password", "token") if shown[k] is not None})
        if self.server is not None:
            shown["server"] = redact(self.server)
        flags = ", ".join(f"{k}={v!r}" for k, v in shown.items() if v is not None)
        return f"Connection({flags})"

    def shown(self) -> str:
        """The server(s) as an error message names them: credentials redacted."""
        from ..jetstream._servers import DEFAULT_SERVER

        return redact(self.server or DEFAULT_SERVER, SECRETS)

    def connect(self, events: Events, **extra: Any) -> ConnectContext:
        """``events.connect()`` to these flags' server with their options (and ``extra``, e.g.
        ``ack_timeout``): ``async with conn.connect(events) as connected:``."""
        return events.connect(self.server, **extra, **self.options())

    def check(self) -> None:
        """``UsageError`` for an unusable combination of flags. Notes the secret values, which
        no error line then shows."""
        SECRETS.update(v for v in (self.password, self.token) if v)
        if self.creds is not None and not self.creds.is_file():
            raise UsageError(f"--creds {str(self.creds)!r}: no such file")
        if self.password is not None and self.user is None:
            raise UsageError("--password needs --user")
        if self.tls_key is not None and self.tls_cert is None:
            raise UsageError("--tls-key needs --tls-cert")

    def options(self) -> dict[str, Any]:
        """Keyword arguments for ``nats.connect``; ``UsageError`` for an unusable combination."""
        self.check()
        options: dict[str, Any] = {}
        if self.creds is not None:
            options["user_credentials"] = str(self.creds)
        if self.user is not None:
            options["user"] = self.user
            options["password"] = self.password or ""
        if self.token is not None:
            options["token"] = self.token
        if self.tls_ca is not None or self.tls_cert is not None:
            options["tls"] = self._tls_context()
        if self.tls_hostname is not None:
            options["tls_hostname"] = self.tls_hostname
        if self.domain is not None:
            options["domain"] = self.domain  # taken by connect(), not by nats-py
        return options

    def _tls_context(self) -> ssl.SSLContext:
        try:
            context = ssl.create_default_context(
                cafile=str(self.tls_ca) if self.tls_ca is not None else None
            )
            if self.tls_cert is not None:
                context.load_cert_chain(
                    str(self.tls_cert), str(self.tls_key) if self.tls_key is not None else None
                )
        except (OSError, ssl.SSLError) as exc:
            raise CliError(f"cannot load the TLS files: {exc}") from exc
        return context


def listed(server: str | None) -> str | None:
    """Server URLs as a document lists them: without any credential (None stays None)."""
    if server is None:
        return None
    return ",".join(_without_userinfo(url.strip()) for url in server.split(","))


def _without_userinfo(url: str) -> str:
    scheme, sep, rest = url.rpartition("://")
    return f"{scheme}{sep}{rest.rpartition('@')[2]}"
