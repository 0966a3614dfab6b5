"""The typer application: the ``protonats`` group, its global options and its commands.

Each command is a small function in a module by concern (``_cmd_streams``: ls, plan,
register; ``_cmd_messages``: emit, tail; ``_cmd_docs``: catalog, breaking) that parses flags
and calls a plain function; ``App`` (``_common``) gives every command the output contract.
"""

from __future__ import annotations

import typer

from . import _cmd_actors, _cmd_docs, _cmd_ledger, _cmd_messages, _cmd_streams, _dead, _init
from ._common import EXIT_ERROR, App, State, handles_errors
from ._options import Debug, Registry
from ._registry_loading import ENTRY_POINT_GROUP

__all__ = ["app", "run"]

_handles_errors = handles_errors  # the name commands used before App applied it

EPILOG = (
    "Output: --format table (default on a terminal), tsv (default when piped), json or "
    "jsonl. Errors: one line on stderr, --debug for the traceback.\n\n"
    "Exit codes: 0 ok; 1 error; 2 usage error; 3 plan --check found changes or refusals; "
    "100 breaking changes found; 130 interrupted.\n\n"
    "Registry: --registry module:attr (or an entry point name), else the one package "
    f"installed with a {ENTRY_POINT_GROUP!r} entry point."
)

app = App(
    name="protonats",
    help="Typed event schemas for NATS JetStream: inspect, register, emit, tail and document.",
    epilog=EPILOG,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def _root(ctx: typer.Context, registry: Registry = None, debug: Debug = False) -> None:
    ctx.obj = State(registry, debug)


app.command("ls")(_cmd_streams.ls_command)
app.command("plan")(_cmd_streams.plan_command)
app.command("register")(_cmd_streams.register_command)
app.command("emit")(_cmd_messages.emit_command)
app.command("tail")(_cmd_messages.tail_command)
app.command("dead")(_dead.dead_command)
app.command("pause")(_cmd_actors.pause_command)
app.command("resume")(_cmd_actors.resume_command)
app.command("catalog")(_cmd_docs.catalog_command)
app.command("breaking")(_cmd_docs.breaking_command)
app.command("schema")(_cmd_ledger.schema_command)
app.command("init")(_init.init_command)


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
