"""The ``protonats`` command line against a real nats-server: exit codes, output, one-line errors.

A few checks run the installed console script in a subprocess; the rest use typer's CliRunner
in-process, which is faster. Each test registers events of its own (``unique`` suffix).
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import nats
import pytest
from typer.testing import CliRunner

from protonats import Events
from protonats.cli._app import app
from protonats.testing import free_port

SCRIPT = str(Path(sys.executable).with_name("protonats"))
ROOT = Path(__file__).resolve().parent.parent
ORDER = {
    "order_id": "o-1",
    "amount_cents": 1250,
    "items": [{"sku": "tea", "quantity": 2}],
    "placed_at": "2024-05-01T10:00:00Z",
}

runner = CliRunner()


def registry(suffix: str, *, changed: bool = False) -> str:
    return f"tests.cli_registry:{'changed' if changed else 'events'}_{suffix}"


def script(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``protonats`` console script from the repository root."""
    return subprocess.run(
        [SCRIPT, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
        check=False,
    )


def cli(*args: str, url: str | None = None, input: str | None = None) -> tuple[int, str, str]:
    """Run the app in-process; return (exit code, stdout, stderr)."""
    env = {"NATS_URL": url} if url is not None else None
    result = runner.invoke(app, list(args), env=env, input=input)
    return result.exit_code, result.stdout, result.stderr


def error_line(stderr: str) -> str:
    """The one line an error prints; fails if there is more (a traceback, a second line)."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("protonats: error: "), stderr
    return lines[0]


def consumer_count(url: str, stream: str) -> int:
    async def count() -> int:
        nc = await nats.connect(url)
        try:
            info = await nc.jetstream().stream_info(stream)
            return int(info.state.consumer_count)
        finally:
            await nc.close()

    return asyncio.run(count())


def test_help_lists_commands_and_exit_codes() -> None:
    done = script("--help")
    assert done.returncode == 0, done.stderr
    for command in ("ls", "plan", "register", "emit", "tail", "catalog", "breaking"):
        assert command in done.stdout
    assert "Exit codes" in done.stdout


@pytest.mark.parametrize(
    "command", ["ls", "plan", "register", "emit", "tail", "catalog", "breaking"]
)
def test_every_command_has_help(command: str) -> None:
    code, out, _ = cli(command, "--help")
    assert code == 0
    assert "Usage" in out


def test_round_trip_with_the_console_script(nats_url: str, unique: str) -> None:
    env = {"NATS_URL": nats_url, "PATH": str(Path(sys.executable).parent)}
    reg = ["--registry", registry(unique)]
    order = f"order-placed-{unique}"

    done = script("plan", "--check", *reg, env=env)
    assert done.returncode == 3, done.stderr
    assert f"{order}\tcreate" in done.stdout

    done = script("register", *reg, env=env)
    assert done.returncode == 0, done.stderr
    done = script("plan", "--check", *reg, env=env)
    assert done.returncode == 0, done.stderr
    assert f"{order}\tunchanged" in done.stdout

    for number in (1, 2):
        message = json.dumps({**ORDER, "order_id": f"o-{number}"})
        done = script("emit", order, "--json", message, "--format", "json", *reg, env=env)
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout) == {
            "event": order,
            "stream": order,
            "seq": number,
            "duplicate": False,
        }

    done = script("tail", order, "--from-start", "--count", "2", "-f", "jsonl", *reg, env=env)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line["seq"] for line in lines] == [1, 2]
    assert [line["data"]["order_id"] for line in lines] == ["o-1", "o-2"]
    assert lines[0]["data"]["placed_at"] == "2024-05-01T10:00:00Z"
    assert lines[0]["time"].endswith("Z")
    assert consumer_count(nats_url, order) == 0  # the ephemeral consumer is gone


def test_unreachable_server_is_one_line_and_debug_shows_the_traceback() -> None:
    url = f"nats://127.0.0.1:{free_port()}"
    done = script("plan", "--registry", registry("down"), "--server", url)
    assert done.returncode == 1
    line = error_line(done.stderr)
    assert "cannot connect to NATS" in line
    assert "Traceback" not in done.stderr

    done = script("--debug", "plan", "--registry", registry("down"), "--server", url)
    assert done.returncode == 1
    assert "Traceback" in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("protonats: error: cannot connect")


def test_plan_and_register_show_updates_and_refusals(nats_url: str, unique: str) -> None:
    assert cli("register", "-r", registry(unique), url=nats_url)[0] == 0

    code, out, err = cli("plan", "-r", registry(unique, changed=True), "-f", "json", url=nats_url)
    assert code == 0, err
    plans = {row["event"]: row for row in json.loads(out)}
    order = plans[f"order-placed-{unique}"]
    assert order["action"] == "update"
    assert [c for c in order["changes"] if c["field"] != "metadata"] == [  # Limits' words
        {"field": "age", "old": 7 * 86_400, "new": 86_400, "text": "age: 7 d → 1 d"}
    ]
    refused = plans[f"user-signed-up-{unique}"]
    assert refused["action"] == "refused"
    assert "storage" in refused["error"]
    # The same declaration under the newer version: only the version stamp moves.
    same = plans[f"options-changed-{unique}"]
    assert same["action"] == "update"
    assert [c["field"] for c in same["changes"]] == ["metadata"]

    code, out, err = cli("plan", "--check", "-r", registry(unique, changed=True), url=nats_url)
    assert code == 3
    assert f"order-placed-{unique}\tupdate\tage: 7 d → 1 d" in out

    # register applies the update, refuses the storage change, prints the table, exits 1
    code, out, err = cli("register", "-r", registry(unique, changed=True), url=nats_url)
    assert code == 1
    assert f"order-placed-{unique}\tupdate" in out
    assert f"user-signed-up-{unique}\trefused" in out
    assert "cannot change storage" in error_line(err)
    code, out, _ = cli("plan", "-f", "json", "-r", registry(unique, changed=True), url=nats_url)
    actions = {row["event"]: row["action"] for row in json.loads(out)}
    assert actions[f"order-placed-{unique}"] == "unchanged"
    assert actions[f"user-signed-up-{unique}"] == "refused"


def test_emit_and_tail_protobuf_and_pydantic(nats_url: str, unique: str) -> None:
    reg = ("-r", registry(unique))
    assert cli("register", *reg, url=nats_url)[0] == 0
    options = {
        "name": "x",
        "limits": {"maxAge": "60s", "maxBytes": "100"},
        "storage": "STORAGE_MEMORY",
    }
    code, out, err = cli(
        "emit", f"options-changed-{unique}", "--json", json.dumps(options), "--uid", "u-1",
        *reg, url=nats_url,
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[1].split("\t") == [
        f"options-changed-{unique}", f"options-changed-{unique}", "1", "no"
    ]  # fmt: skip
    code, out, err = cli(
        "emit", f"options-changed-{unique}", "--json", "-", "--uid", "u-1", *reg,
        url=nats_url, input=json.dumps(options),
    )  # fmt: skip
    assert code == 0, err
    assert out.splitlines()[1].endswith("\t1\tyes")  # same uid: stored once

    code, out, err = cli(
        "tail", f"options-changed-{unique}", "--last", "1", "--count", "1", "--headers", *reg,
        "--format", "jsonl", url=nats_url,
    )  # fmt: skip
    assert code == 0, err
    line = json.loads(out)
    assert line["data"]["limits"] == {"maxAge": "60s", "maxBytes": "100"}
    assert line["data"]["storage"] == "STORAGE_MEMORY"
    assert line["headers"]["Nats-Msg-Id"] == "u-1"

    user = f"user-signed-up-{unique}"
    for age in (1, 2, 3):
        body = json.dumps({"email": "a@example.com", "age": age})
        assert cli("emit", user, "--json", body, *reg, url=nats_url)[0] == 0
    code, out, err = cli(
        "tail", user, "--last", "2", "--count", "2", "-f", "jsonl", *reg, url=nats_url
    )
    assert code == 0, err
    assert [json.loads(x)["data"]["age"] for x in out.splitlines()] == [2, 3]
    assert consumer_count(nats_url, user) == 0


@pytest.mark.parametrize(
    ("event", "body", "expected"),
    [
        ("nope", "{}", "no event named 'nope'; (known: "),
        ("order-placed", '{"order_id": 1', "is not valid JSON"),
        ("order-placed", json.dumps({**ORDER, "amount_cents": "12"}), "field amount_cents"),
        ("order-placed", json.dumps({**ORDER, "items": [{"sku": 3}]}), "field items[0].sku"),
        ("order-placed", json.dumps({"order_id": "x"}), "missing required field"),
        ("user-signed-up", '{"email": "a", "age": "old"}', "field age: Input should be"),
        ("options-changed", '{"limits": {"maxBytes": "lots"}}', "field limits.maxBytes"),
        ("options-changed", '{"nope": 1}', "has no field 'nope' (its fields: name, "),
        ("options-changed", "[1]", "must be an object"),
    ],
)
def test_bad_messages_are_one_clear_line(event: str, body: str, expected: str) -> None:
    # Refused before connecting: the server below does not exist.
    url = f"nats://127.0.0.1:{free_port()}"
    name = event if event == "nope" else f"{event}-bad"
    code, out, err = cli("emit", name, "--json", body, "-r", registry("bad"), url=url)
    assert code == (2 if event == "nope" else 1)  # an unknown event name is a usage error
    assert out == ""
    line = error_line(err)
    assert expected in line
    assert "Available Fields" not in line  # protobuf's own text, quoting a Python list
    if event != "nope":
        assert f"event '{name}'" in line


def test_emit_before_register_and_tail_of_missing_stream(nats_url: str, unique: str) -> None:
    reg = ("-r", registry(unique))
    code, _, err = cli(
        "emit", f"order-placed-{unique}", "--json", json.dumps(ORDER), *reg, url=nats_url
    )
    assert code == 1
    assert error_line(err).endswith("nothing was stored. Run `protonats register` first")
    code, _, err = cli("tail", f"order-placed-{unique}", "--count", "1", *reg, url=nats_url)
    assert code == 1
    assert error_line(err).endswith("does not exist. Run `protonats register` first")


def test_ls_table_plain_and_json() -> None:
    code, out, err = cli("ls", "-r", registry("ls"))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "EVENT\tSCHEMA\tLIMITS\tDESCRIPTION"
    assert lines[1] == (
        "order-placed-ls\tOrderPlaced\t"
        "max age 7 d, max bytes 1 GiB, max message size 64 KiB\tA customer placed an order."
    )
    code, out, _ = cli("--registry", registry("ls"), "ls", "--format", "json")
    records = json.loads(out)
    assert [r["name"] for r in records] == [
        "order-placed-ls",
        "user-signed-up-ls",
        "options-changed-ls",
    ]
    assert records[1]["storage"] == "memory"
    assert records[2]["limits"]["messages"] == 1000


def test_bad_flags_and_registries_are_one_line() -> None:
    reg = ("-r", registry("flags"))
    checks = [
        (("plan", *reg, "--password", "x"), "--password needs --user"),
        (("plan", *reg, "--creds", "/nonexistent/x.creds"), "no such file"),
        (("plan", *reg, "--tls-ca", "/nonexistent/ca.pem"), "cannot load the TLS files"),
        (("plan", *reg, "--tls-key", "/nonexistent/k.pem"), "--tls-key needs --tls-cert"),
        (("tail", "order-placed-flags", "--last", "2", "--from-start", *reg), "cannot be used"),
        (("emit", "order-placed-flags", "--json", "@/nonexistent.json", *reg), "cannot read"),
        (("ls", "-r", "tests.cli_registry:nothing"), "has no attribute"),
        (("ls", "-r", "tests.cli_registry:make_events"), "not a protonats.Events"),
        (("ls", "-r", "no_such_module_x:EVENTS"), "cannot import registry module"),
        (("ls", "-r", "no-such-entry-point"), "no registry entry point named"),
    ]
    usage = {
        "--password needs --user",
        "no such file",
        "--tls-key needs --tls-cert",
        "cannot be used",
    }
    for args, expected in checks:
        code, _, err = cli(*args)
        assert code == (2 if expected in usage else 1), args
        assert expected in error_line(err), args


def test_usage_errors_exit_2() -> None:
    assert cli("emit", "order-placed-x")[0] == 2  # --json is required
    assert cli("tail", "x", "--last", "0")[0] == 2
    assert cli("frobnicate")[0] == 2


class _EntryPoint:
    def __init__(self, name: str, value: Events) -> None:
        self.name, self.value, self._loaded = name, f"{name}:EVENTS", value

    def load(self) -> Events:
        return self._loaded


def test_registry_from_installed_entry_points(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests import cli_registry

    one, two = cli_registry.make_events("ep1"), cli_registry.make_events("ep2")
    installed: list[_EntryPoint] = []

    def entry_points(*, group: str) -> list[_EntryPoint]:
        assert group == "protonats.registries"
        return installed

    monkeypatch.setattr(importlib.metadata, "entry_points", entry_points)
    code, _, err = cli("ls")
    assert code == 1
    assert "no event registry found" in error_line(err)

    installed.append(_EntryPoint("one-events", one))
    code, out, _ = cli("ls")
    assert code == 0
    assert "order-placed-ep1" in out

    installed.append(_EntryPoint("two-events", two))
    code, _, err = cli("ls")
    assert code == 1
    assert "several event registries are installed (one-events, two-events)" in error_line(err)
    code, out, _ = cli("ls", "--registry", "two-events")
    assert code == 0
    assert "order-placed-ep2" in out


def test_without_typer_main_says_how_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from protonats import cli as cli_package

    monkeypatch.delitem(sys.modules, "protonats.cli._app")
    monkeypatch.setitem(sys.modules, "typer", None)
    assert cli_package.main(["ls"]) == 1
    assert "pip install 'protonats[cli]'" in error_line(capsys.readouterr().err)


def test_ctrl_c_stops_tail_with_130_and_deletes_its_consumer(nats_url: str, unique: str) -> None:
    reg = ("-r", registry(unique))
    assert cli("register", *reg, url=nats_url)[0] == 0
    order = f"order-placed-{unique}"
    env = {"NATS_URL": nats_url, "PATH": str(Path(sys.executable).parent)}
    proc = subprocess.Popen(
        [SCRIPT, "tail", order, *reg],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while consumer_count(nats_url, order) == 0:  # wait until tail is listening
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "tail never created its consumer"
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130
    assert err.strip() == "protonats: interrupted"
    assert consumer_count(nats_url, order) == 0


def test_breaking_runs_the_checker() -> None:
    proto = str(ROOT / "proto")
    code, out, err = cli("breaking", "--against", proto, "--input", proto, "--format", "json")
    assert code == 0, err
    assert json.loads(out) == {"against": proto, "input": proto, "breaking": 0, "findings": []}
    code, _, err = cli("breaking", "--against", proto, "--format", "xml")
    assert code == 2
    assert "'table', 'tsv', 'json', 'jsonl'" in error_line(err)
