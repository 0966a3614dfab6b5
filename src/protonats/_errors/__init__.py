"""Every error protonats raises, in one hierarchy, so a caller can catch as broadly as it likes.

::

    ProtonatsError                      base of everything below
    ├── ActorDeclarationError (ValueError)   an Actor or Actors is declared wrong
    ├── BuildError                           buf cannot build an input, or its descriptors are bad
    │   └── BufError                         buf could not run under ``protonats breaking``
    ├── CodegenError                         the protoc plugin refuses its input (file:line:col)
    ├── ConnectError (ConnectionError)       no usable connection to NATS
    │   ├── AuthError (PermissionError)      the server refused the credentials
    │   └── TLSError                         the TLS handshake failed (CA, hostname, no TLS)
    ├── DecodeError (ValueError)             a payload does not decode with the event's schema
    ├── EmitError                            a message was not stored
    │   ├── AckTimeoutError (TimeoutError)   no ack in time: stored or not, unknown
    │   ├── ConnectionClosedError ·          the connection closed before the ack
    │   ├── AtomicBatchError (JetStreamError)  an atomic batch was not committed: none stored
    │   ├── BatchEmitError                   some messages of emit_many failed
    │   ├── DelayError (ValueError)          emit(delay=) cannot be honoured: why, and the fix
    │   ├── EncodeError (ValueError)         a message of the schema does not encode
    │   ├── MessageRejectedError (JetStreamError)  the stream refused to store it
    │   ├── MessageTooLargeError (ValueError) payload over limits.message_size
    │   ├── MessageTypeError (TypeError)     message is not the event's schema
    │   ├── NoStreamError                    no stream listens on the subject: register first
    │   ├── PublishPermissionError (PermissionDeniedError)  the user may not publish there
    │   ├── StreamUnavailableError (JetStreamError)  the stream exists, no leader answered: retry
    │   └── UnknownEventError (KeyError)     event not in the registry
    ├── EventDeclarationError (ValueError)   an Event, Limits or Events is declared wrong
    │   ├── InvalidDescriptionError          description too long
    │   ├── InvalidEventNameError            name breaks the kebab-case rule
    │   └── InvalidLimitsError               a limit is negative, too small, or inconsistent
    ├── JetStreamError                       the server refused a JetStream API call
    │   ├── ConsumerError                    a consumer failed: its event and consumer named
    │   │   ├── ConsumerDeletedError         the consumer (or its stream) was deleted
    │   │   ├── ConsumerNotEnabledError · (JetStreamNotEnabledError)  no JetStream under it
    │   │   └── ConsumerTimeoutError · (JetStreamTimeoutError)  a call or pull got no answer
    │   ├── JetStreamNotEnabledError         the server or account has no JetStream
    │   ├── JetStreamTimeoutError (TimeoutError)  no answer in time: server paused or electing
    │   ├── LedgerError                      the schema ledger (KV bucket) cannot be read or written
    │   │   ├── LedgerNotEnabledError · (JetStreamNotEnabledError)  no JetStream, no ledger
    │   │   ├── LedgerPermissionError · (PermissionDeniedError)  the server refused a write
    │   │   ├── LedgerTimeoutError · (JetStreamTimeoutError)  the ledger got no answer in time
    │   │   └── RegisterLockTimeoutError (TimeoutError)  another register held the lock too long
    │   ├── PermissionDeniedError (PermissionError)  the user may not publish to a subject
    │   ├── StreamConfigError                register would change what JetStream cannot change
    │   │   ├── ConsumerConfigError          an actor's consumer cannot be made to match
    │   │   ├── DataLossError                a lowered limit would delete stored messages
    │   │   ├── NewerRegistryError           the stream was written by a newer registry version
    │   │   ├── RegistryFingerprintError     same registry version, different declaration
    │   │   └── ServerTooOldError (EmitError)  the server lacks a feature: which, since when
    │   └── StreamExistsError                the stream or its subjects belong to something else
    ├── SchemaIncompatibleError (ValueError) register: the schema cannot read what the ledger's did
    └── UnsupportedSchemaError (TypeError)   no serializer knows the schema

    CliError                                 the command line's own: one error line, exit 1
    └── UsageError                           the command line is wrong: exit 2
    CommandStopped                           a signal stopped a command: exit 130 or 143

``·`` marks a class that is not exported from ``protonats`` (a failure that is both of two
errors: catch either parent). ``BufError`` and the CLI's errors (``_cli``; the CLI's outside
``ProtonatsError``) are the tools' own, not exported either: the runtime never raises them.
No other module defines an exception class (``tests/test_layout.py`` checks it).

``JetStreamError`` keeps the server's ``code``, ``err_code`` and ``description``;
``ConnectError`` keeps the server's or the TLS library's reason in ``description``. Errors are
chained (``raise ... from``) to the client error behind them, never changed once raised
(``with_message`` makes a new one), and never carry a password, token or seed.
"""

from ._base import (
    REGISTER_FIRST,
    ActorDeclarationError,
    BuildError,
    CodegenError,
    EventDeclarationError,
    Fix,
    InvalidDescriptionError,
    InvalidEventNameError,
    InvalidLimitsError,
    ProtonatsError,
    UnsupportedSchemaError,
    with_message,
)
from ._connect import (
    AuthError,
    ConnectError,
    TLSError,
)
from ._jetstream import (
    AtomicBatchError,
    ConsumerConfigError,
    ConsumerDeletedError,
    ConsumerError,
    DataLossError,
    JetStreamError,
    JetStreamNotEnabledError,
    JetStreamTimeoutError,
    LedgerError,
    MessageRejectedError,
    NewerRegistryError,
    PermissionDeniedError,
    PublishPermissionError,
    RegisterLockTimeoutError,
    RegistryFingerprintError,
    SchemaIncompatibleError,
    ServerTooOldError,
    StreamConfigError,
    StreamExistsError,
    StreamUnavailableError,
)
from ._messages import (
    AckTimeoutError,
    BatchEmitError,
    DecodeError,
    DelayError,
    EmitError,
    EncodeError,
    MessageTooLargeError,
    MessageTypeError,
    NoStreamError,
    UnknownEventError,
)

__all__ = [
    "REGISTER_FIRST",
    "AckTimeoutError",
    "ActorDeclarationError",
    "AtomicBatchError",
    "AuthError",
    "BatchEmitError",
    "BuildError",
    "CodegenError",
    "ConnectError",
    "ConsumerConfigError",
    "ConsumerDeletedError",
    "ConsumerError",
    "DataLossError",
    "DecodeError",
    "DelayError",
    "EmitError",
    "EncodeError",
    "EventDeclarationError",
    "Fix",
    "InvalidDescriptionError",
    "InvalidEventNameError",
    "InvalidLimitsError",
    "JetStreamError",
    "JetStreamNotEnabledError",
    "JetStreamTimeoutError",
    "LedgerError",
    "MessageRejectedError",
    "MessageTooLargeError",
    "MessageTypeError",
    "NewerRegistryError",
    "NoStreamError",
    "PermissionDeniedError",
    "ProtonatsError",
    "PublishPermissionError",
    "RegisterLockTimeoutError",
    "RegistryFingerprintError",
    "SchemaIncompatibleError",
    "ServerTooOldError",
    "StreamConfigError",
    "StreamExistsError",
    "StreamUnavailableError",
    "TLSError",
    "UnknownEventError",
    "UnsupportedSchemaError",
    "with_message",
]
