"""Connect under faults, on real servers: refused credentials, TLS problems, no JetStream,
permissions.

Right credentials work; each wrong one fails within its bound (auth 2 s, TLS 5 s) with a
typed error naming the reason and what to check, and no secret reaches a message, a repr or
a log record. (The command line's flags: ``test_faults_connect_cli.py``.)
"""

from __future__ import annotations

import contextlib
import logging
import ssl
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from protonats import (
    AuthError,
    BatchEmitError,
    Event,
    Events,
    JetStreamNotEnabledError,
    PermissionDeniedError,
    ProtonatsError,
    PublishPermissionError,
    TLSError,
)
from protonats.testing import free_port, nats_server

from .auth_servers import (
    AUTH_BOUND,
    LIMITED_PASSWORD,
    PASSWORD,
    TLS_BOUND,
    TOKEN,
    TOKEN_CONFIG,
    WRONG,
    AuthServer,
    assert_no_secret,
    chain,
)
from .models import User
from .tls_files import TlsFiles, make_tls_files


async def _connect_fails(url: str, bound: float, **options: Any) -> tuple[ProtonatsError, float]:
    events = Events(Event("auth-probe", User))
    started = time.monotonic()
    with pytest.raises(ProtonatsError) as info:
        async with events.connect(url, **options):
            pass
    took = time.monotonic() - started
    assert took < bound, f"took {took:.2f} s, over the {bound} s bound"
    assert_no_secret(chain(info.value))
    return info.value, took


@contextlib.asynccontextmanager
async def _works(url: str, unique: str, **options: Any) -> AsyncIterator[None]:
    event = Event(f"auth-{unique}", User)
    async with Events(event).connect(url, **options) as conn:
        await conn.register()
        ack = await conn.emit(event, User(id="1", name="a"), uid="u1")
        assert ack is not None
        assert ack.seq >= 1
        yield


# --- credentials ---------------------------------------------------------------------------


async def test_right_credentials_work(auth_server: AuthServer, unique: str) -> None:
    async with _works(auth_server.url, f"pw-{unique}", user="alice", password=PASSWORD):
        pass
    async with _works(auth_server.url, f"nk-{unique}", nkeys_seed=str(auth_server.nkey_seed)):
        pass
    host = auth_server.url.removeprefix("nats://")
    async with _works(f"nats://alice:{PASSWORD}@{host}", f"url-{unique}"):
        pass


@pytest.mark.parametrize(
    ("options", "sent"),
    [
        ({"user": "alice", "password": WRONG}, "sent: user/password"),
        ({"token": WRONG}, "sent: token"),
        ({}, "no credentials were given"),
    ],
)
async def test_refused_credentials_are_an_auth_error_naming_what_to_check(
    auth_server: AuthServer,
    options: dict[str, str],
    sent: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    error, _ = await _connect_fails(auth_server.url, AUTH_BOUND, **options)
    assert isinstance(error, AuthError)
    message = str(error)
    assert "Authorization Violation" in message
    assert error.description == "Authorization Violation"
    for option in ("user/password", "token", "creds", "nkey"):
        assert option in message
    assert sent in message
    assert_no_secret(caplog.text)


async def test_wrong_nkey_is_an_auth_error(auth_server: AuthServer) -> None:
    error, _ = await _connect_fails(
        auth_server.url, AUTH_BOUND, nkeys_seed=str(auth_server.other_seed)
    )
    assert isinstance(error, AuthError)
    assert "sent: nkey seed" in str(error)
    assert auth_server.seed_text not in chain(error)


async def test_credentials_in_a_server_list_are_redacted(
    auth_server: AuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    host = auth_server.url.removeprefix("nats://")
    dead = f"127.0.0.1:{free_port()}"
    servers = f"nats://alice:{WRONG}@{dead},nats://alice:{WRONG}@{host}"
    context = Events(Event("auth-list", User)).connect(servers)
    assert WRONG not in repr(context)
    error, _ = await _connect_fails(servers, AUTH_BOUND * 2)
    assert isinstance(error, AuthError)
    assert f"nats://alice:***@{dead}" in str(error)
    assert f"nats://alice:***@{host}" in str(error)
    assert_no_secret(caplog.text)


async def test_server_list_as_a_list_and_the_token_server(unique: str) -> None:
    with nats_server(config=TOKEN_CONFIG) as url:
        dead = f"nats://127.0.0.1:{free_port()}"
        async with _works(f"{dead}, {url}", f"tok-{unique}", token=TOKEN):
            pass
        async with Events(Event(f"lst-{unique}", User)).connect([dead, url], token=TOKEN) as c:
            assert c.client.is_connected
            assert TOKEN not in repr(c)
        error, _ = await _connect_fails(url, AUTH_BOUND, token=WRONG)
        assert isinstance(error, AuthError)


# --- JetStream and permissions -------------------------------------------------------------


async def test_account_without_jetstream_is_named_at_connect(auth_server: AuthServer) -> None:
    error, _ = await _connect_fails(auth_server.url, AUTH_BOUND, user="nojs", password=PASSWORD)
    assert isinstance(error, JetStreamNotEnabledError)
    assert "JetStream is not enabled" in str(error)
    assert "nats-server with -js" in str(error)
    assert error.code in (503, 500)


async def test_restricted_user_connects_and_a_denied_create_names_the_permission(
    auth_server: AuthServer, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event("denied-create", User)
    async with Events(event).connect(
        auth_server.url, user="limited", password=LIMITED_PASSWORD
    ) as conn:
        started = time.monotonic()
        with pytest.raises(PermissionDeniedError) as info:
            await conn.register()
        took = time.monotonic() - started
    subject = f"$JS.API.STREAM.CREATE.{event.stream_name}"
    assert took < AUTH_BOUND, took
    assert info.value.subject == subject
    assert info.value.operation == "publish"
    assert isinstance(info.value, PermissionError)
    assert "permission" in str(info.value)
    assert repr(subject) in str(info.value)
    assert "timeout" not in str(info.value)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("permissions violation" in m.lower() for m in warnings), warnings
    assert_no_secret(caplog.text, chain(info.value))


async def test_a_user_who_may_not_ask_for_account_info_still_connects(
    auth_server: AuthServer, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    started = time.monotonic()
    async with _works(
        auth_server.url, f"noinfo-{unique}", user="noinfo", password=LIMITED_PASSWORD
    ):
        pass
    assert time.monotonic() - started < AUTH_BOUND
    assert "not checking JetStream at connect" in caplog.text


async def test_a_denied_emit_is_a_permission_error_at_once(
    auth_server: AuthServer, unique: str, caplog: pytest.LogCaptureFixture
) -> None:
    event = Event("denied-emit", User)
    async with _works(auth_server.url, f"x-{unique}", user="alice", password=PASSWORD):
        pass
    async with Events(event).connect(auth_server.url, user="alice", password=PASSWORD) as conn:
        await conn.register()
    async with Events(event).connect(
        auth_server.url, user="limited", password=LIMITED_PASSWORD, ack_timeout=30
    ) as conn:
        started = time.monotonic()
        with pytest.raises(PublishPermissionError) as info:
            await conn.emit(event, User(id="1", name="a"))
        took = time.monotonic() - started
        started = time.monotonic()
        with pytest.raises(BatchEmitError) as batch:
            await conn.emit_many(event, [User(id=str(i), name="b") for i in range(3)])
        took_batch = time.monotonic() - started
    assert took < 1.0, took
    assert took_batch < 1.0, took_batch  # refused at once, not after ack_timeout
    assert batch.value.not_stored == frozenset({0, 1, 2})
    assert all(isinstance(f, PublishPermissionError) for f in batch.value.failures.values())
    assert info.value.subject == event.subject_name
    assert "permission" in str(info.value)
    assert any(
        r.levelno == logging.WARNING and event.subject_name in r.getMessage()
        for r in caplog.records
    )


# --- TLS -----------------------------------------------------------------------------------


def _context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


async def test_tls_with_the_right_ca_works(tls_url: str, tls_files: TlsFiles, unique: str) -> None:
    async with _works(tls_url, f"tls-{unique}", tls=_context(tls_files.ca)):
        pass


async def test_tls_unknown_ca_fails_fast_naming_the_certificate(
    tls_url: str, tmp_path: Path
) -> None:
    other = make_tls_files(tmp_path)
    for options in ({"tls": _context(other.ca)}, {}):
        error, _ = await _connect_fails(tls_url, TLS_BOUND, **options)
        assert isinstance(error, TLSError)
        assert "TLS" in str(error)
        assert "certificate" in str(error)
        assert "--tls-ca" in str(error)


async def test_tls_hostname_mismatch_fails_fast(tls_url: str, tls_files: TlsFiles) -> None:
    error, _ = await _connect_fails(
        tls_url, TLS_BOUND, tls=_context(tls_files.ca), tls_hostname="wrong.example"
    )
    assert isinstance(error, TLSError)
    assert "Hostname mismatch" in str(error)
    assert "tls_hostname" in str(error)


async def test_plain_server_behind_tls_url_fails_fast(nats_url: str, tls_files: TlsFiles) -> None:
    plain = nats_url.replace("nats://", "tls://")
    error, _ = await _connect_fails(plain, TLS_BOUND, tls=_context(tls_files.ca))
    assert isinstance(error, TLSError)
    assert "does not require TLS" in str(error)
    error, _ = await _connect_fails(plain, TLS_BOUND)
    assert isinstance(error, TLSError)


async def test_a_server_that_verifies_clients_names_the_client_certificate(
    tls_files: TlsFiles, unique: str
) -> None:
    with nats_server(config=tls_files.server_config(verify_clients=True), scheme="tls") as url:
        with_cert = _context(tls_files.ca)
        with_cert.load_cert_chain(str(tls_files.client_cert), str(tls_files.client_key))
        async with _works(url, f"mtls-{unique}", tls=with_cert):
            pass
        error, _ = await _connect_fails(url, TLS_BOUND, tls=_context(tls_files.ca))
        assert isinstance(error, TLSError)
        assert "client certificate" in str(error)
        assert "--tls-cert" in str(error)
