"""``buf-plugin-protonats`` speaks pluginrpc: the handshake, the spec in both formats, and
ListRules / ListCategories / Check requests encoded by hand here, with malformed input
answered by a protocol error (exit code 0, no traceback). Then buf itself lists the rules."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import descriptor_pb2
from protonats_bufplugin._catalog import BREAKING, CATEGORY, LINT, RULES

from .bufcheck import PLUGIN, buf, compile_files, write_tree

SERVICE = "/buf.plugin.check.v1.CheckService/"
TYPE = "type.googleapis.com/buf.plugin.check.v1."
INVALID_ARGUMENT = 3


# --- a protobuf wire codec written for the test, independent of the plugin's -----------------


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def field(number: int, value: int | str | bytes) -> bytes:
    if isinstance(value, int):
        return varint(number << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def decode(data: bytes) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    pos = 0
    while pos < len(data):
        tag, pos = _read(data, pos)
        value: Any
        if tag & 7 == 0:
            value, pos = _read(data, pos)
        else:
            assert tag & 7 == 2, tag
            size, pos = _read(data, pos)
            value, pos = data[pos : pos + size], pos + size
        out.setdefault(tag >> 3, []).append(value)
    return out


def _read(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return result, pos


def request(method: str, body: bytes) -> bytes:
    """A pluginrpc.v1.Request whose Any value is a ``<method>Request``."""
    return field(1, field(1, f"{TYPE}{method}Request") + field(2, body))


def call(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [PLUGIN, *args], input=stdin, capture_output=True, check=False, timeout=60
    )


def response(done: subprocess.CompletedProcess[bytes], method: str) -> dict[int, list[Any]]:
    """The body of a successful binary Response, after checking its Any type."""
    assert done.returncode == 0, done.stderr
    fields = decode(done.stdout)
    assert 2 not in fields, decode(fields[2][0])
    value = decode(fields[1][0])
    assert value[1] == [f"{TYPE}{method}Response".encode()]
    return decode(value.get(2, [b""])[0])


def error(done: subprocess.CompletedProcess[bytes]) -> tuple[int, str]:
    assert done.returncode == 0
    assert b"Traceback" not in done.stderr
    fields = decode(done.stdout)
    assert 1 not in fields
    err = decode(fields[2][0])
    return err[1][0], err[2][0].decode()


# --- handshake and spec -------------------------------------------------------------------------


def test_protocol_version() -> None:
    done = call("--protocol")
    assert (done.returncode, done.stdout) == (0, b"1\n")


def test_spec_binary_and_json() -> None:
    procedures = [decode(p) for p in decode(call("--spec", "--format", "binary").stdout)[1]]
    paths = {p[1][0].decode(): [a.decode() for a in p[2]] for p in procedures}
    assert paths == {
        f"{SERVICE}Check": ["check"],
        f"{SERVICE}ListRules": ["list-rules"],
        f"{SERVICE}ListCategories": ["list-categories"],
    }
    assert decode(call("--spec").stdout) == decode(call("--spec", "--format", "binary").stdout)
    spec = json.loads(call("--spec", "--format=json").stdout)
    assert {p["path"]: p["args"] for p in spec["procedures"]} == paths


def test_help() -> None:
    for flag in ("-h", "--help"):
        done = call(flag)
        assert (done.returncode, done.stdout) == (0, b"")
        assert b"PROTONATS_EVENTS" in done.stderr  # how to list it in buf.yaml


def test_bad_command_lines_exit_2() -> None:
    for args in (["--format", "xml", "--spec"], ["--protocol", "--spec"], ["lint"], ["--nope"]):
        done = call(*args)
        assert done.returncode == 2, args
        assert done.stdout == b""
        assert b"usage: buf-plugin-protonats" in done.stderr


# --- ListRules / ListCategories -----------------------------------------------------------------


def test_list_rules_pages_through_every_rule() -> None:
    seen: list[tuple[str, int, str]] = []
    token = ""
    while True:
        body = field(1, 5) + (field(2, token) if token else b"")
        page = response(call("list-rules", stdin=request("ListRules", body)), "ListRules")
        rules = [decode(r) for r in page.get(2, [])]
        assert len(rules) <= 5
        for rule in rules:
            assert rule[2] == [CATEGORY.encode()]
            assert rule[3] == [1]  # default
            seen.append((rule[1][0].decode(), rule[5][0], rule[4][0].decode()))
        token = page.get(1, [b""])[0].decode()
        if not token:
            break
    assert seen == list(RULES)
    everything = response(call("list-rules"), "ListRules")  # empty stdin: an empty request
    assert len(everything[2]) == len(RULES)
    assert 1 not in everything


def test_list_rules_json() -> None:
    body = {"value": {"@type": f"{TYPE}ListRulesRequest", "pageSize": 3}}
    done = call("list-rules", "--format", "json", stdin=json.dumps(body).encode())
    value = json.loads(done.stdout)["value"]
    assert value["@type"] == f"{TYPE}ListRulesResponse"
    assert [r["id"] for r in value["rules"]] == [r[0] for r in RULES[:3]]
    assert value["rules"][0]["type"] == "RULE_TYPE_LINT"
    assert value["next_page_token"] == RULES[3][0]


def test_list_categories() -> None:
    page = response(call(f"{SERVICE}ListCategories"), "ListCategories")
    (category,) = (decode(c) for c in page[2])
    assert category[1] == [CATEGORY.encode()]
    assert category[2][0].decode().endswith(".")


# --- Check ----------------------------------------------------------------------------------------


def check_request(
    files: list[descriptor_pb2.FileDescriptorProto],
    against: list[descriptor_pb2.FileDescriptorProto],
    rule_ids: list[str],
) -> bytes:
    body = b"".join(field(1, field(1, f.SerializeToString())) for f in files)
    body += b"".join(field(2, field(1, f.SerializeToString())) for f in against)
    body += b"".join(field(4, rule) for rule in rule_ids)
    return request("Check", body)


USER = (
    'syntax = "proto3";\npackage shop.v1;\nimport "protonats/v1/options.proto";\n'
    'message UserRegistered {\n  option (protonats.v1.event) = {name: "%s"};\n'
    "  string id = 1;\n}\n"
)


@pytest.fixture(scope="module")
def sides(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Any], list[Any]]:
    """The files of a registry before and after renaming its event, compiled by buf."""
    root = tmp_path_factory.mktemp("check")
    return (
        compile_files(root / "old", {"proto/shop/v1/user.proto": USER % "user-registered"}),
        compile_files(root / "new", {"proto/shop/v1/user.proto": USER % "user-signed-up"}),
    )


def test_check_reports_with_file_and_source_path(sides: tuple[list[Any], list[Any]]) -> None:
    old, new = sides
    breaking = [rule for rule, kind, _ in RULES if kind == BREAKING]
    done = call("check", stdin=check_request(new, old, breaking))
    (annotation,) = (decode(a) for a in response(done, "Check")[1])
    assert annotation[1] == [b"EVENT_RENAMED"]
    assert b'"user-signed-up"' in annotation[2][0]
    location = decode(annotation[3][0])
    assert location[1] == [b"shop/v1/user.proto"]
    assert list(location[2][0]) == [4, 0, 7]  # packed path: message 0's option statement
    unchanged = call("check", stdin=check_request(new, new, breaking))
    assert response(unchanged, "Check") == {}
    only_lint = [rule for rule, kind, _ in RULES if kind == LINT]
    assert response(call("check", stdin=check_request(new, old, only_lint)), "Check") == {}


def test_check_json(sides: tuple[list[Any], list[Any]]) -> None:
    from google.protobuf import json_format

    from protonats.v1 import options_pb2

    assert options_pb2.event  # registered: the option is written as "[protonats.v1.event]"
    old, new = sides

    def files(protos: list[Any]) -> list[dict[str, Any]]:
        # Parsed again now that the extension is known (it was an unknown field before).
        parse = descriptor_pb2.FileDescriptorProto.FromString
        return [
            {"file_descriptor_proto": json_format.MessageToDict(parse(f.SerializeToString()))}
            for f in protos
        ]

    body = {
        "value": {
            "@type": f"{TYPE}CheckRequest",
            "file_descriptors": files(new),
            "againstFileDescriptors": files(old),
            "rule_ids": ["EVENT_RENAMED"],
        }
    }
    done = call("check", "--format", "json", stdin=json.dumps(body).encode())
    (annotation,) = json.loads(done.stdout)["value"]["annotations"]
    assert annotation["rule_id"] == "EVENT_RENAMED"
    assert annotation["file_location"] == {
        "file_name": "shop/v1/user.proto",
        "source_path": [4, 0, 7],
    }


@pytest.mark.parametrize(
    ("args", "stdin", "says"),
    [
        (["check"], b"\xff\xff\xff", "not a pluginrpc.v1.Request"),
        (["check"], request("ListRules", b""), "Check takes a buf.plugin.check.v1.CheckRequest"),
        (["check"], request("Check", field(1, field(1, b"\x0a\xff"))), "cannot be read"),
        (["check"], request("Check", b""), "no file_descriptors"),
        (["list-rules"], request("ListRules", field(2, "NO_SUCH_RULE")), "unknown page token"),
        (["list-rules", "--format", "json"], b"{not json", "not JSON"),
    ],
)
def test_malformed_input_is_a_protocol_error(args: list[str], stdin: bytes, says: str) -> None:
    done = call(*args, stdin=stdin)
    if "json" in args:
        assert done.returncode == 0
        err = json.loads(done.stdout)["error"]
        assert (err["code"], says in err["message"]) == ("CODE_INVALID_ARGUMENT", True)
        return
    code, message = error(done)
    assert code == INVALID_ARGUMENT
    assert says in message, message
    assert done.stderr.count(b"\n") == 1, done.stderr


# --- buf lists the rules --------------------------------------------------------------------------


def test_buf_lists_every_rule_with_its_purpose(tmp_path: Path) -> None:
    write_tree(tmp_path, {"proto/x/v1/x.proto": 'syntax = "proto3";\npackage x.v1;\n'})
    for command, kind in (("ls-breaking-rules", BREAKING), ("ls-lint-rules", LINT)):
        listed = buf(["config", command], tmp_path, json_format=False)
        assert listed.code == 0, listed.err
        for rule, rule_kind, purpose in RULES:
            assert (rule in listed.out) == (rule_kind == kind), rule
            if rule_kind == kind:
                assert purpose in listed.out


def test_a_corrupt_option_is_a_finding_at_its_message(sides: tuple[list[Any], list[Any]]) -> None:
    old, new = sides
    option = field(1, "user-signed-up")  # the option's bytes: name = "user-signed-up"
    corrupt = b"\x0a\x7f" + b"x" * (len(option) - 2)  # same length, a string past the end
    files = b""
    for file in new:  # the bytes as buf would send them (they do not parse here)
        data = file.SerializeToString()
        files += field(1, field(1, data.replace(option, corrupt) if option in data else data))
    against = b"".join(field(2, field(1, f.SerializeToString())) for f in old)
    rules = [rule for rule, _, _ in RULES]
    for asked, rule in ((rules, "EVENT_OPTION_ON_MESSAGE"), (["EVENT_RENAMED"], None)):
        body = files + against + b"".join(field(4, rule) for rule in asked)
        done = call("check", stdin=request("Check", body))
        assert b"Traceback" not in done.stderr
        annotations = [decode(a) for a in response(done, "Check").get(1, [])]
        unreadable = [a for a in annotations if b"cannot read the" in a[2][0]]
        assert len(unreadable) == 1, annotations
        (found,) = unreadable
        assert found[1] == [(rule or "EVENT_OPTION_REMOVED").encode()]
        assert b"(protonats.v1.event) option of UserRegistered" in found[2][0]
        location = decode(found[3][0])
        assert location[1] == [b"shop/v1/user.proto"]
        assert list(location[2][0])[:2] == [4, 0]  # at the message
