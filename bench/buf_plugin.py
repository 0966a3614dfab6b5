"""Benchmark of buf-plugin-protonats: what the event rules add to ``buf lint`` and
``buf breaking``.

On the example registry (``proto/``) and on a generated registry of 1000 event protos (the
shape of ``bench/codegen.py``), in one run: ``buf lint`` and ``buf breaking --against
<image of the same tree>`` with buf's own rules only (STANDARD / FILE) and with the plugin
added (PROTONATS_EVENTS), interleaved (the order alternates per repetition), medians of the
paired differences. buf starts the plugin about nine times a run (protocol, spec, list-rules,
list-categories twice, check), so the start-up of each call is measured too.

Budget: the plugin adds at most 0.8 s on the example registry and 2 s on 1000 events. The
added CPU time (buf's and the plugin processes') is shown too: on a busy machine it says what
the wall-clock figure would be on an idle one.

    python bench/buf_plugin.py [--repeat 7] [--events 1000]
"""

from __future__ import annotations

import argparse
import compileall
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from codegen import COMMON_PROTO, EVENT_PROTO, PER_FOLDER

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
BUF = str(BIN / "buf")
PLUGIN = str(BIN / "buf-plugin-protonats")
# As installed from a wheel: bytecode cached (pip compiles it at install time), so the plugin's
# nine starts a run do not each compile its modules again.
ENV = {
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
}
BUDGET = {"example": 0.8, "1000 events": 2.0}

WITHOUT = (
    "version: v2\nmodules:\n  - path: proto\nlint:\n  use: [STANDARD]\nbreaking:\n  use: [FILE]\n"
)
WITH = (
    "version: v2\nmodules:\n  - path: proto\nlint:\n  use: [STANDARD, PROTONATS_EVENTS]\n"
    "breaking:\n  use: [FILE, PROTONATS_EVENTS]\nplugins:\n  - plugin: buf-plugin-protonats\n"
)


def example(root: Path) -> None:
    shutil.copytree(ROOT / "proto", root / "proto")


def generated(root: Path, events: int) -> None:
    proto = root / "proto"
    shutil.copytree(ROOT / "proto" / "protonats", proto / "protonats")
    (proto / "bench" / "common" / "v1").mkdir(parents=True)
    (proto / "bench" / "common" / "v1" / "common.proto").write_text(COMMON_PROTO)
    for n in range(events):
        folder = proto / "bench" / f"d{n // PER_FOLDER}" / "v1"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"thing{n}.proto").write_text(EVENT_PROTO.format(folder=n // PER_FOLDER, n=n))


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # buf, and the plugins buf waited for
    return usage.ru_utime + usage.ru_stime


def run(root: Path, config: str, args: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one buf command with ``config`` as buf.yaml (the CPU time
    of buf and of every plugin process it ran); buf must accept the tree."""
    (root / "buf.yaml").write_text(config)
    cpu, start = _cpu(), time.perf_counter()
    done = subprocess.run([BUF, *args], cwd=root, env=ENV, capture_output=True, check=False)
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    if done.returncode not in (0, 100):
        raise SystemExit(f"buf {' '.join(args)} failed: {done.stderr.decode()}")
    return elapsed, cpu


def paired(root: Path, args: list[str], repeat: int) -> tuple[float, float, float, float]:
    """Medians of (without, with, with - without, CPU with - CPU without) over ``repeat``
    interleaved pairs, after one untimed warm-up of each."""
    run(root, WITHOUT, args), run(root, WITH, args)
    pairs = []
    for i in range(repeat):
        if i % 2:
            with_ = run(root, WITH, args)
            without = run(root, WITHOUT, args)
        else:
            without = run(root, WITHOUT, args)
            with_ = run(root, WITH, args)
        pairs.append((without, with_))
    return (
        statistics.median(p[0][0] for p in pairs),
        statistics.median(p[1][0] for p in pairs),
        statistics.median(p[1][0] - p[0][0] for p in pairs),
        statistics.median(p[1][1] - p[0][1] for p in pairs),
    )


def startup(repeat: int) -> tuple[float, float]:
    """Median seconds of ``--protocol`` and of ``list-rules`` (no protobuf, no protonats)."""
    times: dict[str, list[float]] = {"protocol": [], "list": []}
    for _ in range(repeat):
        for key, args in (("protocol", ["--protocol"]), ("list", ["list-rules"])):
            start = time.perf_counter()
            subprocess.run(
                [PLUGIN, *args], stdin=subprocess.DEVNULL, capture_output=True, env=ENV, check=True
            )
            times[key].append(time.perf_counter() - start)
    return statistics.median(times["protocol"]), statistics.median(times["list"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--events", type=int, default=1000)
    args = parser.parse_args()
    compileall.compile_dir(ROOT / "codegen", quiet=1)  # the bytecode a wheel install writes
    compileall.compile_dir(ROOT / "src", quiet=1)
    protocol, listing = startup(args.repeat * 3)
    print(f"plugin start-up (median): --protocol {protocol * 1000:.0f} ms, "
          f"list-rules {listing * 1000:.0f} ms")  # fmt: skip
    print(f"{'registry':<12} {'command':<14} {'buf only s':>10} {'+ plugin s':>10} "
          f"{'added s':>8} {'added CPU s':>11} {'budget s':>8}")  # fmt: skip
    failed = False
    for name in ("example", f"{args.events} events"):
        with tempfile.TemporaryDirectory(prefix="protonats-bufplugin-") as tmp:
            root = Path(tmp)
            example(root) if name == "example" else generated(root, args.events)
            (root / "buf.yaml").write_text(WITHOUT)
            image = root / "baseline.binpb"
            subprocess.run([BUF, "build", "-o", str(image)], cwd=root, env=ENV, check=True)
            for command, buf_args in (
                ("buf lint", ["lint"]),
                ("buf breaking", ["breaking", "--against", str(image)]),
            ):
                without, with_, added, cpu = paired(root, buf_args, args.repeat)
                budget = BUDGET.get(name, BUDGET["1000 events"])
                failed |= added > budget
                print(f"{name:<12} {command:<14} {without:>10.2f} {with_:>10.2f} "
                      f"{added:>8.2f} {cpu:>11.2f} {budget:>8.1f}")  # fmt: skip
    if failed:
        raise SystemExit("the plugin adds more than its budget")


if __name__ == "__main__":
    main()
