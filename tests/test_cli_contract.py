"""The output contract of every command, checked per command (new commands are covered the
moment they are registered on the app):

- ``--format`` takes the same four choices everywhere, and each prints what it promises;
- every usage error (a bad choice, an unknown option, conflicting options) is one line on
  stderr and exit code 2;
- ``--help`` renders every help text whole, with no typer/rich markup leaking through.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

from protonats.cli._app import app
from protonats.cli._output import one_line

ROOT = Path(__file__).resolve().parent.parent
FORMATS = ("table", "tsv", "json", "jsonl")
ORDER = {"order_id": "o-1", "amount_cents": 1, "items": [], "placed_at": "2024-05-01T10:00:00Z"}
runner = CliRunner()


def commands() -> dict[str, Any]:
    group = typer.main.get_command(app)
    found: dict[str, Any] = getattr(group, "commands")  # noqa: B009 - click's Group.commands
    return found


COMMANDS = sorted(commands())


def cli(*args: str, url: str | None = None) -> tuple[int, str, str]:
    env = {"NATS_URL": url} if url is not None else None
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("protonats: error: "), stderr
    return lines[0]


def check_format(fmt: str, out: str, columns: list[str]) -> None:
    """``out`` is what ``--format fmt`` promises."""
    assert out.strip(), "nothing printed"
    if fmt == "json":
        json.loads(out)
    elif fmt == "jsonl":
        for line in out.splitlines():
            assert isinstance(json.loads(line), dict), line
    elif fmt == "tsv":
        lines = out.splitlines()
        assert lines[0].split("\t") == columns
        assert all(len(line.split("\t")) == len(columns) for line in lines)
    else:
        assert all(column in out for column in columns), out


def test_every_command_offers_the_same_formats() -> None:
    """The choices themselves are checked by the usage error of ``--format xml`` below."""
    assert COMMANDS  # the app has commands
    for name, command in commands().items():
        options = {opt: p for p in command.params for opt in getattr(p, "opts", ())}
        assert "--format" in options, f"{name} has no --format"
        assert options["--format"].opts == ["--format", "-f"], name


@pytest.mark.parametrize("command", COMMANDS)
def test_usage_errors_are_one_line_and_exit_2(command: str) -> None:
    for args, expected in [
        ((command, "--format", "xml"), "'xml' is not one of 'table', 'tsv', 'json', 'jsonl'"),
        ((command, "--no-such-flag"), "No such option: --no-such-flag"),
    ]:
        code, out, err = cli(*args)
        assert code == 2, (args, err)
        assert out == ""
        line = error_line(err)
        assert expected in line
        assert f"see 'protonats {command} --help'" in line


def test_other_usage_errors_exit_2() -> None:
    for args, expected in [
        (("tail", "x", "--from-start", "--last", "2"), "cannot be used together"),
        (("tail", "x", "--last", "0"), "--last"),
        (("emit", "x"), "Missing option '--json'"),
        (("emit",), "Missing argument 'EVENT'"),
        (("frobnicate",), "No such command 'frobnicate'"),
        (("plan", "--password", "x"), "--password needs --user"),
    ]:
        code, _, err = cli(*args)
        assert code == 2, (args, err)
        assert expected in error_line(err), args


def test_a_bad_format_says_the_choices_in_the_cli_words() -> None:
    code, _, err = cli("ls", "--format", "bogus")
    assert code == 2
    line = error_line(err)
    assert "'bogus' is not one of 'table', 'tsv', 'json', 'jsonl'" in line
    assert "Value error" not in line  # the validator's wording, not the user's


def test_no_command_prints_the_help_and_exits_2() -> None:
    code, out, err = cli()
    assert code == 2
    assert out == ""
    assert "Usage: protonats" in err


# --help: every text whole, no markup leaking.

_CLICK_NOTES = re.compile(
    r"\[(?:OPTIONS|ARGS|[A-Z]+|default: [^\]]*|env var: [^\]]*|required|x>=[\d.]+)\](?:\.\.\.)?"
)


def helps() -> Iterator[tuple[str, list[str], str]]:
    """(name, the help texts the code declares, the rendered --help) per command and root."""
    group = typer.main.get_command(app)
    items: list[tuple[str, Any]] = [("protonats", group), *commands().items()]
    for name, command in items:
        args = [] if name == "protonats" else [name]
        code, out, err = cli(*args, "--help")
        assert code == 0, err
        texts = [p.help for p in command.params if getattr(p, "help", None)]
        texts.append(command.help.split("\n\n")[0] if command.help else "")
        yield name, [one_line(t) for t in texts if t], out


def test_help_renders_every_text_whole_without_markup() -> None:
    seen = 0
    for name, texts, out in helps():
        rendered = one_line(out)
        for text in texts:
            assert text in rendered, f"{name} --help lost or mangled: {text!r}"
            rendered = rendered.replace(text, "")
        left = _CLICK_NOTES.sub("", rendered)
        for leak in ("[", "{", "<", "\x1b"):
            assert leak not in left, f"{name} --help leaks {leak!r}: {left!r}"
        seen += 1
    assert seen == len(COMMANDS) + 1


def test_help_keeps_square_brackets_that_are_text() -> None:
    # rich markup used to swallow text such as "[tool.protonats.breaking]"
    for name, command in commands().items():
        out = cli(name, "--help")[1]
        for param in command.params:
            help_text = getattr(param, "help", None) or ""
            if "[" in help_text:
                assert one_line(help_text) in one_line(out), (name, param.name)


# Each format of each command prints what it promises (in-process, a real server).


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_of_ls_plan_register(fmt: str, nats_url: str, unique: str) -> None:
    reg = ("-r", f"tests.cli_registry:events_{unique}")
    for command, columns in [
        ("ls", ["EVENT", "SCHEMA", "LIMITS", "DESCRIPTION"]),
        ("plan", ["EVENT", "ACTION", "DETAILS"]),
        ("register", ["EVENT", "ACTION", "DETAILS"]),
        ("plan", ["EVENT", "ACTION", "DETAILS"]),
    ]:
        code, out, err = cli(command, *reg, "--format", fmt, url=nats_url)
        assert code == 0, err
        check_format(fmt, out, columns)


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_of_emit_and_tail(fmt: str, nats_url: str, unique: str) -> None:
    reg = ("-r", f"tests.cli_registry:events_{unique}")
    order = f"order-placed-{unique}"
    assert cli("register", *reg, url=nats_url)[0] == 0
    code, out, err = cli("emit", order, "--json", json.dumps(ORDER), *reg, "-f", fmt, url=nats_url)
    assert code == 0, err
    check_format(fmt, out, ["EVENT", "STREAM", "SEQ", "DUPLICATE"])
    code, out, err = cli(
        "tail", order, "--from-start", "--count", "1", *reg, "-f", fmt, url=nats_url
    )
    assert code == 0, err
    check_format(fmt, out, ["SEQ", "TIME", "DATA"])
    if fmt == "json":
        assert [m["data"]["order_id"] for m in json.loads(out)] == ["o-1"]
    if fmt == "tsv":
        assert json.loads(out.splitlines()[1].split("\t")[2])["order_id"] == "o-1"


@pytest.mark.parametrize("fmt", FORMATS)
def test_formats_of_catalog_and_breaking(fmt: str, tmp_path: Path) -> None:
    reg = ("-r", "tests.cli_registry:events_formats")
    code, out, err = cli("catalog", "--out", str(tmp_path), *reg, "-f", fmt)
    assert code == 0, err
    check_format(fmt, out, ["FILE", "ACTION"])
    proto = str(ROOT / "proto")
    code, out, err = cli("breaking", "--against", proto, "--input", proto, "-f", fmt)
    assert code == 0, err
    if fmt in ("json", "table"):
        check_format(fmt, out, ["LOCATION", "RULE"] if fmt == "table" else [])
    elif fmt == "tsv":
        assert out.splitlines() == ["LOCATION\tRULE\tFROM\tCHANGE"]
    else:
        assert out == ""  # no findings: no lines
    assert "nothing breaking" in err
