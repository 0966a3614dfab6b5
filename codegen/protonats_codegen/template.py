"""``buf.gen.yaml`` without its TypeScript outputs, for a machine without Node.js.

``make generate`` passes the result to ``buf generate --template`` when ``node`` or ``npm`` is
missing, so a Python-only user still gets the wheel (and is told the npm package was left
out), instead of buf failing to start protoc-gen-es. A plugin is a TypeScript output when its
``out:`` is under ``gen/ts`` (or ``language=typescript`` is among its options).

Usage::

    python -m protonats_codegen.template python-only buf.gen.yaml   # prints the YAML
"""

from __future__ import annotations

import re
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "python_only"]

_ITEM = re.compile(r"^(?P<indent>\s*)- ")
_TYPESCRIPT = re.compile(r"^\s*(-\s+)?out:\s*gen/ts\b|language=typescript", re.M)


def python_only(text: str) -> str:
    """``text`` (a ``buf.gen.yaml``) without the items of ``plugins:`` that write TypeScript.

    Line-based, for the layout ``buf.gen.yaml`` and ``protonats init`` use: ``plugins:`` at
    the top level, one ``- `` item per plugin; comment lines go with the item after them.
    """
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    item: list[str] = []
    pending: list[str] = []  # comments between items: kept with the next item
    inside = False
    indent: str | None = None  # of the plugins' "- " lines (deeper ones are inside an item)

    def flush() -> None:
        if item and not _TYPESCRIPT.search("".join(item)):
            out.extend(item)
        item.clear()

    for line in lines:
        top_level = bool(line.strip()) and not line[0].isspace() and not line.startswith("#")
        if top_level:
            flush()
            out.extend(pending)
            pending.clear()
            inside = line.startswith("plugins:")
            indent = None
            out.append(line)
        elif not inside:
            out.append(line)
        elif (found := _ITEM.match(line)) and indent in (None, found["indent"]):
            indent = found["indent"]
            flush()
            item.extend(pending)
            pending.clear()
            item.append(line)
        elif line.lstrip().startswith("#") or not line.strip():
            pending.append(line)
        else:
            item.extend(pending)
            pending.clear()
            item.append(line)
    flush()
    out.extend(pending)
    return "".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2 or args[0] != "python-only":
        print(__doc__, file=sys.stderr)
        return 2
    sys.stdout.write(python_only(Path(args[1]).read_text()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
