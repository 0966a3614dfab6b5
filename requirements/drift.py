"""Which packages of a venv differ from the lock: ``pip freeze | python drift.py LOCK``.

A report for ``make test-latest``, never a failure: the lock is what CI installs."""

from __future__ import annotations

import re
import sys

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==([^\s;\\]+)")


def pins(lines: list[str]) -> dict[str, str]:
    """``name -> version`` of every ``name==version`` line, names normalised (PEP 503)."""
    found: dict[str, str] = {}
    for line in lines:
        match = PIN.match(line.strip())
        if match:
            found[re.sub(r"[-_.]+", "-", match[1]).lower()] = match[2]
    return found


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as file:
        locked = pins(file.readlines())
    latest = pins(sys.stdin.readlines())
    rows = [
        (name, locked.get(name, "-"), latest.get(name, "-"))
        for name in sorted(locked.keys() | latest.keys())
        if locked.get(name) != latest.get(name)
    ]
    print(f"drift: {len(rows)} package(s) differ from {sys.argv[1]}")
    for name, old, new in rows:
        print(f"  {name:32} lock {old:24} latest {new}")


if __name__ == "__main__":
    main()
