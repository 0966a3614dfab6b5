"""The declaration fingerprint: equal declarations agree, any declared difference changes it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, timestamp_pb2

from protonats import Event, EventDeclarationError, Limits, Storage
from protonats.events._fingerprint import descriptor_set, fingerprint


@dataclasses.dataclass
class User:
    id: str
    age: int = 0


def test_equal_declarations_equal_fingerprints() -> None:
    one = Event("user-registered", User, limits=Limits(age=60))
    two = Event("user-registered", User, limits=Limits(age=60))
    assert fingerprint(one) == fingerprint(two)
    assert fingerprint(one).startswith("sha256:")


def test_every_declared_part_changes_it() -> None:
    base = Event("user-registered", User, limits=Limits(age=60))
    variants: list[Event[object]] = [
        Event("user-created", User, limits=Limits(age=60)),
        Event("user-registered", User, limits=Limits(age=61)),
        Event("user-registered", User, limits=Limits(age=60), description="x"),
        Event("user-registered", User, limits=Limits(age=60), storage=Storage.MEMORY),
        Event("user-registered", bytes, limits=Limits(age=60)),
    ]
    prints = {fingerprint(base), *(fingerprint(v) for v in variants)}
    assert len(prints) == 1 + len(variants)


def test_same_in_another_process() -> None:
    code = (
        "from google.protobuf import timestamp_pb2; from protonats import Event;"
        "from protonats.events._fingerprint import fingerprint;"
        "print(fingerprint(Event('tick', timestamp_pb2.Timestamp)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == fingerprint(Event("tick", timestamp_pb2.Timestamp))


def test_descriptor_set_holds_dependencies_first() -> None:
    files = descriptor_pb2.FileDescriptorSet.FromString(descriptor_set(timestamp_pb2.Timestamp))
    assert [f.name for f in files.file] == ["google/protobuf/timestamp.proto"]


def test_hand_written_schema_name_does_not_depend_on_how_the_module_runs(tmp_path: Path) -> None:
    module = tmp_path / "handwritten.py"
    module.write_text(
        "import dataclasses\n"
        "from protonats import Event\n"
        "from protonats.events._fingerprint import fingerprint\n"
        "@dataclasses.dataclass\n"
        "class User:\n"
        "    id: str\n"
        "EVENT = Event('user-registered', User)\n"
        "if __name__ == '__main__':\n"
        "    print(EVENT.schema_name, fingerprint(EVENT))\n"
    )
    as_script = [sys.executable, str(module)]
    as_module = [
        sys.executable,
        "-c",
        "import handwritten; from protonats.events._fingerprint import fingerprint;"
        "print(handwritten.EVENT.schema_name, fingerprint(handwritten.EVENT))",
    ]
    outs = {
        subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, check=True).stdout
        for args in (as_script, as_module)
    }
    assert len(outs) == 1
    assert outs.pop().split()[0] == "User"


def test_an_explicit_schema_name_wins_and_protobuf_names_cannot_be_overridden() -> None:
    assert Event("u", User, schema_name="shop.User").schema_name == "shop.User"
    assert Event("u", User, schema_name="shop.User") != Event("u", User)
    with pytest.raises(EventDeclarationError, match="full name"):
        Event("tick", timestamp_pb2.Timestamp, schema_name="Tick")
    with pytest.raises(EventDeclarationError, match="schema_name"):
        Event("u", User, schema_name="has\nnewline")
