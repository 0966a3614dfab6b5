"""Every limit and stream policy of an event, each defined once, in one table.

A row says all there is to know about one limit: its ``Limits`` keyword, its field in the
option's ``protonats.v1.Limits`` message (the number is read from the option's descriptor), its
JetStream ``StreamConfig`` field, its unit, what JetStream applies when it is unset, its label
for people, the breaking rule that guards it, and its validation. The stream config and the
plan (``jetstream/_config.py``), the breaking gate (``breaking/``), the CLI's numbers for people
(``cli/_human.py``) and the code generator (``codegen/``) all read these rows.

Adding a limit: a row in ``LIMITS``, the ``Limits`` attribute of the same keyword, the field in
``options.proto`` (then ``make runtime-proto``); ``tests/test_fields.py`` checks they agree.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from typing import Any, NoReturn, TypeVar

from google.protobuf.descriptor import EnumDescriptor

from .._errors import InvalidLimitsError
from ..v1 import options_pb2
from ._policies import Discard, Retention, Storage
from ._units import Unit, count, duration, size

__all__ = [
    "BY_FLAG",
    "BY_JETSTREAM",
    "BY_KEYWORD",
    "BY_PROTO",
    "DEFAULT_DUPLICATE_WINDOW",
    "EXTENSION_NAME",
    "EXTENSION_NUMBER",
    "FLAGS",
    "LIMITS",
    "NS",
    "POLICIES",
    "FlagField",
    "Guard",
    "LimitField",
    "PolicyField",
    "Unit",
    "count",
    "duration",
    "size",
    "validate",
]

EXTENSION_NAME: str = options_pb2.event.full_name
"""The option's full name, ``protonats.v1.event`` (declared in ``options.proto``)."""
EXTENSION_NUMBER: int = options_pb2.EVENT_FIELD_NUMBER
"""The option's number in ``MessageOptions``, fixed forever (declared in ``options.proto``)."""
NS = 1_000_000_000
"""Nanoseconds in a second: JetStream's durations are integer nanoseconds."""
DEFAULT_DUPLICATE_WINDOW = 120
"""Seconds: the duplicate window JetStream applies when none is declared (capped by max age)."""

_N = TypeVar("_N", int, float)


class Guard(enum.Enum):
    """When a limit's breaking rule fires."""

    LOWERED = "lowered"
    """The applied value goes down (unset is no limit, or the default)."""
    CHANGED = "changed"
    """The applied value changes at all."""


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class LimitField:
    """One stream limit, everywhere it appears."""

    keyword: str
    """The ``protonats.Limits`` attribute."""
    proto: str
    """The field of ``protonats.v1.Limits`` in the option."""
    jetstream: str | None
    """The field of JetStream's ``StreamConfig``; ``None`` for a limit emit applies to each
    message (``message_ttl``: the ``Nats-TTL`` header)."""
    unit: Unit
    label: str
    """For people: ``max age``."""
    meaning: str
    """What it means for people using the event (the catalog says it)."""
    minimum: float = 1
    maximum: float | None = None
    """For a count, the largest valid value; for seconds, where nanoseconds are suspected."""
    default: int | None = None
    """What JetStream applies when unset; ``None``: no limit."""
    capped_by: str | None = None
    """Keyword of the limit the value (and the default) may not exceed."""
    cap_rule: str | None = None
    """The lint rule id that refuses a value over ``capped_by``."""
    rule: str | None = None
    """The ``protonats breaking`` rule id that guards it."""
    guard: Guard = Guard.LOWERED
    consequence: str = ""
    """What breaks when the rule fires, for its message."""

    @property
    def number(self) -> int:
        """The field number in ``protonats.v1.Limits``."""
        return int(options_pb2.Limits.DESCRIPTOR.fields_by_name[self.proto].number)

    @property
    def scale(self) -> int:
        """Units of the integer form (nanoseconds for durations, as on the wire) per unit."""
        return NS if self.unit is Unit.SECONDS else 1

    @property
    def unlimited(self) -> int:
        """JetStream's "no limit" value of the field."""
        return 0 if self.unit is Unit.SECONDS else -1

    def applied(self, value: _N | None, cap: _N | None = None, *, scale: int = 1) -> _N | None:
        """What JetStream applies when ``value`` is declared (``None``: unset): the value, else
        the default, no more than ``cap``; ``None`` means no limit. ``scale``: units of
        ``value`` per unit of the row (``NS`` for nanoseconds)."""
        if value is not None or self.default is None:
            return value
        default = self.default * scale
        return min(cap, default) if cap else default

    def text(self, value: float | None) -> str:
        """A value for people; ``None`` is unlimited."""
        return "unlimited" if value is None else self.unit.text(value)

    def int_text(self, value: int | None) -> str:
        """A value in integer form (see ``scale``) for people; ``None`` is unlimited."""
        return "unlimited" if value is None else self.unit.text(value / self.scale)

    def to_jetstream(self, value: float | None, cap: float | None = None) -> float:
        """The ``StreamConfig`` value of a declared value (seconds stay seconds)."""
        applied = self.applied(value, cap)
        result = self.unlimited if applied is None else applied
        return float(result) if self.unit is Unit.SECONDS else result

    def comparable(self, value: float | None) -> int:
        """A server-reported ``StreamConfig`` value, normalised: durations in integer
        nanoseconds, every "no limit" as ``unlimited``, unset as the default."""
        if self.unit is Unit.SECONDS:
            return round((value or 0) * NS)
        if self.default is not None:
            return int(value or self.default)
        return self.unlimited if value is None or value <= 0 else int(value)

    def check(self, value: object) -> None:
        """Raise ``InvalidLimitsError`` if ``value`` is not valid for this limit."""
        if value is None:
            return
        if self.unit is Unit.SECONDS:
            if isinstance(value, bool) or not isinstance(value, int | float):
                self.fail(value, f"must be a number of seconds, got {type(value).__name__}")
            if not math.isfinite(value) or value <= 0:
                self.fail(value, f"must be a positive number of seconds, got {value}")
            if self.maximum is not None and value >= self.maximum:
                self.fail(value, f"is in seconds; {value} looks like nanoseconds")
            if value < self.minimum:
                self.fail(
                    value,
                    f"must be at least {self.minimum:g} s ({duration(self.minimum)}), got {value}",
                )
            return
        span = f"an int from {self.minimum:g} to {self.maximum:g}" if self.maximum else ""
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(value, f"must be {span}, got {value!r}" if span else
                      f"must be an int, got {type(value).__name__} {value!r}")  # fmt: skip
        if self.maximum is not None and value > self.maximum:
            self.fail(value, f"must be {span}, got {value!r}")
        if value < self.minimum:
            unset = "" if self.default is not None else "; leave it unset for no limit"
            self.fail(value, f"must be {span or f'at least {self.minimum:g}'}, got {value}{unset}")

    def fail(self, value: object, reason: str) -> NoReturn:
        raise InvalidLimitsError(field=self.keyword, value=value, reason=reason)


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class PolicyField:
    """One stream policy: an ``Event`` keyword, an ``EventOptions`` enum, a ``StreamConfig``
    field. The option's enum values are read from its descriptor: ``STORAGE_FILE`` is
    ``Storage.FILE``, and 0 (unspecified) is the default."""

    keyword: str
    """The ``protonats.Event`` attribute, also the ``EventOptions`` field."""
    type: type[Storage] | type[Retention] | type[Discard]
    jetstream: str
    default: Storage | Retention | Discard
    frozen: bool
    """JetStream cannot change it on an existing stream."""
    rule: str | None = None

    @property
    def label(self) -> str:
        return self.keyword

    @property
    def number(self) -> int:
        """The field number in ``protonats.v1.EventOptions``."""
        return int(options_pb2.EventOptions.DESCRIPTOR.fields_by_name[self.keyword].number)

    @property
    def proto_enum(self) -> EnumDescriptor:
        enum_type = options_pb2.EventOptions.DESCRIPTOR.fields_by_name[self.keyword].enum_type
        if enum_type is None:
            raise LookupError(f"EventOptions.{self.keyword} is not an enum")
        return enum_type

    def from_proto(self, number: int) -> Storage | Retention | Discard | None:
        """The member an option value names (0: the default); ``None`` if unknown."""
        if number == 0:
            return self.default
        value = self.proto_enum.values_by_number.get(number)
        if value is None:
            return None
        return self.type[value.name.removeprefix(self.proto_enum.name.upper() + "_")]

    def to_proto(self, member: Storage | Retention | Discard) -> int:
        """The option's enum number of ``member``."""
        name = f"{self.proto_enum.name.upper()}_{member.name}"
        return int(self.proto_enum.values_by_name[name].number)


_S, _B, _C = Unit.SECONDS, Unit.BYTES, Unit.COUNT
_DROPS = (
    "while the stream holds more than that, the server would delete the oldest messages at "
    "once, so register refuses it (DataLossError, naming how many) unless run with "
    "--allow-data-loss (allow_data_loss=True)"
)

LIMITS: tuple[LimitField, ...] = (
    LimitField(keyword="age", proto="max_age", jetstream="max_age", unit=_S, label="max age",
               meaning="How long the stream keeps a message; older ones are deleted.",
               minimum=0.001, maximum=1_000_000_000, rule="EVENT_MAX_AGE_LOWERED",
               consequence="while the stream holds messages older than that, the server "
               "would delete them at once, so register refuses it (DataLossError, naming how "
               "many) unless run with --allow-data-loss (allow_data_loss=True)"),
    LimitField(keyword="duplicate_window", proto="duplicate_window", jetstream="duplicate_window",
               unit=_S, label="duplicate window", minimum=0.1, default=DEFAULT_DUPLICATE_WINDOW,
               meaning="A message whose Nats-Msg-Id was already stored within this window is "
               "acknowledged but not stored again: a retried emit is stored once.",
               capped_by="age", cap_rule="EVENT_DUPLICATE_WINDOW_MAX_AGE",
               rule="EVENT_DUPLICATE_WINDOW_CHANGED", guard=Guard.CHANGED,
               consequence="emit retries that producers rely on being stored once are "
               "deduplicated differently"),
    LimitField(keyword="bytes", proto="max_bytes", jetstream="max_bytes", unit=_B,
               label="max bytes", meaning="Total size of the messages the stream keeps.",
               rule="EVENT_MAX_BYTES_LOWERED", consequence=_DROPS),
    LimitField(keyword="messages", proto="max_messages", jetstream="max_msgs", unit=_C,
               label="max messages", meaning="Number of messages the stream keeps.",
               rule="EVENT_MAX_MESSAGES_LOWERED", consequence=_DROPS),
    LimitField(keyword="message_size", proto="max_message_size", jetstream="max_msg_size",
               unit=_B, label="max message size",
               meaning="The largest message (payload and headers) the stream accepts; emit "
               "refuses a bigger one before sending it.", rule="EVENT_MAX_MESSAGE_SIZE_LOWERED",
               consequence="emit now refuses messages the old limit accepted"),
    LimitField(keyword="consumers", proto="max_consumers", jetstream="max_consumers", unit=_C,
               label="max consumers",
               meaning="How many consumers (actors, tails) may read the stream at once."),
    LimitField(keyword="replicas", proto="replicas", jetstream="num_replicas", unit=_C,
               label="replicas", maximum=5, default=1, rule="EVENT_REPLICAS_LOWERED",
               meaning="Copies of every message, each on a different server of the cluster.",
               consequence="fewer copies lose messages when a server fails"),
    LimitField(keyword="message_ttl", proto="message_ttl", jetstream=None, unit=_S,
               label="message TTL", minimum=1, maximum=1_000_000_000, capped_by="age",
               meaning="How long a message lives when its emit gives no TTL of its own.",
               cap_rule="EVENT_MESSAGE_TTL_MAX_AGE"),
)  # fmt: skip
"""Every stream limit, in the option's field order."""

POLICIES: tuple[PolicyField, ...] = (
    PolicyField(keyword="storage", type=Storage, jetstream="storage", default=Storage.FILE,
                frozen=True, rule="EVENT_STORAGE_CHANGED"),
    PolicyField(keyword="retention", type=Retention, jetstream="retention",
                default=Retention.LIMITS, frozen=True, rule="EVENT_RETENTION_CHANGED"),
    PolicyField(keyword="discard", type=Discard, jetstream="discard", default=Discard.OLD,
                frozen=False),
)  # fmt: skip
"""Every stream policy, in the option's field order."""

BY_KEYWORD: Mapping[str, LimitField] = {row.keyword: row for row in LIMITS}
BY_PROTO: Mapping[str, LimitField] = {row.proto: row for row in LIMITS}
BY_JETSTREAM: Mapping[str, LimitField] = {row.jetstream: row for row in LIMITS if row.jetstream}


@dataclasses.dataclass(frozen=True, slots=True, kw_only=True)
class FlagField:
    """A stream feature an event turns on: an ``Event`` keyword and ``EventOptions`` bool of
    the same name, a ``StreamConfig`` bool. JetStream can turn each on for an existing stream;
    a ``sticky`` one never off. Producers rely on most: turning one off is breaking
    (``rule``). The nats-server version each needs is in ``jetstream/_features.py``
    (``BY_FLAG``)."""

    keyword: str
    """The ``protonats.Event`` attribute, also the ``EventOptions`` field."""
    jetstream: str
    """The ``StreamConfig`` field it sets."""
    label: str
    """For people: ``per-message TTL``."""
    call: str
    """What it lets producers do: ``emit(ttl=)``."""
    implied_by: str | None = None
    """A ``Limits`` keyword that turns it on too when set (``message_ttl``)."""
    rule: str | None = None
    """The breaking rule that fires when it is turned off."""
    sticky: bool = False
    """JetStream refuses to turn it off on an existing stream (``register`` refuses too)."""

    @property
    def number(self) -> int:
        """The field number in ``protonats.v1.EventOptions``."""
        return int(options_pb2.EventOptions.DESCRIPTOR.fields_by_name[self.keyword].number)

    def on(self, event: Any) -> bool:
        """Whether ``event`` (an ``Event``) turns it on, by its keyword or ``implied_by``."""
        if getattr(event, self.keyword):
            return True
        return self.implied_by is not None and getattr(event.limits, self.implied_by) is not None


FLAGS: tuple[FlagField, ...] = (
    FlagField(keyword="allow_ttl", jetstream="allow_msg_ttl", label="per-message TTL",
              call="emit(ttl=)", implied_by="message_ttl", rule="EVENT_ALLOW_TTL_REMOVED",
              sticky=True),
    FlagField(keyword="allow_atomic", jetstream="allow_atomic", label="atomic batches",
              call="emit_many(atomic=True)", rule="EVENT_ALLOW_ATOMIC_REMOVED"),
    FlagField(keyword="allow_delay", jetstream="allow_msg_schedules", label="delayed messages",
              call="emit(delay=)", rule="EVENT_ALLOW_DELAY_REMOVED", sticky=True),
    # No rule: turned off, emit_many falls back to per-message acks; nothing breaks.
    FlagField(keyword="allow_batched", jetstream="allow_batched", label="fast-ingest batches",
              call="emit_many()"),
)  # fmt: skip
"""Every stream feature an event may turn on, in the option's field order."""
BY_FLAG: Mapping[str, FlagField] = {row.keyword: row for row in FLAGS}


def validate(values: Mapping[str, Any]) -> None:
    """Check declared limits (keyword -> value, ``None`` unset): each alone, then each against
    the limit that caps it. Raises ``InvalidLimitsError`` naming the first bad one."""
    for row in LIMITS:
        row.check(values.get(row.keyword))
    for row in LIMITS:
        value = values.get(row.keyword)
        cap = values.get(row.capped_by) if row.capped_by else None
        if value is not None and cap is not None and value > cap:
            other = BY_KEYWORD[row.capped_by or ""]
            row.fail(
                value,
                f"({value:g} s) must not be longer than the {other.label} ({cap:g} s)"
                if row.unit is Unit.SECONDS
                else f"({value}) must not be more than the {other.label} ({cap})",
            )
