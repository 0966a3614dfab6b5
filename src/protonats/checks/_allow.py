"""The allow-list of ``protonats breaking``: read ``[tool.protonats.breaking]`` from TOML and
mark the findings a team accepted on purpose (each with a reason)."""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Sequence
from pathlib import Path

from ._rules import RULES, Finding

__all__ = ["AllowEntry", "ConfigError", "apply_allow_list", "load_allow_list"]


class ConfigError(Exception):
    """The allow-list is malformed."""


@dataclasses.dataclass(frozen=True, slots=True)
class AllowEntry:
    """A deliberate break a team accepts: ``rule`` on ``event`` (``"*"``: any), and why."""

    rule: str
    event: str | None
    reason: str

    def matches(self, finding: Finding) -> bool:
        return self.rule == finding.rule and self.event in ("*", finding.event)


def load_allow_list(path: Path) -> list[AllowEntry]:
    """The ``allow`` entries of ``[tool.protonats.breaking]`` in a TOML file (pyproject.toml)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from exc
    table = data.get("tool", {}).get("protonats", {}).get("breaking", {})
    where = f"{path}: [tool.protonats.breaking]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where} must be a table")
    unknown = set(table) - {"allow"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}; only 'allow'")
    raw = table.get("allow", [])
    if not isinstance(raw, list):
        raise ConfigError(f"{where}: 'allow' must be a list of {{rule, event, reason}} tables")
    return [_entry(item, f"{where} allow[{i}]") for i, item in enumerate(raw)]


def _entry(item: object, where: str) -> AllowEntry:
    if not isinstance(item, dict):
        raise ConfigError(f"{where} must be a table {{rule, event, reason}}")
    unknown = set(item) - {"rule", "event", "reason"}
    if unknown:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rule, event, reason = item.get("rule"), item.get("event"), item.get("reason")
    if rule not in RULES:
        raise ConfigError(f"{where}: rule {rule!r} is not one of {', '.join(RULES)}")
    if not isinstance(reason, str) or not reason.strip():
        raise ConfigError(f"{where}: 'reason' is required: say why this break is accepted")
    if rule == "EVENT_EXTENSION_NUMBER_CHANGED":
        if event is not None:
            raise ConfigError(f"{where}: {rule} is not about one event; drop 'event'")
    elif not isinstance(event, str) or not event:
        raise ConfigError(f"{where}: 'event' is required (an event name, or \"*\" for any)")
    return AllowEntry(str(rule), event, reason.strip())


def apply_allow_list(
    findings: Sequence[Finding], allow: Sequence[AllowEntry]
) -> tuple[list[Finding], list[AllowEntry]]:
    """Mark allowed findings; also return the entries that matched nothing (stale ones)."""
    used: set[int] = set()
    out: list[Finding] = []
    for finding in findings:
        index = next((i for i, e in enumerate(allow) if e.matches(finding)), None)
        if index is None:
            out.append(finding)
        else:
            used.add(index)
            out.append(dataclasses.replace(finding, allowed=True, reason=allow[index].reason))
    return out, [e for i, e in enumerate(allow) if i not in used]
