"""protoc-gen-protonats ``language=typescript``: golden output on the fixture protos, the npm
version of a registry version, the values that must agree between the two languages, and
``buf.gen.yaml`` without its TypeScript outputs (a machine without Node.js).

Update the golden files with ``UPDATE_GOLDEN=1 pytest tests/test_codegen_typescript.py``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from protonats_codegen import __version__
from protonats_codegen._plugin import generate
from protonats_codegen._source import CodegenError
from protonats_codegen._typescript import PROTOBUF_ES_RANGE, camel, npm_version
from protonats_codegen.template import python_only

from protonats import _wire
from protonats.events._fields import FLAGS, LIMITS, POLICIES
from protonats.jetstream import _config

from . import ts_env
from .test_codegen import FIXTURES, compile_set, fixture_files, make_request

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "codegen_typescript"
RUNTIME = ROOT / "ts" / "runtime"
OPTIONS = "package=kitchen-events,version=2.0.0rc1,language=typescript"


@pytest.fixture(scope="module")
def output() -> dict[str, str]:
    files = fixture_files()
    response = generate(make_request(compile_set(FIXTURES, files), files, OPTIONS))
    assert response.error == ""
    return {f.name: f.content for f in response.file}


def test_golden(output: dict[str, str]) -> None:
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for name, content in output.items():
            (GOLDEN / f"{name}.golden").parent.mkdir(parents=True, exist_ok=True)
            (GOLDEN / f"{name}.golden").write_text(content)
    golden = {
        str(p.relative_to(GOLDEN)).removesuffix(".golden"): p.read_text()
        for p in GOLDEN.rglob("*.golden")
    }
    assert sorted(output) == sorted(golden), "set UPDATE_GOLDEN=1 to accept new files"
    for name, content in output.items():
        assert content == golden[name], f"{name} differs from its golden file"


def test_every_limit_and_policy_row_reaches_events_ts(output: dict[str, str]) -> None:
    """Read from the table, not listed by hand: a new row needs no edit of the generator."""
    events = output["src/events.ts"]
    constants = events.count(": Event<typeof ")
    assert constants >= 3
    for row in LIMITS:
        assert events.count(f"    {camel(row.keyword)}: ") >= constants, row.keyword
    for policy in POLICIES:
        assert events.count(f"    {camel(policy.keyword)}: ") >= constants, policy.keyword
    for flag in FLAGS:
        assert events.count(f"    {camel(flag.keyword)}: ") >= constants, flag.keyword


def test_package_json_has_the_wheel_version_and_the_runtime(output: dict[str, str]) -> None:
    package = json.loads(output["package.json"])
    assert (package["name"], package["version"]) == ("kitchen-events", "2.0.0-rc.1")
    assert package["dependencies"] == {
        "@bufbuild/protobuf": PROTOBUF_ES_RANGE,
        "@protonats/runtime": f"^{npm_version(__version__)}",
    }


@pytest.mark.parametrize(
    ("python", "npm"),
    [
        ("1.4", "1.4.0"),
        ("1.4.20261126181920", "1.4.20261126181920"),
        ("1.4.20261126181920+dirty", "1.4.20261126181920+dirty"),
        ("1.4.0+shallow.dirty", "1.4.0+shallow.dirty"),
        ("2.0.0rc1", "2.0.0-rc.1"),
        ("2.0b3.dev4", "2.0.0-beta.3.dev.4"),
        ("1.4.0+nogit", "1.4.0+nogit"),
    ],
)
def test_npm_version(python: str, npm: str) -> None:
    assert npm_version(python) == npm


def test_a_version_with_four_numbers_is_refused() -> None:
    with pytest.raises(CodegenError, match=r"MAJOR\.MINOR base"):
        npm_version("1.4.0.20261126181920")


def test_the_runtime_is_released_with_protonats() -> None:
    """@protonats/runtime has protonats' version and the @bufbuild/protobuf range the generated
    package asks for; the lock pins protoc-gen-es in that range."""
    package = json.loads((RUNTIME / "package.json").read_text())
    assert package["version"] == npm_version(__version__)
    assert package["dependencies"]["@bufbuild/protobuf"] == PROTOBUF_ES_RANGE
    lock = json.loads((ROOT / "ts" / "package-lock.json").read_text())
    plugin = lock["packages"]["node_modules/@bufbuild/protoc-gen-es"]["version"]
    assert plugin.split(".")[0] == PROTOBUF_ES_RANGE.lstrip("^").split(".")[0]
    assert tuple(map(int, plugin.split("."))) >= tuple(
        map(int, PROTOBUF_ES_RANGE.lstrip("^").split("."))
    )


def _ts_constants(path: Path) -> dict[str, str]:
    found = re.findall(r'^export const (\w+) = "([^"]*)";$', path.read_text(), re.M)
    return dict(found)


def test_the_typescript_wire_contract_is_pythons() -> None:
    wire = _ts_constants(RUNTIME / "src" / "wire.ts")
    names = (
        "CONTENT_TYPE",
        "SCHEMA",
        "EXPECTED_STREAM",
        "MSG_ID",
        "TRACE_ID",
        "TRACEPARENT",
        "TTL",
        "BATCH_ID",
        "BATCH_SEQUENCE",
        "BATCH_COMMIT",
    )
    for name in (*names, "CLOUDEVENTS_PREFIX"):
        assert wire[name] == getattr(_wire, name), name
    reserved = re.search(
        r"RESERVED[^=]*= new Set\(\[(.*?)\]\)", (RUNTIME / "src" / "wire.ts").read_text(), re.S
    )
    assert reserved is not None
    assert {wire[n.strip()] for n in reserved.group(1).split(",") if n.strip()} == _wire.RESERVED
    meta = _ts_constants(RUNTIME / "src" / "stream.ts")
    for name in ("META_EVENT", "META_SCHEMA", "META_VERSION"):
        assert meta[name] == getattr(_config, name), name


def test_without_node_buf_gen_yaml_keeps_only_the_python_outputs(tmp_path: Path) -> None:
    template = python_only((ROOT / "buf.gen.yaml").read_text())
    assert "gen/ts" not in template
    assert "language=typescript" not in template
    assert template.count("out: gen/python") == 3
    # buf itself accepts it, with nothing of Node.js on the way.
    buf = ROOT / ".venv" / "bin" / "buf"
    done = subprocess.run(
        [str(buf), "generate", "--template", template, "-o", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "gen" / "python" / "shop_events" / "__init__.py").exists()
    assert not (tmp_path / "gen" / "ts").exists()


def test_the_fixture_package_compiles_with_protoc_gen_es(tmp_path: Path) -> None:
    """events.ts names protoc-gen-es' schemas as protoc-gen-es writes them (nested messages,
    a message called Event, editions), and the package compiles with tsc --strict."""
    ts_env.installed()
    files = fixture_files()
    protoc = [sys.executable, "-m", "grpc_tools.protoc", f"-I{ROOT / 'proto'}", f"-I{FIXTURES}"]
    (tmp_path / "src").mkdir()
    es = ts_env.NODE_MODULES / ".bin" / "protoc-gen-es"
    ts_env.run(
        [
            *protoc,
            f"--plugin=protoc-gen-es={es}",
            f"--es_out={tmp_path / 'src'}",
            "--es_opt=target=ts,import_extension=js",
            *files,
            "protonats/v1/options.proto",  # imported: the schemas' descriptors need its module
        ],
        ROOT,
    )
    ts_env.run(
        [
            *protoc,
            f"--plugin=protoc-gen-protonats={Path(sys.executable).parent / 'protoc-gen-protonats'}",
            f"--protonats_out={tmp_path}",
            f"--protonats_opt={OPTIONS}",
            *files,
        ],
        ROOT,
    )
    (tmp_path / "node_modules").symlink_to(ts_env.NODE_MODULES, target_is_directory=True)
    ts_env.run([str(ts_env.TSC), "-p", "tsconfig.json"], tmp_path)
    assert (tmp_path / "dist" / "events.d.ts").exists()
