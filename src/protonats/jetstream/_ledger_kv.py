"""The schema ledger on the server: the ``protonats-registry`` KV bucket, and the register lock.

The KV part of the NATS boundary (``_nats``): every nats-py KV call of protonats is here, on a
``Link``'s JetStream context, and its failures leave as ``LedgerError`` (a timeout also a
``JetStreamTimeoutError``, a server without JetStream a ``JetStreamNotEnabledError``). The
register lock is a key created only if absent (``kv.create``) with a per-message TTL
(nats-server 2.11+): a live holder renews it by compare-and-set; a crashed one stops blocking
others when it expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import time
from collections.abc import AsyncIterator, Collection
from typing import NoReturn

import nats.errors
from nats.js import JetStreamContext, api
from nats.js import errors as js_errors
from nats.js.kv import KeyValue

from .._errors import (
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
    LedgerError,
    RegisterLockTimeoutError,
)
from ._ledger import LedgerEntry, LedgerRevision, decode_entry, encode_entry
from ._nats import STREAM_NAME_IN_USE, Link, failure_class, failure_reason

__all__ = [
    "BUCKET",
    "HISTORY",
    "LOCK_KEY",
    "LOCK_TTL",
    "STREAM",
    "LedgerStore",
    "RegisterLock",
]

BUCKET = "protonats-registry"
STREAM = f"KV_{BUCKET}"
HISTORY = 64
"""Revisions kept per key (the most JetStream KV allows): the event's schema history."""
LOCK_KEY = "_lock.register"
"""Event names are kebab-case, so a key starting with ``_`` is never an event."""
LOCK_TTL = 15.0
"""Seconds a crashed registrant's lock blocks others; a live one renews it every third."""
_WATCH_TIMEOUT = 10.0
_BULK = 32
_FIX = (
    "check that the account may use JetStream KV (subjects $KV.protonats-registry.> and the "
    "stream KV_protonats-registry) and that nats-server is 2.11 or newer"
)


class LedgerStore:
    """The ledger bucket on one JetStream connection."""

    def __init__(self, js: JetStreamContext, kv: KeyValue) -> None:
        self.js = js
        self.kv = kv

    @classmethod
    async def open(cls, link: Link) -> LedgerStore | None:
        """The bucket, or ``None`` if nothing was registered on this server yet."""
        js = link.js
        try:
            return cls(js, await js.key_value(BUCKET))
        except js_errors.BucketNotFoundError:
            return None
        except nats.errors.Error as exc:
            _raise(exc, "open")

    @classmethod
    async def ensure(cls, link: Link, *, replicas: int) -> LedgerStore:
        """The bucket, created with ``replicas`` when missing."""
        js = link.js
        found = await cls.open(link)
        if found is not None:
            return found
        config = api.KeyValueConfig(
            bucket=BUCKET,
            description="protonats schema ledger: one key per event, its history the schema's",
            history=HISTORY,
            replicas=replicas,
            direct=True,
        )
        try:
            return cls(js, await js.create_key_value(config))
        except js_errors.APIError as exc:
            if exc.err_code != STREAM_NAME_IN_USE:  # else another registrant made it first
                _raise(exc, "create")
        except nats.errors.Error as exc:
            _raise(exc, "create")
        try:
            return cls(js, await js.key_value(BUCKET))
        except nats.errors.Error as exc:
            _raise(exc, "open")

    async def get(self, name: str) -> LedgerRevision | None:
        """The current document of event ``name``, or ``None`` if it was never registered."""
        try:
            found = await self.kv.get(name)
        except js_errors.KeyNotFoundError:
            return None
        except nats.errors.Error as exc:
            _raise(exc, f"read {name!r} from")
        return _revision(name, found.value, found.revision)

    async def current(self, names: Collection[str]) -> dict[str, LedgerRevision]:
        """The current revisions of the events ``names`` that have one: a get per name for a
        few, one pass over the bucket (no round trip per key) for many."""
        if len(names) < _BULK:
            found = await asyncio.gather(*(self.get(name) for name in names))
            return {r.entry.event: r for r in found if r is not None}
        wanted = set(names)
        try:
            if (await self.kv.status()).values == 0:
                return {}
            entries = await _watch(await self.kv.watchall())
        except nats.errors.Error as exc:
            _raise(exc, "read")
        return {
            e.key: _revision(e.key, e.value, e.revision)
            for e in entries
            if e.key in wanted and e.operation is None
        }

    async def history(self, name: str) -> list[LedgerRevision]:
        """Every kept revision of event ``name``, oldest first."""
        if await self.get(name) is None:
            return []
        try:
            found = await _watch(await self.kv.watch(name, include_history=True))
        except nats.errors.Error as exc:
            _raise(exc, f"read the history of {name!r} from")
        return [_revision(name, e.value, e.revision) for e in found if e.operation is None]

    async def entries(self) -> list[LedgerRevision]:
        """The current document of every event in the ledger, by event name."""
        try:
            if (await self.kv.status()).values == 0:
                return []
            found = await _watch(await self.kv.watchall())
        except nats.errors.Error as exc:
            _raise(exc, "list")
        return sorted(
            (
                _revision(e.key, e.value, e.revision)
                for e in found
                if e.operation is None and not e.key.startswith("_")
            ),
            key=lambda r: r.entry.event,
        )

    async def write(self, entry: LedgerEntry, last: int | None) -> int:
        """Write ``entry`` if the key is still at revision ``last`` (absent when ``None``)."""
        data = encode_entry(entry)
        try:
            if last is None:
                return await self.kv.create(entry.event, data)
            return await self.kv.update(entry.event, data, last=last)
        except js_errors.KeyWrongLastSequenceError as exc:
            raise LedgerError(
                f"event {entry.event!r}: the ledger entry changed while registering (expected "
                f"revision {last}); another process wrote it without the register lock. Run "
                "register again",
                event=entry.event,
                description=exc.description,
            ) from exc
        except nats.errors.Error as exc:
            _raise(exc, f"write {entry.event!r} to")

    @contextlib.asynccontextmanager
    async def lock(
        self, *, ttl: float = LOCK_TTL, wait: float = 60.0
    ) -> AsyncIterator[RegisterLock]:
        """Hold the register lock for the ``with`` block (waiting up to ``wait`` s)."""
        await self._check_ttl()
        held = RegisterLock(self, ttl)
        await held.acquire(wait)
        try:
            yield held
        finally:
            await held.release()

    async def _check_ttl(self) -> None:
        """Refuse a bucket without per-message TTL: a crashed holder's lock would never end."""
        try:
            info = await self.js.stream_info(STREAM)
        except nats.errors.Error as exc:
            _raise(exc, "look up")
        if not info.config.allow_msg_ttl:
            raise LedgerError(
                f"the schema ledger's stream {STREAM!r} does not allow per-message TTLs, which "
                "the register lock needs so that a crashed registrant cannot block others "
                "forever. Use nats-server 2.11 or newer, and enable allow_msg_ttl on that "
                "stream (or delete it: register creates it again)",
                stream=STREAM,
            )


class RegisterLock:
    """The register lock, while held: renewed in the background, released on exit."""

    def __init__(self, store: LedgerStore, ttl: float) -> None:
        self.store = store
        self.ttl = max(1.0, float(int(ttl)))  # the TTL header is whole seconds
        self.revision = 0
        self.lost: BaseException | None = None
        self._renewer: asyncio.Task[None] | None = None

    async def acquire(self, wait: float) -> None:
        owner = json.dumps({"host": socket.gethostname(), "pid": os.getpid()}).encode()
        deadline = time.monotonic() + wait
        pause = 0.01
        while True:
            try:
                self.revision = await self.store.kv.create(LOCK_KEY, owner, msg_ttl=self.ttl)
                break
            except js_errors.KeyWrongLastSequenceError:
                pass  # held by someone else
            except nats.errors.Error as exc:
                _raise(exc, "take the register lock in")
            if time.monotonic() >= deadline:
                raise RegisterLockTimeoutError(
                    f"another register held the lock on bucket {BUCKET!r} for over {wait:g} s "
                    f"(held by {await self._holder()}); a crashed holder's lock expires after "
                    f"{self.ttl:g} s. Retry, or raise lock_timeout"
                )
            await asyncio.sleep(pause)  # polling the server, not synchronising a test
            pause = min(pause * 2, 0.2)
        self._renewer = asyncio.create_task(self._renew())

    async def _holder(self) -> str:
        try:
            value = (await self.store.kv.get(LOCK_KEY)).value
        except nats.errors.Error:
            return "unknown"
        return (value or b"?").decode(errors="replace")

    async def _renew(self) -> None:
        subject = f"$KV.{BUCKET}.{LOCK_KEY}"
        while True:
            await asyncio.sleep(self.ttl / 3)
            headers = {str(api.Header.EXPECTED_LAST_SUBJECT_SEQUENCE.value): str(self.revision)}
            try:
                ack = await self.store.js.publish(
                    subject, b"renewed", headers=headers, msg_ttl=self.ttl
                )
            except nats.errors.Error as exc:
                self.lost = exc
                return
            self.revision = ack.seq

    def check(self, doing: str) -> None:
        """Raise if the lock was lost (not renewed in time): ``doing`` would race."""
        if self.lost is not None:
            raise LedgerError(
                f"lost the register lock on bucket {BUCKET!r} before it could {doing} "
                f"({self.lost or type(self.lost).__name__}); nothing more was changed. Run "
                "register again"
            ) from self.lost

    async def release(self) -> None:
        if self._renewer is not None:
            self._renewer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._renewer
        if self.lost is None:
            with contextlib.suppress(nats.errors.Error):  # else it expires after the TTL
                await self.store.kv.delete(LOCK_KEY, last=self.revision)


async def _watch(watcher: KeyValue.KeyWatcher) -> list[KeyValue.Entry]:
    """What a watcher delivers up to the newest message when it started.

    Ends on the entry with nothing pending after it, not on nats-py's "initial values done"
    marker, which can come before entries already on their way. The caller makes sure there
    is at least one entry.
    """
    found: list[KeyValue.Entry] = []
    try:
        while True:
            entry = await watcher.updates(timeout=_WATCH_TIMEOUT)  # type: ignore[no-untyped-call]
            if isinstance(entry, KeyValue.Entry):
                found.append(entry)
                if not entry.delta:
                    return found
    finally:
        await watcher.stop()  # type: ignore[no-untyped-call]


def _revision(name: str, value: bytes | None, revision: int | None) -> LedgerRevision:
    try:
        return LedgerRevision(revision or 0, decode_entry(value or b""))
    except (ValueError, TypeError) as exc:  # msgspec.DecodeError/ValidationError are ValueErrors
        raise LedgerError(
            f"event {name!r}: the ledger entry at revision {revision} is not a protonats "
            f"ledger document ({exc}); something else wrote to bucket {BUCKET!r}",
            event=name,
        ) from exc


class _LedgerTimeoutError(LedgerError, JetStreamTimeoutError):
    """The ledger got no answer in time."""


class _LedgerNotEnabledError(LedgerError, JetStreamNotEnabledError):
    """The server has no JetStream, so no ledger."""


def _raise(exc: nats.errors.Error, doing: str) -> NoReturn:
    kind = failure_class(exc)
    cls: type[LedgerError] = LedgerError
    fix = _FIX
    if kind is JetStreamNotEnabledError:
        cls, fix = _LedgerNotEnabledError, "then register"
    elif kind is JetStreamTimeoutError:
        cls, fix = _LedgerTimeoutError, "retry"
    why = failure_reason(exc)
    description = getattr(exc, "description", None)
    raise cls(
        f"could not {doing} the schema ledger (KV bucket {BUCKET!r}): {why}; {fix}",
        code=getattr(exc, "code", None),
        err_code=getattr(exc, "err_code", None),
        description=description,
    ) from exc
