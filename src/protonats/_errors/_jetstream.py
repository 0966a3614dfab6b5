"""Errors the JetStream API answers with: streams, consumers, permissions, timeouts, the ledger;
and their combinations with the message errors (a refusal of one message is both)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ._base import ProtonatsError
from ._messages import EmitError

__all__ = [
    "ConsumerConfigError",
    "ConsumerDeletedError",
    "ConsumerError",
    "DataLossError",
    "JetStreamError",
    "JetStreamNotEnabledError",
    "JetStreamTimeoutError",
    "LedgerError",
    "MessageRejectedError",
    "NewerRegistryError",
    "PermissionDeniedError",
    "PublishPermissionError",
    "RegisterLockTimeoutError",
    "RegistryFingerprintError",
    "SchemaIncompatibleError",
    "StreamConfigError",
    "StreamExistsError",
    "StreamUnavailableError",
]


class JetStreamError(ProtonatsError):
    """The JetStream API refused a request; ``code``/``err_code``/``description`` come from it.

    Likely causes: JetStream disabled on the server, missing permissions, account limits.
    """

    def __init__(
        self,
        message: str,
        *,
        event: str | None = None,
        stream: str | None = None,
        code: int | None = None,
        err_code: int | None = None,
        description: str | None = None,
    ) -> None:
        super().__init__(message)
        self.event = event
        self.stream = stream
        self.code = code
        self.err_code = err_code
        self.description = description


class StreamConfigError(JetStreamError):
    """The stream exists with a config that ``register`` may not or cannot change.

    Likely causes: storage or retention changed in the declaration (JetStream cannot edit
    them), or a limit the server rejects. ``field``, ``old`` and ``new`` say what differs.
    """

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        old: Any = None,
        new: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.field = field
        self.old = old
        self.new = new


class DataLossError(StreamConfigError):
    """A lowered limit would make the server delete messages the stream holds; ``register``
    refuses it and changes nothing.

    ``field`` is the limit (``age``, ``messages``, ``bytes``), ``old``/``new`` its values in
    ``Limits`` units (``None``: unlimited), ``would_drop`` the messages the server would delete
    at once and ``would_drop_bytes`` about how many bytes they hold. Apply it on purpose
    with ``register(allow_data_loss=True)`` (``protonats register --allow-data-loss``).
    """

    def __init__(self, message: str, *, would_drop: int, would_drop_bytes: int, **kwargs: Any):
        super().__init__(message, **kwargs)
        self.would_drop = would_drop
        self.would_drop_bytes = would_drop_bytes


class NewerRegistryError(StreamConfigError):
    """The stream was registered by a newer registry version; an older one must not revert it.

    Likely cause: an old deployment restarted after a new one. Deploy the newer version.
    """


class RegistryFingerprintError(StreamConfigError):
    """The stream carries this registry's version but another declaration's fingerprint.

    Likely cause: the registry was changed and rebuilt without a new version (a hand-set
    version, or a build from a dirty tree). Regenerate it with ``make generate`` so the
    version is derived again, or bump the version. ``old``/``new`` are the two fingerprints.
    """


class StreamExistsError(JetStreamError):
    """A stream with this name or subject exists and was not created by protonats for this event.

    Likely causes: a stream made by hand or another tool, or another event's stream listening
    on the same subject. protonats never takes such a stream over.
    """


class MessageRejectedError(EmitError, JetStreamError):
    """The stream refused to store the message; ``err_code`` and ``description`` say why.

    Likely causes: a full stream with ``Discard.NEW``, a message over the stream's max size
    (set by another registry), or a wrong expected stream.
    """


class LedgerError(JetStreamError):
    """The schema ledger (the ``protonats-registry`` KV bucket) cannot be read or written.

    Likely causes: no permission on ``$KV.protonats-registry.>`` or ``KV_protonats-registry``,
    a nats-server older than 2.11 (no per-message TTL), JetStream unavailable; or an entry
    that is not a valid ledger document: then ``event``, ``revision`` and ``invalid`` say
    which and what is wrong (``register`` rewrites it).
    """

    def __init__(
        self,
        message: str,
        *,
        revision: int | None = None,
        invalid: str | None = None,
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.revision = revision
        self.invalid = invalid


class RegisterLockTimeoutError(LedgerError, TimeoutError):
    """Another ``register`` held the registry lock for longer than this one would wait.

    A crashed registrant's lock expires on its own (its TTL); a live one renews it. Retry, or
    raise ``lock_timeout``.
    """


class SchemaIncompatibleError(ProtonatsError, ValueError):
    """``register`` refused a schema that cannot read what the ledger's current schema wrote.

    ``event``, ``field`` and ``rule`` say what is wrong; ``problems`` lists every finding.
    Fix the schema (reserve removed numbers, add a new field instead of changing a type), or
    register with ``allow_incompatible=True`` (``--allow-incompatible``) on purpose.
    """

    def __init__(
        self,
        message: str,
        *,
        event: str,
        field: str | None,
        rule: str,
        problems: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.event = event
        self.field = field
        self.rule = rule
        self.problems = list(problems)


class ServerTooOldError(EmitError, StreamConfigError):
    """The connected nats-server lacks a JetStream feature the event, actor or call needs;
    raised (or shown by ``plan``) before anything is sent.

    ``feature`` names it (``per-message TTL``), ``needed`` the first nats-server version that
    has it (``2.11.0``), ``server_version`` the connected server's (``2.10.26``); ``field`` is
    the declaration or argument that asks for it (``allow_ttl``). Upgrade the servers, or
    declare the event or actor without it.
    """

    def __init__(
        self,
        message: str,
        *,
        feature: str,
        needed: str,
        server_version: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.feature = feature
        self.needed = needed
        self.server_version = server_version


class AtomicBatchError(EmitError, JetStreamError):
    """An atomic ``emit_many(..., atomic=True)`` was not committed: none of its messages is
    stored. ``code``, ``err_code`` and ``description`` are the server's reason (a duplicate
    uid, an expected-sequence mismatch, an idle batch, too many batches in flight, a message
    the stream refuses); ``index`` is the message it is about, when the server says.
    """

    def __init__(self, message: str, *, index: int | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.index = index


class ConsumerConfigError(StreamConfigError):
    """An actor's durable consumer exists with a config ``register`` may not or cannot change.

    Likely causes: a consumer of that name made by hand or by ``consume()`` (protonats never
    takes it over), or a field JetStream cannot edit. ``field``, ``old`` and ``new`` say what.
    """


class StreamUnavailableError(EmitError, JetStreamError):
    """The stream exists but did not answer: no leader yet (an election) or it is recovering.

    Nothing was stored. Retry the emit (with the same ``uid``) in a moment.
    """


class PermissionDeniedError(JetStreamError, PermissionError):
    """The server's permissions do not let this user publish to ``subject``.

    ``operation`` is ``"publish"`` (or ``"subscribe"``). Grant it in the server's
    ``authorization``/``accounts`` config, or connect as a user that has it; retrying will
    not help.
    """

    def __init__(
        self,
        message: str,
        *,
        subject: str | None = None,
        operation: str = "publish",
        **kwargs: Any,
    ) -> None:
        super().__init__(message, **kwargs)
        self.subject = subject
        self.operation = operation


class PublishPermissionError(EmitError, PermissionDeniedError):
    """The server refused the publish: this user may not publish to the subject.

    Nothing was stored. Fix the user's publish permissions; retrying will not help.
    """


class JetStreamNotEnabledError(JetStreamError):
    """The server (or this account) has no JetStream: start ``nats-server -js`` or enable it."""


class JetStreamTimeoutError(JetStreamError, TimeoutError):
    """A JetStream API call got no answer in time: the server is paused, overloaded or
    electing a leader. Whether the call took effect is unknown; it is safe to retry."""


class ConsumerError(JetStreamError):
    """A consumer failed: fetching, acking or creating it. ``consumer`` names it."""

    def __init__(self, message: str, *, consumer: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.consumer = consumer


class ConsumerDeletedError(ConsumerError):
    """The consumer, or the stream under it, was deleted while it was in use."""


# Combinations: a failure that is both of two errors above. Not exported (catch either
# parent); drawn in the tree of ``protonats._errors`` under the first parent.


class ConsumerTimeoutError(ConsumerError, JetStreamTimeoutError):
    """A consumer call or pull request got no answer: the server is paused, overloaded or
    unreachable."""


class ConsumerNotEnabledError(ConsumerError, JetStreamNotEnabledError):
    """A consumer call on a server without JetStream."""


class LedgerTimeoutError(LedgerError, JetStreamTimeoutError):
    """The ledger got no answer in time."""


class LedgerNotEnabledError(LedgerError, JetStreamNotEnabledError):
    """The server has no JetStream, so no ledger."""


class LedgerPermissionError(LedgerError, PermissionDeniedError):
    """The server refused a write (or read) of the ledger's KV bucket: no permission on
    ``subject``."""
