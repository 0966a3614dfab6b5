"""Text from the server or from messages, shown to a human: its control characters escaped.

A description in the ledger, a handler's error text, a lock holder's name or a payload can hold
ANSI or OSC sequences (clear the screen, set the window title, hide text). ``printable`` is THE
escaping: the CLI applies it to every cell of every format and to its error line, and
``LogFilter``, installed on protonats' loggers, to every log line (traceback included).
"""

from __future__ import annotations

import logging
import re

__all__ = ["LOGGERS", "LogFilter", "printable"]

LOGGERS = ("protonats", "protonats.actors")
"""The loggers protonats writes to; each carries a ``LogFilter``."""

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 but tab and newline, DEL, C1
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f]")
_IN_JSON = re.compile("[\x7f-\x9f]")  # json.dumps escapes C0 itself


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match[0]):02x}"


def _json_escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def printable(text: str, *, lines: bool = False, json: bool = False) -> str:
    """``text`` with every control character written as ``\\x1b`` (newlines and tabs too,
    unless ``lines``: a multi-line log text). ``json``: ``text`` is a JSON document; the
    control characters json.dumps leaves as they are (DEL, C1) become ``\\u009b``."""
    if json:
        return _IN_JSON.sub(_json_escaped, text)
    return (_CONTROL if lines else _CONTROL_ALL).sub(_escaped, text)


class LogFilter(logging.Filter):
    """Escapes the control characters of a record's message and traceback (in place)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        escaped = printable(message, lines=True)
        if escaped != message:
            record.__dict__.update(msg=escaped, args=())  # the record's text, now escaped
        if record.exc_info and not record.exc_text:
            record.exc_text = printable(
                logging.Formatter().formatException(record.exc_info), lines=True
            )
        return True


for _name in LOGGERS:
    logging.getLogger(_name).addFilter(LogFilter())
