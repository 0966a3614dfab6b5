"""The error hierarchy: one root, drawn where users look, errors never mutated."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

import protonats
from protonats import _errors
from protonats._errors import (
    AuthError,
    ConnectError,
    PermissionDeniedError,
    ProtonatsError,
    PublishPermissionError,
    StreamConfigError,
    with_message,
)

ROOT = Path(__file__).resolve().parent.parent
ERRORS = [
    found
    for name in _errors.__all__
    if isinstance(found := getattr(_errors, name), type) and issubclass(found, BaseException)
]  # not with_message, Fix (what to do about an error) nor its REGISTER_FIRST


@pytest.mark.parametrize("cls", ERRORS, ids=lambda c: c.__name__)
def test_every_error_is_a_protonats_error_drawn_in_the_docstring_and_reference(cls: type) -> None:
    assert issubclass(cls, ProtonatsError)
    assert getattr(protonats, cls.__name__) is cls
    assert re.search(rf"\b{cls.__name__}\b", _errors.__doc__ or "")
    assert re.search(rf"\b{cls.__name__}\b", (ROOT / "docs/reference.md").read_text())


def test_no_error_of_another_root_is_raised_by_the_tools() -> None:
    for module in ("checks/_gate.py", "checks/_image_events.py"):
        source = (ROOT / "src/protonats" / module).read_text()
        assert not re.search(r"class \w+Error\(Exception\)", source), module
    source = (ROOT / "codegen/protonats_codegen/_source.py").read_text()
    assert "class CodegenError" not in source


def test_no_error_is_mutated_anywhere_in_src() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in sorted((ROOT / "src").rglob("*.py"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"\.args\s*=(?!=)", line)
    ]
    assert offenders == []


def test_with_message_is_a_new_error_with_the_same_fields() -> None:
    first = StreamConfigError(
        "old", event="e", stream="s", field="max_age", old=1, new=2, code=400, err_code=10052
    )
    second = with_message(first, "new")
    assert (str(first), str(second)) == ("old", "new")
    assert type(second) is StreamConfigError
    assert (second.field, second.old, second.new, second.code, second.err_code) == (
        "max_age",
        1,
        2,
        400,
        10052,
    )


def test_permission_and_auth_errors_are_python_permission_errors() -> None:
    denied = PublishPermissionError("no", subject="orders")
    assert isinstance(denied, PermissionDeniedError)
    assert isinstance(denied, PermissionError)
    assert (denied.subject, denied.operation) == ("orders", "publish")
    auth = AuthError("refused", description="Authorization Violation")
    assert isinstance(auth, ConnectError)
    assert isinstance(auth, PermissionError)
    assert auth.description == "Authorization Violation"
    assert "description" in inspect.signature(ConnectError).parameters
