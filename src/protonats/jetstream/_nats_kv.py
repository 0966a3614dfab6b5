"""Part of the boundary: one JetStream KV bucket, every failure a ``LedgerError`` naming it.

Each call is guarded like every JetStream call of the ``Link``: a write (or read) the server
refuses is a ``PermissionDeniedError`` (and a ``LedgerError``) naming the subject and the
bucket at once, not a timeout. A write to a key that is not at the expected revision returns
``None`` instead of raising, so the caller decides what a conflict means.
"""

from __future__ import annotations

import contextlib
import dataclasses
from typing import NoReturn

import nats.errors
from nats.js import JetStreamContext, api
from nats.js import errors as js_errors
from nats.js.kv import KeyValue

from .._errors import LedgerError, PermissionDeniedError
from ._nats_errors import DEFAULT_API_PREFIX, STREAM_NAME_IN_USE, ServerErrors, kv_error

__all__ = ["Bucket", "KvEntry"]

_WATCH_TIMEOUT = 10.0
_FAILURES = (nats.errors.Error, PermissionDeniedError)  # the guard's refusal, or nats-py's
_EXPECTED_LAST = str(api.Header.EXPECTED_LAST_SUBJECT_SEQUENCE.value)
_KV_OPERATION = "KV-Operation"
_TTL = "Nats-TTL"
_WRONG_LAST = (10071, 10164)  # the key is not at the expected revision


@dataclasses.dataclass(frozen=True, slots=True)
class KvEntry:
    """One value of a key (``deleted``: a delete or purge marker)."""

    key: str
    value: bytes
    revision: int
    deleted: bool = False


class Bucket:
    """A KV bucket on one JetStream context; open one with ``Link.bucket``."""

    __slots__ = (
        "_direct",
        "_errors",
        "_fix",
        "_info",
        "_js",
        "_kv",
        "_writes",
        "name",
        "stream",
    )

    def __init__(
        self,
        js: JetStreamContext,
        errors: ServerErrors,
        prefix: str,
        kv: KeyValue,
        name: str,
        fix: str,
    ) -> None:
        self._js = js
        self._errors = errors
        self._kv = kv
        self._fix = fix
        self.name = name
        self.stream = f"KV_{name}"
        self._info = f"{prefix}.STREAM.INFO.{self.stream}"
        self._direct = f"{prefix}.DIRECT.GET.{self.stream}."  # a get of the last by subject
        self._writes = "" if prefix == DEFAULT_API_PREFIX else f"{prefix}."

    @classmethod
    async def open(
        cls, js: JetStreamContext, errors: ServerErrors, prefix: str, name: str, fix: str
    ) -> Bucket | None:
        try:
            kv = await errors.guard(f"{prefix}.STREAM.INFO.KV_{name}", js.key_value(name))
        except js_errors.BucketNotFoundError:
            return None
        except _FAILURES as exc:
            _fail(exc, name, "open", fix)
        return cls(js, errors, prefix, kv, name, fix)

    @classmethod
    async def create(
        cls,
        js: JetStreamContext,
        errors: ServerErrors,
        prefix: str,
        config: api.KeyValueConfig,
        fix: str,
    ) -> Bucket:
        name = config.bucket
        try:
            kv = await errors.guard(
                f"{prefix}.STREAM.CREATE.KV_{name}", js.create_key_value(config)
            )
        except js_errors.APIError as exc:
            if exc.err_code != STREAM_NAME_IN_USE:  # else another process made it first
                _fail(exc, name, "create", fix)
            found = await cls.open(js, errors, prefix, name, fix)
            if found is None:
                _fail(exc, name, "create", fix)
            return found
        except _FAILURES as exc:
            _fail(exc, name, "create", fix)
        return cls(js, errors, prefix, kv, name, fix)

    def _subject(self, key: str) -> str:
        return f"$KV.{self.name}.{key}"

    async def get(self, key: str) -> KvEntry | None:
        """The current value of ``key``, or None when it has none (never set, or deleted)."""
        try:
            subject = self._direct + self._subject(key)
            found = await self._errors.guard(subject, self._kv.get(key))
        except js_errors.KeyNotFoundError:
            return None
        except _FAILURES as exc:
            _fail(exc, self.name, f"read {key!r} from", self._fix)
        return KvEntry(key, found.value or b"", found.revision or 0)

    async def ttl_of(self, key: str) -> str | None:
        """The ``Nats-TTL`` header of ``key``'s current value (None: it has none, or no value)."""
        try:
            api_subject = self._info.replace(".STREAM.INFO.", ".STREAM.MSG.GET.")
            get = self._js.get_msg(self.stream, subject=self._subject(key))
            found = await self._errors.guard(api_subject, get)
        except js_errors.NotFoundError:
            return None
        except _FAILURES as exc:
            _fail(exc, self.name, f"read {key!r} from", self._fix)
        return (found.headers or {}).get(_TTL)

    async def put(
        self, key: str, value: bytes, last: int | None, *, ttl: float | None = None
    ) -> int | None:
        """Write ``value`` if ``key`` is still at revision ``last`` (absent or deleted when
        None), with a per-message ``ttl``; its new revision, or None when it was not."""
        revision = await self._write(key, value, {_EXPECTED_LAST: str(last or 0)}, ttl)
        if revision is None and last is None:  # absent, or deleted: its delete marker is last
            marker = await self._deleted(key)
            if marker is not None:
                headers = {_EXPECTED_LAST: str(marker)}
                revision = await self._write(key, value, headers, ttl)
        return revision

    async def delete(self, key: str, last: int) -> None:
        """Delete ``key`` if still at revision ``last``; a failure is left to its TTL."""
        headers = {_KV_OPERATION: "DEL", _EXPECTED_LAST: str(last)}
        with contextlib.suppress(LedgerError):
            await self._write(key, b"", headers, None)

    async def _write(
        self, key: str, value: bytes, headers: dict[str, str], ttl: float | None
    ) -> int | None:
        """Publish to the key (under a domain's API prefix, as the server maps KV writes of a
        domain: ``$JS.<domain>.API.$KV.<bucket>.<key>``); None when the expected last
        revision did not hold."""
        subject = self._writes + self._subject(key)
        sent = self._js.publish(subject, value, headers=headers, msg_ttl=ttl)
        try:
            return (await self._errors.guard(subject, sent)).seq
        except js_errors.APIError as exc:
            if exc.err_code in _WRONG_LAST:
                return None
            _fail(exc, self.name, f"write {key!r} to", self._fix)
        except _FAILURES as exc:
            _fail(exc, self.name, f"write {key!r} to", self._fix)

    async def _deleted(self, key: str) -> int | None:
        """The revision of ``key``'s delete marker, None when it has a value or none at all."""
        try:
            await self._kv.get(key)
        except js_errors.KeyNotFoundError as exc:
            entry = exc.entry
            return int(entry.revision) if entry is not None and entry.revision else None
        except _FAILURES as exc:
            _fail(exc, self.name, f"read {key!r} from", self._fix)
        return None

    async def count(self) -> int:
        """How many values the bucket holds (all keys, all kept revisions)."""
        try:
            return int((await self._kv.status()).values)
        except _FAILURES as exc:
            _fail(exc, self.name, "read", self._fix)

    async def allows_ttl(self) -> bool:
        """Whether the bucket's stream allows per-message TTLs."""
        try:
            info = await self._errors.guard(self._info, self._js.stream_info(self.stream))
        except _FAILURES as exc:
            _fail(exc, self.name, "look up", self._fix)
        return bool(info.config.allow_msg_ttl)

    async def entries(self, key: str | None = None, *, history: bool = False) -> list[KvEntry]:
        """What a watcher of ``key`` (every key when None) delivers up to the newest message
        when it started; with ``history``, every kept revision. The bucket must hold at least
        one matching entry."""
        try:
            if key is None:
                watcher = await self._kv.watchall()
            else:
                watcher = await self._kv.watch(key, include_history=history)
            found = await _drain(watcher)
        except _FAILURES as exc:
            what = "read" if key is None else f"read the history of {key!r} from"
            _fail(exc, self.name, what, self._fix)
        return [
            KvEntry(e.key, e.value or b"", e.revision or 0, e.operation is not None) for e in found
        ]


async def _drain(watcher: KeyValue.KeyWatcher) -> list[KeyValue.Entry]:
    """Ends on the entry with nothing pending after it, not on nats-py's "initial values done"
    marker, which can come before entries already on their way."""
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


def _fail(exc: BaseException, bucket: str, doing: str, fix: str) -> NoReturn:
    kv_error(exc, bucket, doing, fix)
