"""The flags several commands share, as annotated types: connection, registry, format."""

from pathlib import Path
from typing import Annotated

import typer

from ._common import OutputFormat

_PANEL = "Connection"

__all__ = [
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
]

Registry = Annotated[
    str | None,
    typer.Option(
        "--registry",
        "-r",
        envvar="PROTONATS_REGISTRY",
        help="Registry as module:attr (e.g. shop_events:EVENTS) or an installed entry point name.",
    ),
]
Debug = Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")]
Format = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="auto: a table on a terminal, plain text when piped."),
]
Server = Annotated[
    str | None,
    typer.Option(
        "--server",
        "-s",
        envvar="NATS_URL",
        rich_help_panel=_PANEL,
        help="NATS server URL.",
        show_default=False,
    ),
]
Creds = Annotated[
    Path | None,
    typer.Option(
        "--creds", envvar="NATS_CREDS", rich_help_panel=_PANEL, help="NATS credentials file."
    ),
]
User = Annotated[
    str | None,
    typer.Option("--user", envvar="NATS_USER", rich_help_panel=_PANEL, help="User name."),
]
Password = Annotated[
    str | None,
    typer.Option(
        "--password", envvar="NATS_PASSWORD", rich_help_panel=_PANEL, help="Password (--user)."
    ),
]
Token = Annotated[
    str | None,
    typer.Option("--token", envvar="NATS_TOKEN", rich_help_panel=_PANEL, help="Auth token."),
]
TlsCa = Annotated[
    Path | None,
    typer.Option(
        "--tls-ca", envvar="NATS_CA", rich_help_panel=_PANEL, help="CA certificate file (PEM)."
    ),
]
TlsCert = Annotated[
    Path | None,
    typer.Option(
        "--tls-cert", envvar="NATS_CERT", rich_help_panel=_PANEL, help="Client certificate (PEM)."
    ),
]
TlsKey = Annotated[
    Path | None,
    typer.Option(
        "--tls-key", envvar="NATS_KEY", rich_help_panel=_PANEL, help="Client certificate's key."
    ),
]
TlsHostname = Annotated[
    str | None,
    typer.Option(
        "--tls-hostname", rich_help_panel=_PANEL, help="Server name to verify the certificate for."
    ),
]
SkipNewer = Annotated[
    bool,
    typer.Option(
        "--skip-newer",
        help="Skip streams registered by a newer registry version instead of refusing them.",
    ),
]
EventName = Annotated[str, typer.Argument(help="Event name, e.g. user-registered.")]
