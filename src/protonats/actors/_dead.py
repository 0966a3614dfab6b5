"""Reading dead letters back, and replaying them to their event."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from .. import _wire
from .._errors import EmitError, JetStreamError
from ..events._event import Event
from ..jetstream._headers import header_problem, shown
from ..jetstream._nats import Link
from ._config import dead_letter_stream, dead_letter_subject, replay_headers

__all__ = ["DeadLetter", "Replayed", "dead_letters", "replay"]

_LOOK_UP = "look up the dead-letter stream of"


@dataclasses.dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message an actor gave up on, as stored in ``<event>-dead``."""

    seq: int
    """Sequence in the dead-letter stream."""
    time: datetime.datetime
    """When it was dead-lettered (UTC)."""
    actor: str
    attempts: int
    reason: str
    """``attempts-used-up`` or ``undecodable``."""
    error_type: str | None
    error: str | None
    original_seq: int
    """Sequence of the original message in the event's stream."""
    uid: str | None
    """The original ``Nats-Msg-Id``, if it had one."""
    data: bytes
    headers: dict[str, str]

    def decode(self, event: Event[Any]) -> Any:
        """The payload as the event's schema (``DecodeError`` if it never decoded)."""
        return event.decode(self.data, schema=self.headers.get(_wire.SCHEMA))


@dataclasses.dataclass(frozen=True, slots=True)
class Replayed:
    """The outcome of replaying one dead letter: stored again as ``new_seq`` of the event's
    stream (``duplicate``: an earlier replay had already stored it), and removed."""

    letter: DeadLetter
    new_seq: int
    duplicate: bool


async def dead_letters(
    link: Link, event: Event[Any], *, actor: str | None = None
) -> list[DeadLetter]:
    """Every dead letter of ``event`` (of ``actor`` only, when given), oldest first."""
    stream = dead_letter_stream(event)
    if await link.stream_info(event, _LOOK_UP, stream) is None:
        return []
    letters: list[DeadLetter] = []
    seq = 1
    doing = f"read {stream!r}, the dead-letter stream of"
    while True:
        raw = await link.next_message(event, stream, dead_letter_subject(event), seq, doing)
        if raw is None:
            return letters
        found = raw.seq or seq
        seq = found + 1
        letter = _letter(found, raw.time, raw.data, raw.headers)
        if actor is None or letter.actor == actor:
            letters.append(letter)


async def replay(
    link: Link, event: Event[Any], letters: list[DeadLetter], *, within: float = 5.0
) -> list[Replayed]:
    """Send each dead letter back to ``event`` with its original uid, then delete it.

    Replaying twice stores once (the uid). Refuses, keeping the dead letter, when the event's
    stream answers with the original message itself: the original is still inside the
    duplicate window, so the replay would be dropped as a duplicate of it. Refuses, before
    sending any, when a letter's uid or header would not arrive as it was (``EmitError``).
    """
    done = []
    stream = dead_letter_stream(event)
    prepared = [(letter, replay_headers(letter.headers, event)) for letter in letters]
    for letter, headers in prepared:
        _check_replay(event, letter, headers)
    for letter, headers in prepared:
        doing = "store a replayed dead letter in"
        ack = await link.store(
            event, event.subject_name, letter.data, headers, event.stream_name, doing, within
        )
        if ack.duplicate and ack.seq == letter.original_seq:
            raise JetStreamError(
                f"event {event.name!r}: dead letter {letter.seq} was not replayed: its original "
                f"(seq {letter.original_seq}, uid {headers[_wire.MSG_ID]!r}) is still inside "
                f"stream {event.stream_name!r}'s duplicate window, which drops the replay as a "
                "duplicate. Replay again once the window has passed",
                event=event.name,
                stream=event.stream_name,
            )
        doing = f"delete message {letter.seq} of {stream!r}, the dead letters of"
        await link.delete_message(event, stream, letter.seq, doing)
        done.append(Replayed(letter, ack.seq, bool(ack.duplicate)))
    return done


def _check_replay(event: Event[Any], letter: DeadLetter, headers: dict[str, str]) -> None:
    found = header_problem(headers)
    if found is None:
        return
    name, value, problem = found
    what = f"uid {shown(value)}" if name == _wire.MSG_ID else f"header {name!r} {shown(value)}"
    raise EmitError(
        f"event {event.name!r}: dead letter {letter.seq} (seq {letter.original_seq}): its "
        f"{what} would not be sent as it was stored: {problem}. Nothing was replayed; "
        f"remove the dead letter and emit the message again with a uid that arrives as given"
    )


def _letter(
    seq: int, time: datetime.datetime | None, data: bytes | None, headers: dict[str, str] | None
) -> DeadLetter:
    h = dict(headers or {})
    return DeadLetter(
        seq=seq,
        time=time or datetime.datetime.fromtimestamp(0, datetime.UTC),
        actor=h.get(_wire.DEAD_ACTOR, ""),
        attempts=int(h.get(_wire.DEAD_ATTEMPTS, "0") or 0),
        reason=h.get(_wire.DEAD_REASON, ""),
        error_type=h.get(_wire.DEAD_ERROR_TYPE),
        error=h.get(_wire.DEAD_ERROR),
        original_seq=int(h.get(_wire.DEAD_SEQ, "0") or 0),
        uid=h.get(_wire.DEAD_UID),
        data=data or b"",
        headers=h,
    )
