"""The breaking rules of ``buf-plugin-protonats`` through real ``buf breaking``.

Every rule has a before/after proto pair and every safe change has one too. All pairs live in
one module (each in its own package ``cNN.v1`` with its own event names), so one temporary git
repository (``--against .git#ref=HEAD~1``) and one image file (``buf build -o``) check them all
at once: each pair's file must carry exactly its rules, at the expected ``file:line:col``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from pathlib import Path

import pytest
from protonats_bufplugin._catalog import BREAKING as BREAKING_TYPE
from protonats_bufplugin._catalog import RULES

from .bufcheck import OPTIONS, OPTIONS_PATH, Result, buf, make_repo, write_tree

USER = "proto/shop/v1/user.proto"
EXIT_BREAKING = 100

DEFAULT_OPTION = """\
    name: "user-registered"
    description: "A user registered."
    limits: {
      max_age: {seconds: 604800}
      duplicate_window: {seconds: 60}
      max_bytes: 1000000
      max_messages: 1000
      max_message_size: 4096
      replicas: 3
    }"""
DEFAULT_FIELDS = """\
  string user_id = 1;
  int64 age = 2;
  Address address = 3;"""


def user_proto(
    option: str | None = DEFAULT_OPTION,
    fields: str = DEFAULT_FIELDS,
    extra: str = "",
    address: str = "string city = 1;",
) -> str:
    """The fixture registry file; line 7 is the ``option`` line of UserRegistered."""
    option_block = f"  option (protonats.v1.event) = {{\n{option}\n  }};\n" if option else ""
    return (
        'syntax = "proto3";\n'
        "package shop.v1;\n"
        'import "protonats/v1/options.proto";\n'
        "\n"
        "// A user registered.\n"
        "message UserRegistered {\n"
        f"{option_block}"
        f"{fields}\n"
        "}\n"
        "\n"
        f"message Address {{\n  {address}\n}}\n"
        "\n"
        "message UserDeleted {\n  string user_id = 1;\n}\n"
        f"{extra}"
    )


def option_with(**changes: str) -> str:
    """DEFAULT_OPTION with single lines replaced, e.g. ``option_with(max_bytes="max_bytes: 5")``."""
    lines = DEFAULT_OPTION.splitlines()
    for key, new in changes.items():
        index = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}:"))
        if new:
            indent = lines[index][: len(lines[index]) - len(lines[index].lstrip())]
            lines[index] = indent + new
        else:
            del lines[index]
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    after: Mapping[str, str | None]
    """Files written over the ``before`` ones; ``None`` deletes one."""
    rules: AbstractSet[str] = frozenset()
    """The failing rules expected; empty for a safe change."""
    before: Mapping[str, str] = dataclasses.field(default_factory=lambda: {USER: user_proto()})


USER_SIGNED_UP = f"""
message UserSignedUp {{
  option (protonats.v1.event) = {{
{DEFAULT_OPTION}
  }};
{DEFAULT_FIELDS}
}}
"""

ONEOF_FIELDS = (
    DEFAULT_FIELDS
    + """
  oneof contact {
    string email = 4;
    string phone = 5;
  }
  string note = 6;"""
)
ENUM_FIELDS = DEFAULT_FIELDS + "\n  Status status = 4;"
STATUS = "\nenum Status {\n  STATUS_UNSPECIFIED = 0;\n  ACTIVE = 1;\n  GONE = 2;\n}\n"

BREAKING = [
    Case("removed", {USER: user_proto(option=None).split("// A user")[0]}, {"EVENT_REMOVED"}),
    Case("file-removed", {USER: None}, {"EVENT_REMOVED"}),
    Case("option-removed", {USER: user_proto(option=None)}, {"EVENT_OPTION_REMOVED"}),
    Case(
        "renamed",
        {USER: user_proto(option_with(name='name: "user-signed-up"'))},
        {"EVENT_RENAMED"},
    ),
    Case(
        "name-moved",
        {USER: user_proto(option=None, extra=USER_SIGNED_UP)},
        {"EVENT_NAME_MOVED"},
    ),
    Case(
        "schema-type-changed",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("int64 age", "string age"))},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
    ),
    Case(
        "schema-field-removed",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("  int64 age = 2;\n", ""))},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
    ),
    Case(
        "schema-made-repeated",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("int64 age", "repeated int64 age"))},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
    ),
    Case(
        "schema-nested-type-changed",
        {USER: user_proto(address="int32 city = 1;")},
        {"EVENT_SCHEMA_INCOMPATIBLE"},
    ),
    Case(
        "oneof-joined",
        {
            USER: user_proto(
                fields=ONEOF_FIELDS.replace("\n  string note = 6;", "").replace(
                    "string phone = 5;", "string phone = 5;\n    string note = 6;"
                )
            )
        },
        {"EVENT_SCHEMA_ONEOF_CHANGED"},
        before={USER: user_proto(fields=ONEOF_FIELDS)},
    ),
    Case(
        "oneof-left",
        {
            USER: user_proto(
                fields=ONEOF_FIELDS.replace("    string phone = 5;\n", "").replace(
                    "string note = 6;", "string note = 6;\n  string phone = 5;"
                )
            )
        },
        {"EVENT_SCHEMA_ONEOF_CHANGED"},
        before={USER: user_proto(fields=ONEOF_FIELDS)},
    ),
    Case(
        "enum-value-removed",
        {USER: user_proto(fields=ENUM_FIELDS, extra=STATUS.replace("  GONE = 2;\n", ""))},
        {"EVENT_SCHEMA_ENUM_CHANGED"},
        before={USER: user_proto(fields=ENUM_FIELDS, extra=STATUS)},
    ),
    Case(
        "enum-value-renumbered",
        {USER: user_proto(fields=ENUM_FIELDS, extra=STATUS.replace("GONE = 2;", "GONE = 3;"))},
        {"EVENT_SCHEMA_ENUM_CHANGED"},
        before={USER: user_proto(fields=ENUM_FIELDS, extra=STATUS)},
    ),
    Case(
        "storage",
        {USER: user_proto(DEFAULT_OPTION + "\n    storage: STORAGE_MEMORY")},
        {"EVENT_STORAGE_CHANGED"},
    ),
    Case(
        "retention",
        {USER: user_proto(DEFAULT_OPTION + "\n    retention: RETENTION_INTEREST")},
        {"EVENT_RETENTION_CHANGED"},
    ),
    Case(
        "replicas-lowered",
        {USER: user_proto(option_with(replicas="replicas: 1"))},
        {"EVENT_REPLICAS_LOWERED"},
    ),
    Case(
        "max-age-lowered",
        {USER: user_proto(option_with(max_age="max_age: {seconds: 3600}"))},
        {"EVENT_MAX_AGE_LOWERED"},
    ),
    Case(
        "max-age-set-from-unlimited",
        {USER: user_proto(option_with(max_age="max_age: {seconds: 3600}"))},
        {"EVENT_MAX_AGE_LOWERED"},
        before={USER: user_proto(option_with(max_age=""))},
    ),
    Case(
        "max-bytes-lowered",
        {USER: user_proto(option_with(max_bytes="max_bytes: 1000"))},
        {"EVENT_MAX_BYTES_LOWERED"},
    ),
    Case(
        "max-messages-lowered",
        {USER: user_proto(option_with(max_messages="max_messages: 10"))},
        {"EVENT_MAX_MESSAGES_LOWERED"},
    ),
    Case(
        "max-messages-set-from-unlimited",
        {USER: user_proto()},
        {"EVENT_MAX_MESSAGES_LOWERED"},
        before={USER: user_proto(option_with(max_messages=""))},
    ),
    Case(
        "max-message-size-lowered",
        {USER: user_proto(option_with(max_message_size="max_message_size: 1024"))},
        {"EVENT_MAX_MESSAGE_SIZE_LOWERED"},
    ),
    Case(
        "duplicate-window-lowered",
        {USER: user_proto(option_with(duplicate_window="duplicate_window: {seconds: 30}"))},
        {"EVENT_DUPLICATE_WINDOW_CHANGED"},
    ),
    Case(
        "duplicate-window-raised",
        {USER: user_proto(option_with(duplicate_window="duplicate_window: {seconds: 600}"))},
        {"EVENT_DUPLICATE_WINDOW_CHANGED"},
    ),
    Case(
        "allow-ttl-removed",
        {USER: user_proto()},
        {"EVENT_ALLOW_TTL_REMOVED"},
        before={USER: user_proto(DEFAULT_OPTION + "\n    allow_ttl: true")},
    ),
    Case(
        "message-ttl-removed",  # message_ttl implies allow_ttl
        {USER: user_proto()},
        {"EVENT_ALLOW_TTL_REMOVED"},
        before={
            USER: user_proto(option_with(replicas="replicas: 3\n      message_ttl: {seconds: 60}"))
        },
    ),
    Case(
        "allow-atomic-removed",
        {USER: user_proto()},
        {"EVENT_ALLOW_ATOMIC_REMOVED"},
        before={USER: user_proto(DEFAULT_OPTION + "\n    allow_atomic: true")},
    ),
    Case(
        "allow-delay-removed",
        {USER: user_proto()},
        {"EVENT_ALLOW_DELAY_REMOVED"},
        before={USER: user_proto(DEFAULT_OPTION + "\n    allow_delay: true")},
    ),
    Case(
        "extension-number",
        {OPTIONS_PATH: OPTIONS.replace("event = 50701;", "event = 50702;")},
        {"EVENT_EXTENSION_NUMBER_CHANGED"},
    ),
]

SAFE = [
    Case("unchanged", {USER: user_proto()}),
    Case(  # turning features on is safe; message_ttl keeps allow_ttl on
        "features-on",
        {
            USER: user_proto(
                option_with(replicas="replicas: 3\n      message_ttl: {seconds: 60}")
                + "\n    allow_atomic: true\n    allow_delay: true"
            )
        },
        before={USER: user_proto(DEFAULT_OPTION + "\n    allow_ttl: true")},
    ),
    Case(
        "new-event",
        {
            USER: user_proto().replace(
                "message UserDeleted {",
                'message UserDeleted {\n  option (protonats.v1.event).name = "user-deleted";',
            )
        },
    ),
    Case(
        "limits-raised",
        {
            USER: user_proto(
                option_with(
                    max_age="max_age: {seconds: 2592000}",
                    max_bytes="max_bytes: 9000000",
                    max_messages="max_messages: 100000",
                    max_message_size="max_message_size: 65536",
                    replicas="replicas: 5",
                )
            )
        },
    ),
    Case(
        "limits-unset",  # unset means unlimited; the window was explicit and stays
        {
            USER: user_proto(
                option_with(max_age="", max_bytes="", max_messages="", max_message_size="")
            )
        },
    ),
    Case("description-changed", {USER: user_proto(option_with(description='description: "x"'))}),
    Case(
        "new-optional-field",
        {USER: user_proto(fields=DEFAULT_FIELDS + "\n  optional string email = 4;")},
    ),
    Case(
        "field-removed-and-reserved",
        {USER: user_proto(fields=DEFAULT_FIELDS.replace("int64 age = 2;", "reserved 2;"))},
    ),
    Case(
        "wire-compatible-type",  # int64 -> int32 and string -> bytes read stored bytes fine
        {
            USER: user_proto(
                fields=DEFAULT_FIELDS.replace("int64 age", "int32 age"), address="bytes city = 1;"
            )
        },
    ),
    Case(
        "new-field-in-oneof",
        {
            USER: user_proto(
                fields=ONEOF_FIELDS.replace(
                    "string phone = 5;", "string phone = 5;\n    string fax = 7;"
                )
            )
        },
        before={USER: user_proto(fields=ONEOF_FIELDS)},
    ),
    Case(
        "enum-value-removed-and-reserved",
        {
            USER: user_proto(
                fields=ENUM_FIELDS, extra=STATUS.replace("  GONE = 2;", "  reserved 2;")
            )
        },
        before={USER: user_proto(fields=ENUM_FIELDS, extra=STATUS)},
    ),
    Case(
        "enum-value-renamed",  # the number is what is stored
        {USER: user_proto(fields=ENUM_FIELDS, extra=STATUS.replace("GONE", "DELETED"))},
        before={USER: user_proto(fields=ENUM_FIELDS, extra=STATUS)},
    ),
    Case(
        "explicit-defaults",  # unspecified storage/retention mean file/limits
        {
            USER: user_proto(
                DEFAULT_OPTION + "\n    storage: STORAGE_FILE\n    retention: RETENTION_LIMITS"
            )
        },
    ),
]


def test_every_breaking_rule_has_a_proto_case() -> None:
    covered = set().union(*(case.rules for case in BREAKING))
    assert covered == {rule for rule, kind, _ in RULES if kind == BREAKING_TYPE}


# --- all pairs in one module -----------------------------------------------------------------

BATCHED = [case for case in [*BREAKING, *SAFE] if OPTIONS_PATH not in case.after]


def _path(index: int) -> str:
    return USER.replace("/shop/", f"/c{index:02}/")


def _own(text: str | None, index: int) -> str | None:
    """The pair's file in its own package, with its own event names."""
    if text is None:
        return None
    return text.replace("package shop.v1;", f"package c{index:02}.v1;").replace(
        '"user-', f'"c{index:02}-user-'
    )


def _trees() -> tuple[dict[str, str | None], dict[str, str | None]]:
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for index, case in enumerate(BATCHED):
        before[_path(index)] = _own(case.before[USER], index)
        after[_path(index)] = _own(case.after.get(USER, case.before[USER]), index)
    return before, after


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Result]:
    """``buf breaking`` of every pair, against a git ref and against an image file."""
    root = tmp_path_factory.mktemp("breaking")
    before, after = _trees()
    repo = make_repo(root / "repo", before, after)
    by_git = buf(["breaking", "--against", ".git#ref=HEAD~1"], repo)
    write_tree(root / "old", before)
    assert buf(["build", "-o", str(root / "old.binpb")], root / "old", json_format=False).code == 0
    by_image = buf(["breaking", "--against", str(root / "old.binpb")], repo)
    return {"git": by_git, "image": by_image}


@pytest.mark.parametrize("mode", ["git", "image"])
def test_breaking_changes_exit_100(results: dict[str, Result], mode: str) -> None:
    result = results[mode]
    assert result.code == EXIT_BREAKING, result.err
    assert "Traceback" not in result.err
    assert all(f.message for f in result.ours())


@pytest.mark.parametrize("mode", ["git", "image"])
@pytest.mark.parametrize("case", [c for c in BATCHED if c.rules], ids=lambda c: c.id)
def test_breaking_change_is_reported(results: dict[str, Result], mode: str, case: Case) -> None:
    index = BATCHED.index(case)
    path = _path(index)
    result = results[mode]
    if case.after.get(USER, "") is None:  # the whole file is gone: buf shows no file
        gone = [f for f in result.ours() if f'"c{index:02}-user-registered"' in f.message]
        assert {f.rule for f in gone} == case.rules
        assert gone[0].path == ""  # buf shows "<input>:1:1", as for its own FILE_NO_DELETE
        declared = path.removeprefix("proto/")
        assert f"declared at {declared}:7:3 in the baseline" in gone[0].message
        return
    assert result.rules_in(path) == case.rules
    first = next(f for f in result.ours() if f.path == path)
    assert (first.line, first.column) == AT[case.id], first


AT = {
    "removed": (1, 1),  # the message is gone: the file, as buf's own rules say it
    "option-removed": (6, 1),  # the message
    "name-moved": (21, 3),  # the option statement on the new message
    "schema-type-changed": (20, 3),  # the field
    "schema-field-removed": (7, 3),  # the option statement (the field is gone)
    "schema-made-repeated": (20, 3),
    "schema-nested-type-changed": (25, 3),  # the field of the nested message
    "oneof-joined": (25, 5),  # the field, now inside the oneof
    "oneof-left": (26, 3),
    "enum-value-removed": (33, 1),  # the enum
    "enum-value-renumbered": (36, 3),  # the value
}
"""``(line, column)`` of each pair's finding; every other one is at the option statement."""
for _case in BREAKING:
    AT.setdefault(_case.id, (7, 3))


@pytest.mark.parametrize("mode", ["git", "image"])
@pytest.mark.parametrize("case", SAFE, ids=lambda c: c.id)
def test_safe_change_passes(results: dict[str, Result], mode: str, case: Case) -> None:
    assert results[mode].rules_in(_path(BATCHED.index(case))) == set()


def test_extension_number_changed(tmp_path: Path) -> None:
    case = next(c for c in BREAKING if OPTIONS_PATH in c.after)
    repo = make_repo(tmp_path / "repo", case.before, case.after)
    result = buf(["breaking", "--against", ".git#ref=HEAD~1"], repo)
    assert result.code == EXIT_BREAKING, result.err
    assert [f.rule for f in result.ours()] == ["EVENT_EXTENSION_NUMBER_CHANGED"]
    assert result.ours()[0].where.startswith(f"{OPTIONS_PATH}:")
