"""Fix hints in the command line's words: ``protonats register`` and ``--skip-newer`` where
the Python API says ``register()`` and ``on_newer='skip'``; "did you mean" for event names."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from protonats import Event, Events, NoStreamError, UnknownEventError
from protonats._errors import REGISTER_FIRST
from protonats.cli._app import app
from protonats.cli._contract import cli_message

from .models import User

runner = CliRunner()


def cli(*args: str, url: str | None = None) -> tuple[int, str, str]:
    env = {"NATS_URL": url} if url is not None else None
    result = runner.invoke(app, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("protonats: error: "), stderr
    return lines[0]


def test_a_fix_is_said_for_python_and_for_the_command_line() -> None:
    error = NoStreamError.with_fix("event 'x': stream 'x' does not exist", REGISTER_FIRST)
    assert (
        str(error) == "event 'x': stream 'x' does not exist. Call register() for this event first"
    )
    assert (
        cli_message(error) == "event 'x': stream 'x' does not exist. Run `protonats register` first"
    )
    assert cli_message(NoStreamError("no fix\nhere")) == "no fix here"


def test_unknown_event_names_suggest_the_closest() -> None:
    events = Events(Event("user-registered", User), Event("order-created", User))
    with pytest.raises(UnknownEventError) as caught:
        events.get("user-registred")
    assert caught.value.suggestion == "user-registered"
    assert "did you mean 'user-registered'?" in str(caught.value)
    with pytest.raises(UnknownEventError) as caught:
        events.get("zzz")
    assert caught.value.suggestion is None
    assert "did you mean" not in str(caught.value)


def test_cli_unknown_event_is_a_usage_error_with_did_you_mean() -> None:
    code, out, err = cli(
        "emit", "order-placd-hints", "--json", "{}", "-r", "tests.cli_registry:events_hints"
    )
    assert code == 2
    assert out == ""
    assert "did you mean 'order-placed-hints'?" in error_line(err)


def test_tail_of_an_event_in_no_registry_nor_ledger_suggests_one(
    nats_url: str, unique: str
) -> None:
    # tail reads the schema of an event no installed registry declares from the server's
    # ledger: the name is checked against the ledger's.
    reg = ("-r", f"tests.cli_registry:events_{unique}")
    assert cli("register", *reg, url=nats_url)[0] == 0
    code, _, err = cli("tail", f"order-placd-{unique}", *reg, url=nats_url)
    assert code == 1
    assert f"did you mean 'order-placed-{unique}'?" in error_line(err)


def test_newer_registry_hint_names_the_flag(nats_url: str, unique: str) -> None:
    newer = Events(Event(f"user-registered-{unique}", User), version="2.0.0")
    older = Events(Event(f"user-registered-{unique}", User, description="x"), version="1.0.0")

    import tests.test_cli_hints as here

    setattr(here, f"newer_{unique}", newer)
    setattr(here, f"older_{unique}", older)
    assert cli("register", "-r", f"tests.test_cli_hints:newer_{unique}", url=nats_url)[0] == 0
    code, out, err = cli(
        "register", "-r", f"tests.test_cli_hints:older_{unique}", "-f", "json", url=nats_url
    )
    assert code == 1
    line = error_line(err)
    assert line.endswith("Deploy the newer version, or run `protonats register --skip-newer`")
    assert "on_newer" not in line
    row = json.loads(out)[0]
    assert row["action"] == "refused"
    assert row["error"].endswith("`protonats register --skip-newer`")
    code, out, err = cli(
        "register", "--skip-newer", "-r", f"tests.test_cli_hints:older_{unique}", url=nats_url
    )
    assert code == 0, err
    assert err == ""
    assert f"user-registered-{unique}\tskipped\tevent" in out
    assert "--skip-newer" not in out  # skipped as asked
