"""``catalog`` takes the credential flags of every command (``--user``, ``--password``,
``--token``, ``--creds``, ``--tls-*``) for its ``--server``/``--ledger``, and no secret reaches
its output: not in the "ledger is empty" error (with or without ``--debug``), not in the
AsyncAPI document."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from protonats.cli._app import app
from protonats.testing import nats_server

from .auth_servers import TOKEN, TOKEN_CONFIG


@pytest.fixture(scope="module")
def token_url() -> Iterator[str]:
    """A server that wants ``TOKEN``; its schema ledger is empty."""
    with nats_server(config=TOKEN_CONFIG) as url:
        yield url


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"NATS_URL": None})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("debug", [[], ["--debug"]])
def test_the_empty_ledger_error_names_the_server_without_its_token(
    token_url: str, tmp_path: Path, debug: list[str]
) -> None:
    secret_url = token_url.replace("://", f"://{TOKEN}@")
    code, out, err = run("catalog", "--ledger", secret_url, "-o", str(tmp_path), *debug)
    assert code == 1, err
    assert "schema ledger of nats://***@127.0.0.1" in err
    assert "is empty" in err
    assert TOKEN not in out + err


def test_catalog_takes_the_credential_flags(token_url: str, tmp_path: Path) -> None:
    args = ["catalog", "--ledger", token_url, "--token", TOKEN, "-o", str(tmp_path)]
    code, _, err = run(*args)
    assert code == 1, err  # connected with --token (else an auth error): the ledger is empty
    assert "is empty" in err
    assert TOKEN not in err
    code, out, err = run("catalog", "--help")
    for flag in ("--user", "--password", "--token", "--creds", "--tls-ca", "--tls-cert"):
        assert flag in out + err


def test_the_asyncapi_document_lists_the_server_without_credentials(tmp_path: Path) -> None:
    server = f"nats://ann:{TOKEN}@events.example:14222"
    registry = "tests.cli_registry:events_cat"
    code, _, err = run("catalog", "-o", str(tmp_path), "-r", registry, "-s", server, "--no-live")
    assert code == 0, err
    document = (tmp_path / "asyncapi.json").read_text()
    assert TOKEN not in document
    assert "ann" not in json.dumps(json.loads(document)["servers"])
    assert "events.example:14222" in document
