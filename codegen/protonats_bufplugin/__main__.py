"""``buf-plugin-protonats``: buf's check plugin for protonats events, over pluginrpc.

buf runs it for ``buf lint`` and ``buf breaking`` when ``buf.yaml`` lists it under ``plugins``::

    buf-plugin-protonats --protocol                  # 1
    buf-plugin-protonats --spec [--format json]      # the procedures below
    buf-plugin-protonats list-rules [--format ...]   # request on stdin, response on stdout
    buf-plugin-protonats list-categories
    buf-plugin-protonats check

A request that cannot be read, or a failure inside a rule, is answered with a pluginrpc error
(exit code 0, as the protocol asks); details go to stderr, never a traceback on stdout. Only
``check`` imports protobuf and ``protonats.checks``.
"""

from __future__ import annotations

import sys

from . import _catalog
from ._protocol import (
    CHECK,
    CODE_INTERNAL,
    CODE_INVALID_ARGUMENT,
    LIST_CATEGORIES,
    LIST_RULES,
    PROCEDURES,
    ProtocolError,
    error_response,
    read_request,
    response,
    spec,
)

TYPE_CHECKING = False  # typing and collections.abc cost start-up time; buf starts us 9 times
if TYPE_CHECKING:
    from collections.abc import Sequence

__all__ = ["main"]

_DEFAULT_PAGE_SIZE = 250
_USAGE = """\
usage: buf-plugin-protonats [--protocol | --spec] [--format binary|json] [COMMAND]

buf's lint and breaking check plugin for protonats events (pluginrpc protocol 1). buf runs it;
list it in buf.yaml:

  plugins:
    - plugin: buf-plugin-protonats
  lint:     {use: [STANDARD, PROTONATS_EVENTS]}
  breaking: {use: [FILE, PROTONATS_EVENTS]}

Commands (request on stdin, response on stdout): check, list-rules, list-categories.
"""


class _UsageError(Exception):
    pass


def _parse(argv: Sequence[str]) -> tuple[str | None, str, list[str]]:
    """``(flag, format, positional args)``; ``flag`` is ``protocol``, ``spec``, ``help``."""
    flag: str | None = None
    fmt = "binary"
    rest: list[str] = []
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg in ("--protocol", "--spec", "-h", "--help"):
            new = arg.lstrip("-").replace("h", "help", 1) if arg == "-h" else arg.lstrip("-")
            if flag is not None and flag != new:
                raise _UsageError(f"cannot combine --{flag} and {arg}")
            flag = new
        elif arg == "--format" or arg.startswith("--format="):
            if arg == "--format":
                if not args:
                    raise _UsageError("--format needs a value: binary or json")
                value = args.pop(0)
            else:
                value = arg.partition("=")[2]
            fmt = value.strip().lower()
            if fmt not in ("binary", "json"):
                raise _UsageError(f"invalid value for --format: {value!r} (binary or json)")
        elif arg.startswith("-"):
            raise _UsageError(f"unknown flag {arg}")
        else:
            rest.append(arg)
    return flag, fmt, rest


def main(argv: Sequence[str] | None = None) -> int:
    """Run one pluginrpc call; returns the exit code (0 unless the command line is wrong)."""
    try:
        flag, fmt, rest = _parse(sys.argv[1:] if argv is None else argv)
    except _UsageError as exc:
        print(f"buf-plugin-protonats: {exc}\n\n{_USAGE}", file=sys.stderr)
        return 2
    out = sys.stdout.buffer
    if flag == "help":
        sys.stderr.write(_USAGE)
        return 0
    if flag == "protocol":
        out.write(b"1\n")
        return 0
    if flag == "spec":
        out.write(spec(fmt))
        return 0
    method = _method(rest)
    if method is None:
        print(
            f"buf-plugin-protonats: unknown command {' '.join(rest)!r}\n\n{_USAGE}",
            file=sys.stderr,
        )
        return 2
    data = b"" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.buffer.read()
    out.write(_call(method, data, fmt))
    out.flush()
    return 0


def _method(rest: list[str]) -> str | None:
    if len(rest) != 1:
        return None
    arg = rest[0]
    if arg in PROCEDURES:
        return PROCEDURES[arg]
    prefix = "/buf.plugin.check.v1.CheckService/"
    method = arg.removeprefix(prefix)
    return method if arg.startswith(prefix) and method in PROCEDURES.values() else None


def _call(method: str, data: bytes, fmt: str) -> bytes:
    """The response bytes to one call: a body, or a pluginrpc error. Never raises."""
    try:
        request = read_request(data, fmt, method)
        if method == CHECK:
            from ._check import check  # only this call needs protobuf and protonats

            return response(fmt, method, {"annotations": check(request, fmt)})
        return response(fmt, method, _page(method, request, fmt))
    except ProtocolError as exc:
        print(f"buf-plugin-protonats: {method}: {exc}", file=sys.stderr)
        return error_response(fmt, CODE_INVALID_ARGUMENT, f"buf-plugin-protonats: {exc}")
    except Exception as exc:  # a bug in a rule: report it to buf, keep stdout a response
        import traceback

        traceback.print_exc(file=sys.stderr)
        return error_response(
            fmt,
            CODE_INTERNAL,
            f"buf-plugin-protonats: internal error in {method}: {type(exc).__name__}: {exc}",
        )


def _page(method: str, request: dict[str, object], fmt: str) -> dict[str, object]:
    """One page of rules or categories; the page token is the id the next page starts at."""
    if method == LIST_RULES:
        items: list[tuple[object, ...]] = [(*rule, _catalog.CATEGORY) for rule in _catalog.RULES]
    elif method == LIST_CATEGORIES:
        items = [(_catalog.CATEGORY, _catalog.CATEGORY_PURPOSE)]
    else:  # pragma: no cover - _method only returns known methods
        raise ProtocolError(f"unknown method {method}")
    size, token = _page_args(request, fmt)
    ids = [str(item[0]) for item in items]
    if token and token not in ids:
        raise ProtocolError(f"unknown page token {token!r}")
    start = ids.index(token) if token else 0
    page = items[start : start + (size or _DEFAULT_PAGE_SIZE)]
    end = start + len(page)
    key = "rules" if method == LIST_RULES else "categories"
    return {key: page, "next_page_token": ids[end] if end < len(ids) else ""}


def _page_args(request: dict[str, object], fmt: str) -> tuple[int, str]:
    if fmt == "json":
        size, token = request.get("page_size", 0), request.get("page_token", "")
        try:
            size = int(size)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            raise ProtocolError(f"page_size must be a number, got {size!r}") from None
        if not isinstance(token, str):
            raise ProtocolError("page_token must be a string")
        return size, token
    sizes = request.get("1") or [0]
    tokens = request.get("2") or [b""]
    size_value, token_value = sizes[-1], tokens[-1]  # type: ignore[index]
    if not isinstance(size_value, int) or not isinstance(token_value, bytes):
        raise ProtocolError("malformed page_size or page_token")
    try:
        return size_value, token_value.decode("utf-8")
    except UnicodeDecodeError:
        raise ProtocolError("page_token is not UTF-8") from None


if __name__ == "__main__":
    sys.exit(main())
