"""The command line's connection flags against servers with auth and TLS, and creds files
(operator, account and user JWTs): right credentials work, wrong ones are one line naming the
reason, and no secret is printed, not even in a ``--debug`` traceback."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protonats import AuthError, Event, Events
from protonats.cli._app import app
from protonats.testing import nats_server

from .auth_servers import (
    AUTH_BOUND,
    PASSWORD,
    TOKEN,
    TOKEN_CONFIG,
    WRONG,
    AuthServer,
    assert_no_secret,
    chain,
)
from .models import User
from .nats_jwt import operator_setup
from .tls_files import TlsFiles, make_tls_files

runner = CliRunner()


def _cli(*args: str) -> tuple[int, str]:
    """Run ``protonats`` in-process without NATS_* variables; (exit code, stdout + stderr)."""
    env = {name: None for name in os.environ if name.startswith("NATS_")}
    started = time.monotonic()
    result = runner.invoke(app, list(args), env=env)
    took = time.monotonic() - started
    output = result.stdout + result.stderr
    assert_no_secret(output)
    return result.exit_code, f"{output}\n(took {took:.2f} s)"


def test_cli_flags_carry_the_credentials(
    auth_server: AuthServer, tls_url: str, tls_files: TlsFiles, unique: str
) -> None:
    reg = ["--registry", f"tests.cli_registry:events_{unique}", "--server"]
    code, out = _cli("register", *reg, auth_server.url, "--user", "alice", "--password", PASSWORD)
    assert code == 0, out
    code, out = _cli("plan", *reg, tls_url, "--tls-ca", str(tls_files.ca))
    assert code == 0, out
    mtls = tls_files.server_config(verify_clients=True)
    with nats_server(config=mtls, scheme="tls") as url:
        cert = ["--tls-cert", str(tls_files.client_cert), "--tls-key", str(tls_files.client_key)]
        code, out = _cli("plan", *reg, url, "--tls-ca", str(tls_files.ca), *cert)
        assert code == 0, out
        code, out = _cli("plan", *reg, url, "--tls-ca", str(tls_files.ca))
        assert code == 1, out
        assert "client certificate" in out
    with nats_server(config=TOKEN_CONFIG) as url:
        code, out = _cli("plan", *reg, url, "--token", TOKEN)
        assert code == 0, out
        code, out = _cli("plan", *reg, url, "--token", WRONG)
        assert code == 1, out
        assert "Authorization Violation" in out


@pytest.mark.parametrize(
    ("flags", "reason"),
    [
        (["--user", "alice", "--password", WRONG], "Authorization Violation"),
        (["--user", "nojs", "--password", PASSWORD], "JetStream is not enabled"),
    ],
)
def test_cli_wrong_credentials_are_one_line(
    auth_server: AuthServer, flags: list[str], reason: str
) -> None:
    code, out = _cli("plan", "-r", "tests.cli_registry:events_x", "-s", auth_server.url, *flags)
    assert code == 1, out
    assert out.startswith("protonats: error: "), out
    assert reason in out
    code, out = _cli(
        "--debug", "plan", "-r", "tests.cli_registry:events_x", "-s", auth_server.url, *flags
    )
    assert "Traceback" in out  # and no secret in it (_cli checks)


def test_cli_tls_problems_are_one_line(tls_url: str, tmp_path: Path) -> None:
    other = make_tls_files(tmp_path)
    code, out = _cli(
        "plan", "-r", "tests.cli_registry:events_x", "-s", tls_url, "--tls-ca", str(other.ca)
    )
    assert code == 1, out
    assert "TLS" in out
    assert "certificate" in out


# --- creds files (decentralized auth) ------------------------------------------------------


@pytest.fixture(scope="module")
def creds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, Path]]:
    """(URL of a server in operator mode, a user's creds file, a stranger's creds file)."""
    config, good, bad = operator_setup(tmp_path_factory.mktemp("creds"))
    with nats_server(config=config) as url:
        yield url, good, bad


async def test_creds_file_works_and_a_stranger_is_refused(
    creds: tuple[str, Path, Path], unique: str
) -> None:
    url, good, bad = creds
    event = Event(f"creds-{unique}", User)
    async with Events(event).connect(url, user_credentials=str(good)) as conn:
        await conn.register()
        assert (await conn.emit(event, User(id="1", name="a"))) is not None
    started = time.monotonic()
    with pytest.raises(AuthError) as info:
        async with Events(event).connect(url, user_credentials=str(bad)):
            pass
    assert time.monotonic() - started < AUTH_BOUND
    assert "Authorization Violation" in str(info.value)
    assert "sent: creds file" in str(info.value)
    seed = bad.read_text().split("USER NKEY SEED-----\n")[1].split("\n")[0]
    assert seed not in chain(info.value)


def test_cli_creds_flag(creds: tuple[str, Path, Path], unique: str) -> None:
    url, good, bad = creds
    reg = ["--registry", f"tests.cli_registry:events_{unique}", "--server", url]
    code, out = _cli("plan", *reg, "--creds", str(good))
    assert code == 0, out
    code, out = _cli("plan", *reg, "--creds", str(bad))
    assert code == 1, out
    assert "Authorization Violation" in out


def test_the_connection_flags_repr_shows_no_secret() -> None:
    from protonats.cli._options import Connection

    flags = Connection(server=f"nats://alice:{WRONG}@h:7422", user="alice", password=PASSWORD)
    assert (
        repr(flags) == "Connection(server='nats://alice:***@h:7422', user='alice', password='***')"
    )
    assert TOKEN not in repr(Connection(token=TOKEN))
