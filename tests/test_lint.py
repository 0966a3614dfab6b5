"""The lint rules of ``buf-plugin-protonats`` through real ``buf lint``, and the code generator
refusing the same declarations with the same rule code at the same ``line:col``.

Every case is one file in its own package of one module, so a single ``buf lint`` checks them
all; each file must carry exactly its rules, where expected. A ``buf generate`` without lint
(the code generator on the same compiled files) reports the same problems.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from protonats_bufplugin._catalog import LINT, RULES
from protonats_codegen._plugin import generate

from .bufcheck import OPTIONS, OPTIONS_PATH, Result, buf, buf_yaml, compile_files, write_tree


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    body: str
    """Declarations after the package line and the option import."""
    found: tuple[tuple[str, int, int], ...] = ()
    """``(rule, line, column)`` of every problem, in order; empty for a clean file."""


def event(name: str, extra: str = "", message: str = "M") -> str:
    return f'message {message} {{\n  option (protonats.v1.event) = {{name: "{name}"{extra}}};\n}}\n'


CASES = [
    Case("good", "// Fine.\n" + event("fine-event", " limits: {max_age: {seconds: 60}}")),
    Case("bad-name", event("User.Registered"), (("EVENT_NAME_FORMAT", 5, 34),)),
    Case("empty-name", event(""), (("EVENT_NAME_FORMAT", 5, 34),)),
    Case(
        "same-name", event("dup-x") + event("dup-x", message="N"), (("EVENT_NAME_UNIQUE", 8, 34),)
    ),
    Case("negative", event("neg", " limits: {max_messages: -5}"), (("EVENT_LIMIT_RANGE", 5, 55),)),
    Case(  # buf records no span for an empty value: the option's name it is
        "zero-age", event("zero", " limits: {max_age: {}}"), (("EVENT_LIMIT_RANGE", 5, 10),)
    ),
    Case(
        "bad-duration",
        event("dur", " limits: {max_age: {seconds: 5 nanos: -1}}"),
        (("EVENT_LIMIT_RANGE", 5, 65),),
    ),
    Case(
        "nanoseconds",
        event("nanos", " limits: {max_age: {seconds: 604800000000000}}"),
        (("EVENT_LIMIT_RANGE", 5, 67),),
    ),
    Case(
        "replicas",
        event("rep", " limits: {replicas: 6 max_consumers: 0}"),
        (("EVENT_LIMIT_RANGE", 5, 55), ("EVENT_LIMIT_RANGE", 5, 67)),
    ),
    Case(
        "window-over-age",
        event("win", " limits: {max_age: {seconds: 60} duplicate_window: {seconds: 120}}"),
        (("EVENT_DUPLICATE_WINDOW_MAX_AGE", 5, 97),),
    ),
    Case(
        "ttl-over-age",
        event("ttl", " limits: {max_age: {seconds: 60} message_ttl: {seconds: 120}}"),
        (("EVENT_MESSAGE_TTL_MAX_AGE", 5, 92),),
    ),
    Case(
        "delay-discard-new",
        event("later", " discard: DISCARD_NEW allow_delay: true"),
        (("EVENT_ALLOW_DELAY_DISCARD_NEW", 5, 69),),
    ),
    Case(
        "long-description",
        event("long", f' description: "{"d" * 4097}"'),
        (("EVENT_DESCRIPTION_LENGTH", 5, 47),),
    ),
    Case(
        "long-comment",  # the leading comment is the description when the option has none
        f"// {'c' * 4097}\n" + event("long-comment"),
        (("EVENT_DESCRIPTION_LENGTH", 6, 10),),
    ),
    Case("unknown-storage", event("store", " storage: 9"), (("EVENT_POLICY_KNOWN", 5, 48),)),
    Case("no-package", event("no-pkg"), (("EVENT_OPTION_ON_MESSAGE", 5, 10),)),
    Case(
        "ignored",  # buf's own comment ignores work on our rules
        "// buf:lint:ignore EVENT_NAME_FORMAT\n" + event("Ignored_Name"),
    ),
]
PACKAGE_LINE = 'syntax = "proto3";\npackage {package};\nimport "protonats/v1/options.proto";\n'


def path_of(index: int) -> str:
    return f"proto/l{index:02}/v1/x.proto"


def files() -> dict[str, str | None]:
    def header(i: int, case: Case) -> str:
        text = PACKAGE_LINE.format(package=f"l{i:02}.v1")
        return text.replace("package l", "// no package l") if case.id == "no-package" else text

    return {path_of(i): header(i, case) + case.body for i, case in enumerate(CASES)}


def test_every_lint_rule_has_a_case() -> None:
    covered = {rule for case in CASES for rule, _, _ in case.found}
    covered.add("EVENT_OPTION_PROTO_UNCHANGED")  # test_option_proto_changed
    assert covered == {rule for rule, kind, _ in RULES if kind == LINT}


@pytest.fixture(scope="module")
def linted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Result, Path]:
    root = tmp_path_factory.mktemp("lint")
    write_tree(root, files())
    return buf(["lint"], root), root


def test_lint_exits_100_with_our_findings_only(linted: tuple[Result, Path]) -> None:
    result, _ = linted
    assert result.code == 100, result.err
    assert result.findings == result.ours()
    assert "Traceback" not in result.err


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_lint_case(linted: tuple[Result, Path], case: Case) -> None:
    result, _ = linted
    path = path_of(CASES.index(case))
    got = [(f.rule, f.line, f.column) for f in result.ours() if f.path == path]
    assert got == list(case.found)


@pytest.fixture(scope="module")
def compiled(linted: tuple[Result, Path]) -> list[descriptor_pb2.FileDescriptorProto]:
    """The module's files as buf compiles them: what buf generate hands the code generator."""
    _, root = linted
    return compile_files(root, {})


@pytest.mark.parametrize("case", [c for c in CASES if c.id != "ignored"], ids=lambda c: c.id)
def test_codegen_refuses_the_same(
    linted: tuple[Result, Path], compiled: list[descriptor_pb2.FileDescriptorProto], case: Case
) -> None:
    result, _ = linted
    path = path_of(CASES.index(case))
    request = plugin_pb2.CodeGeneratorRequest(
        file_to_generate=[path.removeprefix("proto/")],
        proto_file=compiled,
        parameter="package=lint-cases,version=1.0.0",
    )
    error = generate(request).error
    expected = [
        f"{f.path.removeprefix('proto/')}:{f.line}:{f.column}: {f.message}"
        for f in result.ours()
        if f.path == path
    ]
    assert error.splitlines() == expected


def test_option_proto_changed(tmp_path: Path) -> None:
    changed = OPTIONS.replace("optional int32 replicas = 7;", "optional int64 replicas = 7;")
    write_tree(tmp_path, {OPTIONS_PATH: changed, path_of(0): PACKAGE_LINE.format(package="a.v1")})
    result = buf(["lint"], tmp_path)
    assert [(f.rule, f.where) for f in result.ours()] == [
        ("EVENT_OPTION_PROTO_UNCHANGED", f"{OPTIONS_PATH}:1:1")
    ]
    assert "message Limits is changed" in result.ours()[0].message


def test_lint_config_selects_rules(tmp_path: Path) -> None:
    write_tree(
        tmp_path,
        {
            "buf.yaml": buf_yaml(lint="  except: [EVENT_LIMIT_RANGE]\n"),
            path_of(0): PACKAGE_LINE.format(package="a.v1")
            + event("Bad", " limits: {replicas: 9}"),
        },
    )
    result = buf(["lint"], tmp_path)
    assert [f.rule for f in result.ours()] == ["EVENT_NAME_FORMAT"]
