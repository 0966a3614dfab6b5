"""The typer application: the ``protonats`` group, its global options and its commands.

Each command is one module, ``_cmd_<command>.py``, holding its flags and its work
(``plan`` and ``register`` share ``_cmd_register``, ``pause`` and ``resume`` share
``_cmd_pause``: see their docstrings); flags several commands share are ``_options``'s, and
``App`` (``_contract``) gives every command the contract of errors, exit codes and help.
"""

from __future__ import annotations

import typer

from . import (
    _cmd_breaking,
    _cmd_catalog,
    _cmd_dead,
    _cmd_emit,
    _cmd_init,
    _cmd_ls,
    _cmd_pause,
    _cmd_register,
    _cmd_schema,
    _cmd_tail,
)
from ._contract import EXIT_ERROR, App, State
from ._options import Debug, Registry
from ._registry_loading import ENTRY_POINT_GROUP

__all__ = ["app", "run"]

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


app.command("ls")(_cmd_ls.ls_command)
app.command("plan")(_cmd_register.plan_command)
app.command("register")(_cmd_register.register_command)
app.command("emit")(_cmd_emit.emit_command)
app.command("tail")(_cmd_tail.tail_command)
app.command("dead")(_cmd_dead.dead_command)
app.command("pause")(_cmd_pause.pause_command)
app.command("resume")(_cmd_pause.resume_command)
app.command("catalog")(_cmd_catalog.catalog_command)
app.command("breaking")(_cmd_breaking.breaking_command)
app.command("schema")(_cmd_schema.schema_command)
app.command("init")(_cmd_init.init_command)


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
