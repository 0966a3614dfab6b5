"""Benchmark of ``make generate``: buf + protoc's Python + mypy stubs + protoc-gen-protonats.

Generates registries of N event protos spread over many folders (10 files a folder, each
with a shared-types import and a Timestamp) and times ``buf generate`` on them with the
repo's own buf.gen.yaml. Target: 1000 events in under 3 s, growing linearly.

    python bench/codegen.py [--sizes 100 1000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PER_FOLDER = 10

EVENT_PROTO = """\
syntax = "proto3";

package bench.d{folder}.v1;

import "bench/common/v1/common.proto";
import "google/protobuf/timestamp.proto";
import "protonats/v1/options.proto";

// Something number {n} happened.
message Thing{n}Happened {{
  option (protonats.v1.event) = {{
    name: "thing-{n}-happened"
    limits: {{
      max_age: {{seconds: 86400}}
      max_messages: 100000
      max_message_size: 4096
    }}
  }};

  // Its id.
  string id = 1;
  // Who did it.
  bench.common.v1.Actor actor = 2;
  // When.
  google.protobuf.Timestamp at = 3;
  // How much.
  optional int64 amount = 4;
}}
"""

COMMON_PROTO = """\
syntax = "proto3";

package bench.common.v1;

// Who did something.
message Actor {
  // Their id.
  string id = 1;
}
"""


def make_workspace(root: Path, events: int, only_protonats: bool) -> None:
    """A buf workspace with ``events`` event protos and the repo's generation template."""
    proto = root / "proto"
    shutil.copytree(ROOT / "proto" / "protonats", proto / "protonats")
    (proto / "bench" / "common" / "v1").mkdir(parents=True)
    (proto / "bench" / "common" / "v1" / "common.proto").write_text(COMMON_PROTO)
    for n in range(events):
        folder = proto / "bench" / f"d{n // PER_FOLDER}" / "v1"
        folder.mkdir(parents=True, exist_ok=True)
        text = EVENT_PROTO.format(folder=n // PER_FOLDER, n=n)
        (folder / f"thing{n}.proto").write_text(text)
    shutil.copy(ROOT / "buf.yaml", root / "buf.yaml")
    template = (ROOT / "buf.gen.yaml").read_text().replace(".venv/bin/", f"{BIN}/")
    template = template.replace("shop-events", "bench-events")
    if only_protonats:
        start = template.index("  # *_pb2.py")
        end = template.index("  # events.py per proto package")
        template = template[:start] + template[end:]
    (root / "buf.gen.yaml").write_text(template)


def time_generate(root: Path, repeat: int) -> list[float]:
    """Wall-clock seconds of ``buf generate``, after one untimed warm-up run."""
    times = []
    for attempt in range(repeat + 1):
        start = time.perf_counter()
        subprocess.run([str(BIN / "buf"), "generate"], cwd=root, check=True)
        if attempt:
            times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'events':>7} {'folders':>7} {'pipeline s':>11} {'protonats only s':>17} {'ms/event':>9}"
    )
    for size in args.sizes:
        row = []
        for only in (False, True):
            with tempfile.TemporaryDirectory(prefix="protonats-bench-") as tmp:
                make_workspace(Path(tmp), size, only_protonats=only)
                row.append(statistics.median(time_generate(Path(tmp), args.repeat)))
        folders = -(-size // PER_FOLDER)
        per_event = row[0] / size * 1000
        print(f"{size:>7} {folders:>7} {row[0]:>11.2f} {row[1]:>17.2f} {per_event:>9.2f}")


if __name__ == "__main__":
    main()
