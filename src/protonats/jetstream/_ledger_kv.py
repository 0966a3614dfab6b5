"""The schema ledger on the server: the ``protonats-registry`` KV bucket, and the register lock.

The bucket's calls go through the boundary (``_nats_kv.Bucket``), whose failures leave as
``LedgerError`` naming the bucket (a refused write also a ``PermissionDeniedError``, a timeout
also a ``JetStreamTimeoutError``, a server without JetStream a ``JetStreamNotEnabledError``).
The register lock is a key created only if absent with a per-message TTL (nats-server 2.11+):
a live holder renews it by compare-and-set; a crashed one stops blocking others when it
expires.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import socket
import time
from collections.abc import AsyncIterator, Collection

from .._errors import LedgerError, RegisterLockTimeoutError
from .._text import printable
from ._ledger import LedgerEntry, LedgerRevision, decode_entry, encode_entry
from ._ledger_check import entry_problem
from ._nats import Link, api
from ._nats_kv import Bucket

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
log = logging.getLogger("protonats")
_BULK = 32
_FIX = (
    "check that the account may use JetStream KV (subjects $KV.protonats-registry.> and the "
    "stream KV_protonats-registry) and that nats-server is 2.11 or newer"
)


class LedgerStore:
    """The ledger bucket on one JetStream connection."""

    def __init__(self, bucket: Bucket) -> None:
        self.bucket = bucket

    @classmethod
    async def open(cls, link: Link) -> LedgerStore | None:
        """The bucket, or ``None`` if nothing was registered on this server yet."""
        found = await link.bucket(BUCKET, _FIX)
        return cls(found) if found is not None else None

    @classmethod
    async def ensure(cls, link: Link, *, replicas: int) -> LedgerStore:
        """The bucket, created with ``replicas`` when missing."""
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
        return cls(await link.create_bucket(config, _FIX))

    async def get(self, name: str) -> LedgerRevision | None:
        """The current document of event ``name``, or ``None`` if it was never registered."""
        found = await self.bucket.get(name)
        return _revision(name, found.value, found.revision) if found is not None else None

    async def current(
        self, names: Collection[str], *, invalid: dict[str, LedgerError] | None = None
    ) -> dict[str, LedgerRevision]:
        """The current revisions of the events ``names`` that have one: a get per name for a
        few, one pass over the bucket (no round trip per key) for many. An invalid entry
        raises its ``LedgerError``, or with ``invalid`` is put there (by event) instead."""
        if len(names) < _BULK:
            ordered = list(names)
            found = await asyncio.gather(*(self.bucket.get(name) for name in ordered))
            kept = [(n, e.value, e.revision) for n, e in zip(ordered, found, strict=True) if e]
        elif await self.bucket.count() == 0:
            return {}
        else:
            wanted = set(names)
            kept = [
                (e.key, e.value, e.revision)
                for e in await self.bucket.entries()
                if e.key in wanted and not e.deleted
            ]
        result: dict[str, LedgerRevision] = {}
        for name, value, revision in kept:
            try:
                result[name] = _revision(name, value, revision)
            except LedgerError as exc:
                if invalid is None:
                    raise
                invalid[name] = exc
        return result

    async def history(self, name: str) -> list[LedgerRevision]:
        """Every kept revision of event ``name``, oldest first. An invalid older revision is
        left out with a WARNING naming it; an invalid current one raises ``LedgerError``."""
        if await self.get(name) is None:
            return []
        found = [e for e in await self.bucket.entries(name, history=True) if not e.deleted]
        kept: list[LedgerRevision] = []
        for position, item in enumerate(found):
            try:
                kept.append(_revision(name, item.value, item.revision))
            except LedgerError as exc:
                if position == len(found) - 1:
                    raise
                log.warning("protonats: %s; that revision is left out of the history", exc)
        return kept

    async def entries(self) -> list[LedgerRevision]:
        """The current document of every event in the ledger, by event name; an invalid one
        is left out with a WARNING naming it (``register`` of that event rewrites it)."""
        if await self.bucket.count() == 0:
            return []
        kept: list[LedgerRevision] = []
        for item in await self.bucket.entries():
            if item.deleted or item.key.startswith("_"):
                continue
            try:
                kept.append(_revision(item.key, item.value, item.revision))
            except LedgerError as exc:
                log.warning("protonats: %s; it is left out of the listing", exc)
        return sorted(kept, key=lambda r: r.entry.event)

    async def write(self, entry: LedgerEntry, last: int | None) -> int:
        """Write ``entry`` if the key is still at revision ``last`` (absent when ``None``)."""
        revision = await self.bucket.put(entry.event, encode_entry(entry), last)
        if revision is None:
            raise LedgerError(
                f"event {entry.event!r}: the ledger entry changed while registering (expected "
                f"revision {last}); another process wrote it without the register lock. Run "
                "register again",
                event=entry.event,
            )
        return revision

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
        if not await self.bucket.allows_ttl():
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
        bucket = self.store.bucket
        checked = False
        while True:
            revision = await bucket.put(LOCK_KEY, owner, None, ttl=self.ttl)
            if revision is not None:
                self.revision = revision
                break
            # held by someone else
            if not checked:
                checked = True
                await self._refuse_foreign()
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
            found = await self.store.bucket.get(LOCK_KEY)
        except LedgerError:
            return "unknown"
        return printable((found.value if found is not None else b"?").decode(errors="replace"))

    async def _refuse_foreign(self) -> None:
        """Raise at once if the lock entry is not a protonats register lock, or has no TTL:
        waiting would not help (it never expires), a person must remove it."""
        bucket = self.store.bucket
        found = await bucket.get(LOCK_KEY)
        if found is None:
            return  # released meanwhile
        why = None
        if not _is_lock(found.value):
            why = "is not a protonats register lock"
        elif await bucket.ttl_of(LOCK_KEY) is None:
            # The holder may have released it between the two reads (the last message is then
            # a delete marker, which has no TTL): only the same entry, still there, counts.
            now = await bucket.get(LOCK_KEY)
            if now is None or now.revision != found.revision:
                return
            why = "has no TTL, so it never expires"
        if why is not None:
            holder = printable(found.value[:200].decode(errors="replace"))
            raise LedgerError(
                f"the register lock {LOCK_KEY!r} in bucket {BUCKET!r} {why} (it holds "
                f"{holder!r}); no register can run while it is there. If no register is "
                f"running, remove it: nats kv del {BUCKET} {LOCK_KEY}",
                stream=STREAM,
            )

    async def _renew(self) -> None:
        while True:
            await asyncio.sleep(self.ttl / 3)
            try:
                revision = await self.store.bucket.put(
                    LOCK_KEY, b"renewed", self.revision, ttl=self.ttl
                )
            except LedgerError as exc:
                self.lost = exc
                return
            if revision is None:
                self.lost = LedgerError(f"the lock's revision is no longer {self.revision}")
                return
            self.revision = revision

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
            await self.store.bucket.delete(LOCK_KEY, self.revision)  # else its TTL ends it


def _revision(name: str, value: bytes | None, revision: int | None) -> LedgerRevision:
    """The document at ``revision`` of key ``name``, checked (``LedgerError`` if bad)."""
    try:
        entry = decode_entry(value or b"")
    except (ValueError, TypeError) as exc:  # msgspec.DecodeError/ValidationError are ValueErrors
        raise _invalid(name, revision, f"it is not a protonats ledger document ({exc})") from exc
    problem = entry_problem(name, entry)
    if problem is not None:
        raise _invalid(name, revision, problem)
    return LedgerRevision(revision or 0, entry)


def _invalid(name: str, revision: int | None, problem: str) -> LedgerError:
    return LedgerError(
        f"event {name!r}: the ledger entry at revision {revision} is invalid: {problem}; "
        f"something other than protonats wrote to bucket {BUCKET!r}. Register the event "
        "again (protonats register) to rewrite it",
        event=name,
        revision=revision,
        invalid=problem,
    )


def _is_lock(value: bytes) -> bool:
    """Whether ``value`` is what a register lock holds: its owner, or a renewal."""
    if value == b"renewed":
        return True
    try:
        owner = json.loads(value)
    except ValueError:
        return False
    return isinstance(owner, dict) and set(owner) == {"host", "pid"}
