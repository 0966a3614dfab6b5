"""Every rule of ``buf-plugin-protonats``: id, type and purpose, and the category they share.

The ids are stable (``buf.yaml`` lists them in ``except`` and ``ignore_only``): never rename
one. The rule code lives in ``protonats.checks`` (``_lint`` and ``_rules``); this table is what
``buf config ls-lint-rules`` / ``ls-breaking-rules`` show. Plain tuples, no imports: the list
calls answer from it without loading protobuf or protonats.
"""

from __future__ import annotations

__all__ = ["BREAKING", "CATEGORY", "CATEGORY_PURPOSE", "LINT", "RULES"]

LINT = 1
"""``buf.plugin.check.v1.RuleType.RULE_TYPE_LINT``."""
BREAKING = 2
"""``buf.plugin.check.v1.RuleType.RULE_TYPE_BREAKING``."""

CATEGORY = "PROTONATS_EVENTS"
CATEGORY_PURPOSE = (
    "Checks protonats event declarations: names, descriptions, stream limits, and changes that "
    "lose or split the data of an event's stream."
)

RULES: tuple[tuple[str, int, str], ...] = (
    # --- lint: what the code generator checks, reported before anything is generated --------
    ("EVENT_NAME_FORMAT", LINT,
     "Checks that event names are lower-case kebab-case of at most 64 characters."),
    ("EVENT_NAME_UNIQUE", LINT,
     "Checks that each event name is declared on one message only across the module."),
    ("EVENT_DESCRIPTION_LENGTH", LINT,
     "Checks that event descriptions are at most 4096 characters."),
    ("EVENT_LIMIT_RANGE", LINT,
     "Checks that each stream limit is in its range and unit, as protonats.Limits does."),
    ("EVENT_DUPLICATE_WINDOW_MAX_AGE", LINT,
     "Checks that an event's duplicate_window is not longer than its max_age."),
    ("EVENT_MESSAGE_TTL_MAX_AGE", LINT,
     "Checks that an event's message_ttl is not longer than its max_age."),
    ("EVENT_ALLOW_DELAY_DISCARD_NEW", LINT,
     "Checks that an event with allow_delay keeps discard old (message scheduling needs it)."),
    ("EVENT_POLICY_KNOWN", LINT,
     "Checks that an event's storage, retention and discard are known values."),
    ("EVENT_OPTION_ON_MESSAGE", LINT,
     "Checks that the event option is on a message (not a map entry) of a file with a package."),
    ("EVENT_OPTION_PROTO_UNCHANGED", LINT,
     "Checks that protonats/v1/options.proto is the one protonats ships."),
    # --- breaking: changes that lose or split the data of an event's stream -----------------
    ("EVENT_REMOVED", BREAKING,
     "Checks that no event is removed together with its message."),
    ("EVENT_OPTION_REMOVED", BREAKING,
     "Checks that no message loses its (protonats.v1.event) option."),
    ("EVENT_RENAMED", BREAKING,
     "Checks that a message keeps its event name (the name is the stream and subject)."),
    ("EVENT_NAME_MOVED", BREAKING,
     "Checks that an event name stays on the same message type."),
    ("EVENT_SCHEMA_INCOMPATIBLE", BREAKING,
     "Checks that an event's message can still read stored messages: fields, types, labels."),
    ("EVENT_SCHEMA_ONEOF_CHANGED", BREAKING,
     "Checks that no existing field of an event's message moves into, out of or between oneofs."),
    ("EVENT_SCHEMA_ENUM_CHANGED", BREAKING,
     "Checks that enum values of an event's message are not removed unreserved or renumbered."),
    ("EVENT_STORAGE_CHANGED", BREAKING,
     "Checks that an event's stream storage does not change (JetStream cannot change it)."),
    ("EVENT_RETENTION_CHANGED", BREAKING,
     "Checks that an event's stream retention does not change (JetStream cannot change it)."),
    ("EVENT_REPLICAS_LOWERED", BREAKING,
     "Checks that an event's stream replicas are not lowered."),
    ("EVENT_MAX_AGE_LOWERED", BREAKING,
     "Checks that an event's max_age is not lowered, or set where it was unlimited "
     "(register refuses it while the stream holds older messages: --allow-data-loss)."),
    ("EVENT_MAX_BYTES_LOWERED", BREAKING,
     "Checks that an event's max_bytes is not lowered, or set where it was unlimited "
     "(register refuses it while the stream holds more: --allow-data-loss)."),
    ("EVENT_MAX_MESSAGES_LOWERED", BREAKING,
     "Checks that an event's max_messages is not lowered, or set where it was unlimited "
     "(register refuses it while the stream holds more: --allow-data-loss)."),
    ("EVENT_MAX_MESSAGE_SIZE_LOWERED", BREAKING,
     "Checks that an event's max_message_size is not lowered, or set where it was unlimited."),
    ("EVENT_DUPLICATE_WINDOW_CHANGED", BREAKING,
     "Checks that an event's effective duplicate window does not change."),
    ("EVENT_ALLOW_TTL_REMOVED", BREAKING,
     "Checks that an event keeps allow_ttl (or message_ttl): producers set per-message TTLs."),
    ("EVENT_ALLOW_ATOMIC_REMOVED", BREAKING,
     "Checks that an event keeps allow_atomic: producers emit atomic batches."),
    ("EVENT_ALLOW_DELAY_REMOVED", BREAKING,
     "Checks that an event keeps allow_delay: producers emit delayed messages."),
    ("EVENT_EXTENSION_NUMBER_CHANGED", BREAKING,
     "Checks that the (protonats.v1.event) extension keeps its field number."),
)  # fmt: skip
"""``(id, type, purpose)``, in the order ``list-rules`` returns them."""
