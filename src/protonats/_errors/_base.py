"""The root of the hierarchy, how an error carries its fix, and the errors of declaring."""

from __future__ import annotations

import dataclasses
from typing import Any, Self, TypeVar

__all__ = [
    "REGISTER_FIRST",
    "ActorDeclarationError",
    "BuildError",
    "CodegenError",
    "EventDeclarationError",
    "Fix",
    "InvalidDescriptionError",
    "InvalidEventNameError",
    "InvalidLimitsError",
    "ProtonatsError",
    "UnsupportedSchemaError",
    "with_message",
]


@dataclasses.dataclass(frozen=True, slots=True)
class Fix:
    """What to do about an error, said for a Python caller and for the command line, so each
    audience reads its own words (``register()`` / ``protonats register``)."""

    python: str
    cli: str


REGISTER_FIRST = Fix("Call register() for this event first", "Run `protonats register` first")


class ProtonatsError(Exception):
    """Base class of every protonats error.

    An error made by ``with_fix`` has ``problem`` (what went wrong) and ``fix`` (what to do,
    for Python and for the command line); its message is the problem, then ``fix.python``.
    """

    _problem: str | None = None
    _fix: Fix | None = None

    @classmethod
    def with_fix(cls, problem: str, fix: Fix, **kwargs: Any) -> Self:
        """The error ``problem. fix.python``, keeping both parts for the command line."""
        error = cls(f"{problem}. {fix.python}", **kwargs)
        error._problem = problem
        error._fix = fix
        return error

    @property
    def problem(self) -> str | None:
        """What went wrong, without the fix (errors made by ``with_fix``)."""
        return self._problem

    @property
    def fix(self) -> Fix | None:
        """What to do about it, for Python and for the command line."""
        return self._fix


E = TypeVar("E", bound=ProtonatsError)


def with_message(exc: E, message: str) -> E:
    """A new error of ``exc``'s type and fields, saying ``message``; ``exc`` is not changed.

    Raise it ``from exc``. For errors built as ``cls(message, **fields)`` whose keywords are
    stored under their own names (the JetStream and emit errors): the public attributes are
    exactly the keywords to build a copy with.
    """
    fields = {k: v for k, v in vars(exc).items() if not k.startswith("_")}
    return type(exc)(message, **fields)


class EventDeclarationError(ProtonatsError, ValueError):
    """An ``Event``, ``Limits`` or ``Events`` is declared wrong; raised at construction."""

    def __reduce__(self) -> tuple[Any, ...]:
        # Subclasses take keyword arguments: rebuild from args and attributes, not __init__.
        return _restore, (type(self), self.args, self.__dict__)


def _restore(cls: type[BaseException], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    BaseException.__init__(error, *args)
    error.__dict__.update(state)
    return error


class InvalidEventNameError(EventDeclarationError):
    """The event name is empty, too long, or not lower-case kebab-case (``user-registered``).

    ``name`` is the refused name, ``reason`` why (the message without the name).
    """

    def __init__(self, message: str, *, name: object = None, reason: str = "") -> None:
        super().__init__(message)
        self.name = name
        self.reason = reason or message


class InvalidDescriptionError(EventDeclarationError):
    """The event's description is longer than 4096 characters.

    ``event`` names the event, ``length`` is the description's length, ``reason`` why.
    """

    def __init__(self, message: str, *, event: str, length: int, reason: str) -> None:
        super().__init__(message)
        self.event = event
        self.length = length
        self.reason = reason


class InvalidLimitsError(EventDeclarationError):
    """A limit is negative, looks like nanoseconds, or contradicts another limit.

    ``field`` is the ``Limits`` keyword, ``value`` the refused value and ``reason`` what is
    wrong with it; the message is ``Limits.<field> <reason>``.
    """

    def __init__(self, *, field: str, value: object, reason: str) -> None:
        super().__init__(f"Limits.{field} {reason}")
        self.field = field
        self.value = value
        self.reason = reason


class ActorDeclarationError(ProtonatsError, ValueError):
    """An ``Actor``, ``Actors`` or ``listen()`` option is wrong; raised before anything runs."""


class UnsupportedSchemaError(ProtonatsError, TypeError):
    """No built-in serializer handles the schema: pass ``serializer=`` to ``Event``."""


class BuildError(ProtonatsError):
    """buf could not build an input (bad ref, not a git repository, compile error, no buf), or
    the built descriptors cannot be read (not a descriptor set, a malformed option)."""


class CodegenError(ProtonatsError):
    """Problems in the input, one a line, each as ``file.proto:LINE:COL: message``.

    The plugin sends them back in ``CodeGeneratorResponse.error``, which protoc and buf print.
    """
