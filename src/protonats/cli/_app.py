"""The typer application: flags, help, output format and the one-line error handling."""

import asyncio
import dataclasses
import functools
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar

import typer

from .._errors import ProtonatsError
from ..events._registry import Events
from . import _commands
from ._common import (
    EXIT_CHANGES,
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    CliError,
    Connection,
    OutputFormat,
    one_line,
)
from ._options import Debug, EventName, Format, Registry, SkipNewer, connection_flags
from ._registry_loading import ENTRY_POINT_GROUP, load_registry

__all__ = ["app", "run"]

F = TypeVar("F", bound=Callable[..., Any])

EPILOG = (
    "Exit codes: 0 ok; 1 error (one line on stderr, --debug for the traceback); 2 usage; "
    "3 plan --check found changes or refusals; 100 breaking changes found; 130 interrupted. "
    f"The registry is --registry module:attr (or an entry point name), else the one package "
    f"installed with a {ENTRY_POINT_GROUP!r} entry point."
)

app = typer.Typer(
    name="protonats",
    help="Typed event schemas for NATS JetStream: inspect, register, emit, tail and document.",
    epilog=EPILOG,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@dataclasses.dataclass(slots=True)
class State:
    """Options given before the command name, which the command's own flags override."""

    registry: str | None = None
    debug: bool = False


@app.callback()
def _root(ctx: typer.Context, registry: Registry = None, debug: Debug = False) -> None:
    ctx.obj = State(registry, debug)


def _state(ctx: Any) -> State:
    find = getattr(ctx, "find_object", None)  # typer passes its click context
    obj = find(State) if find is not None else None
    return obj if isinstance(obj, State) else State()


def _handles_errors(fn: F) -> F:
    """Report errors as one ``protonats: error:`` line and exit 1 (the traceback on --debug)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        debug = bool(kwargs.get("debug")) or _state(kwargs.get("ctx")).debug
        try:
            return fn(*args, **kwargs)
        except typer.Exit:
            raise
        except KeyboardInterrupt:
            print("protonats: interrupted", file=sys.stderr)
            raise typer.Exit(EXIT_INTERRUPTED) from None
        except Exception as exc:
            if debug:
                traceback.print_exc()
            if isinstance(exc, CliError | ProtonatsError):
                message = one_line(exc)
            else:
                message = f"{type(exc).__name__}: {one_line(exc)}"
                if not debug:
                    message += " (run with --debug for the traceback)"
            print(f"protonats: error: {message}", file=sys.stderr)
            raise typer.Exit(EXIT_ERROR) from None

    return wrapper  # type: ignore[return-value]


def _registry(ctx: typer.Context, registry: str | None) -> Events:
    return load_registry(registry or _state(ctx).registry)


@app.command("ls")
@_handles_errors
def ls_command(
    ctx: typer.Context,
    registry: Registry = None,
    fmt: Format = OutputFormat.AUTO,
    debug: Debug = False,
) -> None:
    """List the registry's events: name, schema, limits and description."""
    _commands.ls_table(_registry(ctx, registry)).print(fmt)


@app.command("plan")
@_handles_errors
@connection_flags
def plan_command(
    ctx: typer.Context,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 3 if register would change or refuse anything.")
    ] = False,
    skip_newer: SkipNewer = False,
    registry: Registry = None,
    fmt: Format = OutputFormat.AUTO,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Show what register would do to each event's stream, changing nothing.

    Per event: create, update (with the changed fields), unchanged, or refused and why.
    Exits 0, or with --check 3 when anything would be created, updated or is refused.
    """
    events = _registry(ctx, registry)
    on_newer: Literal["raise", "skip"] = "skip" if skip_newer else "raise"
    with _commands.status(f"planning {len(events)} events..."):
        rows = asyncio.run(_commands.plan(events, conn, on_newer=on_newer))
    _commands.plan_table(rows, "plan").print(fmt)
    if check and any(row.changing for row in rows):
        raise typer.Exit(EXIT_CHANGES)


@app.command("register")
@_handles_errors
@connection_flags
def register_command(
    ctx: typer.Context,
    skip_newer: SkipNewer = False,
    registry: Registry = None,
    fmt: Format = OutputFormat.AUTO,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Create missing streams and update changed ones, then print what was done.

    A refused event (a stream protonats does not own, a storage or retention change, a newer
    registry's stream) does not stop the others; the table is printed, then exit 1.
    """
    events = _registry(ctx, registry)
    on_newer: Literal["raise", "skip"] = "skip" if skip_newer else "raise"
    with _commands.status(f"registering {len(events)} events..."):
        rows, failure = asyncio.run(_commands.register(events, conn, on_newer=on_newer))
    _commands.plan_table(rows, "register").print(fmt)
    if failure is not None:
        refused = [row.event for row in rows if row.action in ("refused", "failed")]
        if len(refused) > 1:
            raise CliError(
                f"{len(refused)} events were not registered ({', '.join(refused)}); "
                f"the first: {one_line(failure)}"
            )
        raise failure


@app.command("emit")
@_handles_errors
@connection_flags
def emit_command(
    ctx: typer.Context,
    event: EventName,
    json_text: Annotated[
        str,
        typer.Option(
            "--json",
            "-j",
            help="The message as JSON (protobuf JSON mapping, or the dataclass/model fields); "
            "@FILE reads a file, - reads stdin.",
        ),
    ],
    uid: Annotated[
        str | None, typer.Option("--uid", help="Message id: a repeated uid is stored once.")
    ] = None,
    header: Annotated[
        list[str] | None, typer.Option("--header", "-H", help="Extra header NAME=VALUE.")
    ] = None,
    ack_timeout: Annotated[
        float, typer.Option("--ack-timeout", help="Seconds to wait for the ack.")
    ] = 5.0,
    registry: Registry = None,
    fmt: Format = OutputFormat.AUTO,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Build a message from JSON, validate it, emit it and print the server's ack."""
    events = _registry(ctx, registry)
    text = _read_json(json_text)
    headers = _commands.parse_headers(header or [])
    found, ack = asyncio.run(
        _commands.emit(events, conn, event, text, uid=uid, headers=headers, ack_timeout=ack_timeout)
    )
    _commands.ack_table(found, ack).print(fmt)


def _tty() -> bool:
    try:
        return sys.stdout.isatty()
    except ValueError:  # closed
        return False


def _read_json(value: str) -> str:
    if value == "-":
        return sys.stdin.read()
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            return path.read_text()
        except OSError as exc:
            raise CliError(f"--json {value}: cannot read {str(path)!r}: {exc.strerror}") from exc
    return value


@app.command("tail")
@_handles_errors
@connection_flags
def tail_command(
    ctx: typer.Context,
    event: EventName,
    from_start: Annotated[
        bool, typer.Option("--from-start", help="Start at the stream's first message.")
    ] = False,
    last: Annotated[
        int | None, typer.Option("--last", "-n", min=1, help="Start N messages back.")
    ] = None,
    count: Annotated[
        int | None, typer.Option("--count", "-c", min=1, help="Stop after N messages.")
    ] = None,
    idle_timeout: Annotated[
        float | None,
        typer.Option("--idle-timeout", min=0.001, help="Stop after this many seconds idle."),
    ] = None,
    headers: Annotated[
        bool, typer.Option("--headers", help="Include each message's headers.")
    ] = False,
    registry: Registry = None,
    debug: Debug = False,
    *,
    conn: Connection,
) -> None:
    """Print an event's messages as JSON lines (seq, time, data) as they arrive.

    New messages only, unless --from-start or --last N. Uses an ephemeral consumer that acks
    nothing and is deleted when tail stops (Ctrl-C, --count or --idle-timeout).
    """
    if from_start and last is not None:
        raise CliError("--from-start and --last cannot be used together")
    events = _registry(ctx, registry)
    # On a terminal the lines are the progress; when they go to a file, a count on stderr.
    watching = _commands.status(f"tailing {event!r} (Ctrl-C to stop)...", show=not _tty())
    with watching as progress:
        asyncio.run(
            _commands.tail(
                events,
                conn,
                event,
                last=last,
                from_start=from_start,
                count=count,
                idle_timeout=idle_timeout,
                with_headers=headers,
                out=sys.stdout,
                err=sys.stderr,
                progress=progress,
            )
        )


@app.command("catalog")
@_handles_errors
def catalog_command(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option("--out", "-o", help="Directory to write the catalog to.")],
    title: Annotated[
        str | None, typer.Option("--title", help="Catalog title (default: from the registry).")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option("--server", "-s", help="NATS URL to list in the AsyncAPI document."),
    ] = None,
    registry: Registry = None,
    debug: Debug = False,
) -> None:
    """Write a browsable event catalog: one Markdown page per event and asyncapi.json.

    The AsyncAPI 3.0 document has every event as a channel with its message schema, so
    teams outside Python can use the registry.
    """
    from ._catalog import write_catalog

    events = _registry(ctx, registry)
    written = write_catalog(events, out, title=title, server=server)
    print(f"wrote {len(written)} files to {out}", file=sys.stderr)


@app.command("breaking")
@_handles_errors
def breaking_command(
    ctx: typer.Context,
    against: Annotated[
        str,
        typer.Option(
            "--against",
            help="Baseline buf input: '.git#branch=main', a directory or an image file.",
        ),
    ],
    input_: Annotated[
        str, typer.Option("--input", help="The buf input to check (default: '.').")
    ] = ".",
    config: Annotated[
        Path | None, typer.Option("--config", help="TOML with [tool.protonats.breaking].")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    debug: Debug = False,
) -> None:
    """Find breaking changes in the event declarations of the protos (exit 100 if any)."""
    try:
        from ..checks._gate import run_breaking
    except ImportError as exc:
        raise CliError(f"protonats breaking is not available in this install: {exc}") from exc
    if fmt not in ("text", "json"):
        raise CliError(f"--format {fmt!r}: breaking prints 'text' or 'json'")
    code = run_breaking(
        against=against,
        input=input_,
        config=config,
        format="json" if fmt == "json" else "text",
        out=sys.stdout,
    )
    if code:
        raise typer.Exit(code)


def run(argv: list[str]) -> int:
    """Run the app on ``argv`` and return its exit code instead of exiting."""
    try:
        app(args=argv, prog_name="protonats", standalone_mode=True)
    except SystemExit as exc:
        code = exc.code
        if code is None:
            return 0
        return code if isinstance(code, int) else EXIT_ERROR
    return 0
