"""Many broken merges (issue 22, item 13): N stages, each adding the stage before with the
other channel count (N SC101 findings, one fix site each). validate (proving fixes),
validate --no-fixes, fix and draw, as whole processes: CPU seconds, medians, with the load.

    python bench/bench_broken_merges.py [--runs 3] [--tree DIR]

``--tree DIR`` runs the skipcheck found in DIR instead (a checkout of the code before, say),
for a before/after table on one machine. The last row is the largest spec of this kind
under the 2 MB file limit (about 1.9 MB, 19,000 stages); a run past 60 s CPU is cut there.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import tempfile
from pathlib import Path

from measure import PYTHON, anchors, child_env, compile_package, header, row

LIMIT_S = 60


def spec(n: int) -> str:
    lines = ["skipcheck: 1", "input: [1, 3, 64, 64]", "encoder:"]
    lines.append("  - {stage: s0, layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}]}")
    for i in range(1, n + 1):
        c = 16 if i % 2 else 8
        lines.append(
            f"  - {{stage: s{i}, layers: [{{conv: {{out_channels: {c}, kernel_size: 3, "
            f"padding: 1}}}}, {{add: s{i - 1}}}]}}"
        )
    return "\n".join(lines) + "\n"


def cpu_of(cmd: list[str], cwd: Path) -> float | None:
    """CPU seconds of one run, None where it ran past LIMIT_S of CPU."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_CPU, (LIMIT_S, LIMIT_S + 1))

    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(),
        cwd=cwd,
        preexec_fn=limit,  # a CPU limit, set in the child only
    )
    _, status, usage = os.wait4(proc.pid, 0)
    cpu = usage.ru_utime + usage.ru_stime
    return None if os.WIFSIGNALED(status) else cpu


def median(values: list[float | None]) -> str:
    done = sorted(v for v in values if v is not None)
    if len(done) < len(values):
        return f"> {LIMIT_S} s"
    return f"{done[len(done) // 2]:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--tree", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--sizes", default="250,1000,2000,3000,19000")
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        header(f"many broken merges ({args.tree})", args.runs)
        anchors(args.runs)
        for n in (int(x) for x in args.sizes.split(",")):
            path = Path(tmp) / f"broken{n}.yaml"
            path.write_text(spec(n))
            size = f"N = {n:,} ({path.stat().st_size / 1e6:.2f} MB)"
            commands = {
                "validate": ["validate", str(path)],
                "validate --no-fixes": ["validate", "--no-fixes", str(path)],
                "fix": ["fix", str(path)],
                "draw": ["draw", str(path), "-o", str(Path(tmp) / "out.svg")],
            }
            for what, cmd in commands.items():
                runs = [
                    cpu_of([PYTHON, "-m", "skipcheck", *cmd], args.tree) for _ in range(args.runs)
                ]
                row(median(runs), "seconds", f"{size}: {what}")


if __name__ == "__main__":
    main()
