"""The flags several commands share, as annotated types: connection, registry, format; and
``connection_flags``, which gives a command all the connection flags as one ``Connection``."""

import functools
import inspect
import typing
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from ..events._registry import Events
from ._common import Connection, OutputFormat, State
from ._registry_loading import load_registry

_PANEL = "Connection"
F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "AllowDataLoss",
    "AllowIncompatible",
    "Creds",
    "Debug",
    "EventName",
    "Format",
    "Password",
    "Registry",
    "Server",
    "SkipNewer",
    "TlsCa",
    "TlsCert",
    "TlsHostname",
    "TlsKey",
    "Token",
    "User",
    "connection_flags",
    "credential_flags",
    "registry_of",
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


AllowDataLoss = Annotated[
    bool,
    typer.Option(
        "--allow-data-loss",
        help="Apply a lowered limit (age, messages, bytes) even though the server then deletes "
        "stored messages (plan: show it as an update).",
    ),
]
AllowIncompatible = Annotated[
    bool,
    typer.Option(
        "--allow-incompatible",
        help="Register a schema that cannot read what the ledger's current schema wrote.",
    ),
]
SkipNewer = Annotated[
    bool,
    typer.Option(
        "--skip-newer",
        help="Skip streams registered by a newer registry version instead of refusing them.",
    ),
]
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


def registry_of(ctx: typer.Context, registry: str | None) -> Events:
    """The registry of the command's ``--registry``, else of the one before the command name,
    else the installed one."""
    return load_registry(registry or State.of(ctx).registry)
