"""The ``protonats`` command line: list, plan, register, emit, tail and document a registry.

Exit codes: 0 ok, 1 error (one line on stderr), 2 usage, 3 ``plan --check`` found changes,
100 ``breaking`` found breaking changes, 130 interrupted.

typer and rich come with the ``cli`` extra; without them ``main`` says how to install them
instead of failing with an import traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

__all__ = ["main"]

_MISSING = (
    "protonats: error: the protonats command line needs typer and rich, which are not "
    "installed: pip install 'protonats[cli]'"
)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); return the exit code."""
    try:
        from ._app import run
    except ImportError as exc:
        if exc.name is not None and exc.name.partition(".")[0] in {"typer", "rich"}:
            print(_MISSING, file=sys.stderr)
            return 1
        raise
    return run(list(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
