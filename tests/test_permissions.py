"""A publish the server denies is a ``PermissionDeniedError`` naming the subject, at once, on
every path: emit and register (``test_faults_connect``), the ledger and dead letters (here)."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from protonats import (
    Actor,
    Actors,
    Event,
    Events,
    LedgerError,
    PermissionDeniedError,
)

from .auth_servers import AUTH_BOUND, LIMITED_PASSWORD, PASSWORD, AuthServer, assert_no_secret
from .models import User

pytestmark = pytest.mark.asyncio


async def test_a_denied_ledger_write_names_the_bucket_at_once(
    auth_server: AuthServer, unique: str
) -> None:
    """A user who may manage streams but not write ``$KV.protonats-registry.>``."""
    event = Event(f"noledger-{unique}", User)
    async with Events(event).connect(
        auth_server.url, user="noledger", password=LIMITED_PASSWORD
    ) as conn:
        started = time.monotonic()
        with pytest.raises(PermissionDeniedError) as info:
            await conn.register()
        took = time.monotonic() - started
    assert took < AUTH_BOUND, took
    assert isinstance(info.value, LedgerError)
    assert isinstance(info.value, PermissionError)
    assert info.value.subject is not None
    assert info.value.subject.startswith("$KV.protonats-registry.")
    assert "'protonats-registry'" in str(info.value)  # the bucket
    assert "Permissions Violation" in str(info.value)
    assert "no answer" not in str(info.value)
    assert_no_secret(str(info.value))


async def test_a_denied_dead_letter_says_it_is_a_permission(auth_server: AuthServer) -> None:
    """The actor cannot store its dead letter: it says why (the permission), and keeps the
    message on its stream to try again."""
    event = Event("denied-dead", User)

    def fail(user: User) -> None:
        raise ValueError(f"cannot handle {user.id}")

    actors = Actors(Actor("fails", event, fail, max_attempts=1))
    async with Events(event).connect(auth_server.url, user="alice", password=PASSWORD) as conn:
        await conn.register()
        await conn.emit(event, User(id="1", name="a"))
    async with actors.connect(auth_server.url, user="alice", password=PASSWORD) as admin:
        await admin.register()
    stored = _Seen("could not store")
    logging.getLogger("protonats.actors").addHandler(stored)
    try:
        async with actors.connect(
            auth_server.url, user="noledger", password=LIMITED_PASSWORD
        ) as limited:
            task = asyncio.create_task(limited.listen(handle_signals=False, poll_delay=0.5))
            try:
                await asyncio.wait_for(stored.seen.wait(), 30)
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    finally:
        logging.getLogger("protonats.actors").removeHandler(stored)
    [record] = stored.records[:1]
    assert record.levelno == logging.ERROR
    assert "'denied-dead.dead'" in record.getMessage()
    assert "Permissions Violation" in record.getMessage()


class _Seen(logging.Handler):
    """Collects the log records containing ``text``; ``seen`` is set by the first."""

    def __init__(self, text: str) -> None:
        super().__init__(logging.DEBUG)
        self.text = text
        self.records: list[logging.LogRecord] = []
        self.seen = asyncio.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.records.append(record)
            self.seen.set()
