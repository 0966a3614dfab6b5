"""``protonats breaking``: the event-level breaking-change gate that ``buf breaking`` cannot be.

``buf breaking`` protects the wire format but not our option values: renaming an event, moving a
name to another message, dropping the option or lowering a limit all pass it, and each loses or
splits data in production. This module builds both sides with ``buf build`` (see ``_images``),
compares the declared events, and reports every change with a stable rule id::

    protonats breaking --against '.git#ref=origin/main'
    protonats breaking --against image.binpb --format json

Exit codes: 0 nothing breaking (or everything allowed), 100 breaking changes found (as buf),
1 usage, configuration or build error (one line on stderr).

Rules (what exactly each checks is in ``_rules.RULES``, the docstrings of its
``_check_*`` helpers and ``_schema_compat``):

=================================  ==============================================================
EVENT_REMOVED                      an event name is gone and so is its message
EVENT_OPTION_REMOVED               the message is still there but lost ``(protonats.v1.event)``
EVENT_RENAMED                      the same message now declares another name
EVENT_NAME_MOVED                   the same name is now declared on another message type
EVENT_SCHEMA_INCOMPATIBLE          the event's message cannot read what is already stored
EVENT_STORAGE_CHANGED              storage differs (unspecified = file)
EVENT_RETENTION_CHANGED            retention differs (unspecified = limits)
EVENT_REPLICAS_LOWERED             fewer replicas (unset = 1)
EVENT_MAX_AGE_LOWERED              lower max_age, or unset (unlimited) -> set
EVENT_MAX_BYTES_LOWERED            lower max_bytes, or unset -> set
EVENT_MAX_MESSAGES_LOWERED         lower max_messages, or unset -> set
EVENT_MAX_MESSAGE_SIZE_LOWERED     lower max_message_size, or unset -> set
EVENT_DUPLICATE_WINDOW_CHANGED     the effective window differs (unset = min(2 min, max_age))
EVENT_EXTENSION_NUMBER_CHANGED     ``protonats.v1.event`` declared with another field number
=================================  ==============================================================

A team accepts a deliberate break in ``pyproject.toml``; every entry needs a reason::

    [tool.protonats.breaking]
    allow = [
      { rule = "EVENT_MAX_AGE_LOWERED", event = "order-created", reason = "GDPR: keep 30 days" },
    ]

``event = "*"`` matches every event; EVENT_EXTENSION_NUMBER_CHANGED takes no event. Allowed
findings are still reported, as allowed, and do not fail the gate.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, Literal, TextIO

from ._allow import AllowEntry, ConfigError, apply_allow_list, load_allow_list
from ._image_events import read_image
from ._images import BuildError, build_image, local_paths
from ._rules import Finding, compare_images

__all__ = ["EXIT_BREAKING", "BreakingReport", "breaking_report", "run_breaking"]

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_BREAKING = 100
"""What ``buf breaking`` exits with when it finds breaking changes."""


@dataclasses.dataclass(frozen=True, slots=True)
class BreakingReport:
    """What ``breaking_report`` found: every finding (allowed ones too) and the allow-list
    entries that matched nothing."""

    against: str
    input: str
    baseline_events: int
    current_events: int
    findings: list[Finding]
    unused_allow: list[AllowEntry]

    @property
    def failing(self) -> list[Finding]:
        """The findings that fail the gate (not allowed)."""
        return [f for f in self.findings if not f.allowed]

    def as_json(self) -> dict[str, Any]:
        return {
            "against": self.against,
            "input": self.input,
            "events": {"baseline": self.baseline_events, "current": self.current_events},
            "breaking": len(self.failing),
            "allowed": len(self.findings) - len(self.failing),
            "findings": [f.as_json() for f in self.findings],
            "unused_allow": [dataclasses.asdict(e) for e in self.unused_allow],
        }

    def notes(self) -> list[str]:
        """One line per unused allow-list entry."""
        return [
            f"note: allow-list entry {{rule = {entry.rule!r}, event = {entry.event!r}}} "
            "matched nothing; remove it so it cannot hide a future break"
            for entry in self.unused_allow
        ]

    def summary(self) -> str:
        failing = len(self.failing)
        allowed = len(self.findings) - failing
        what = f"{failing} breaking event change(s)" if failing else "no breaking event changes"
        return (
            f"{what} against {self.against} ({self.current_events} event(s) checked"
            f"{f', {allowed} allowed' if allowed else ''})"
        )


def breaking_report(
    *, against: str, input: str = ".", config: Path | None = None
) -> BreakingReport:
    """Compare the events of ``input`` with those of ``against`` (both buf inputs: a directory,
    ``.git#ref=origin/main``, ``image.binpb``...).

    ``config`` is a TOML file with the allow-list table; by default the ``pyproject.toml`` of
    ``input`` (when a directory), else of the working directory, if any. Raises
    ``BuildError``/``ConfigError``.
    """
    allow = load_allow_list(config) if config is not None else _default_allow_list(input)
    paths = local_paths(input)
    current = read_image(_build(input, "input"), paths)
    baseline = read_image(_build(against, "baseline"), paths)
    findings, unused = apply_allow_list(compare_images(baseline, current), allow)
    return BreakingReport(
        against, input, len(baseline.events), len(current.events), findings, unused
    )


def run_breaking(
    *,
    against: str,
    input: str = ".",
    config: Path | None = None,
    format: Literal["text", "json"] = "text",
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """``breaking_report``, written to ``out`` as text or JSON.

    Returns 0 (nothing breaking), 100 (breaking changes found) or 1 (usage, configuration or
    build error, one line on ``err``). ``out``/``err`` default to the current stdout/stderr.
    """
    out = out if out is not None else sys.stdout
    err = err if err is not None else sys.stderr
    try:
        report = breaking_report(against=against, input=input, config=config)
    except (BuildError, ConfigError) as exc:
        print(f"protonats: error: {exc}", file=err)
        return EXIT_ERROR
    if format == "json":
        json.dump(report.as_json(), out, indent=2)
        out.write("\n")
    else:
        for finding in [*report.failing, *(f for f in report.findings if f.allowed)]:
            print(finding.text(), file=out)
        for note in report.notes():
            print(note, file=out)
        print(f"protonats breaking: {report.summary()}", file=out)
    return EXIT_BREAKING if report.failing else EXIT_OK


def _build(source: str, side: str) -> bytes:
    try:
        return build_image(source)
    except BuildError as exc:
        raise BuildError(f"cannot build the {side} {source!r}: {exc}") from exc


def _default_allow_list(input: str) -> list[AllowEntry]:
    base = Path(input)
    candidate = (base if base.is_dir() else Path()) / "pyproject.toml"
    return load_allow_list(candidate) if candidate.is_file() else []
