"""The declaration fingerprint: equal declarations agree, any declared difference changes it."""

from __future__ import annotations

import dataclasses
import subprocess
import sys

from google.protobuf import descriptor_pb2, timestamp_pb2

from protonats import Event, Limits, Storage
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
