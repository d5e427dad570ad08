"""Many files on every core: `skipcheck validate DIR --jobs N` against one process, in CPU
seconds and wall seconds, beside yamllint on the same files (issue 24's goal: ≤ 35× one
`validate` in CPU, and half of that in wall time on 2 cores, for 1,000 files).

    python bench/bench_jobs.py [--runs 3] [--files 1000] [--jobs 2]

The corpus comes from bench/gen_specs.py (the shipped specs with small variations, about
10 % broken). Wall time is only as good as the machine is quiet: the load average is
printed with the table. Peak memory is that of the largest process (the main one or a
worker), at a tenth of the files, at the files and at three times as many: what a run keeps
past its first files is the bounded caches of its size arithmetic, never a file.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

import gen_specs
from measure import PYTHON, ROOT, child_env, compile_package, header, row

VALIDATE = [PYTHON, "-m", "skipcheck", "validate"]


def timed(cmd: Sequence[str]) -> tuple[float, float, float]:
    """CPU seconds (the process and its workers), wall seconds and peak MiB of one run."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        list(cmd), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env(), cwd=ROOT
    )
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    return usage.ru_utime + usage.ru_stime, wall, usage.ru_maxrss / 1024


def median(cmd: Sequence[str], runs: int) -> tuple[float, float, float]:
    results = [timed(cmd) for _ in range(runs)]
    cpu, wall, mib = (statistics.median(r[k] for r in results) for k in range(3))
    return cpu, wall, mib


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        corpus, small, large = Path(tmp) / "corpus", Path(tmp) / "small", Path(tmp) / "large"
        gen_specs.corpus(args.files, corpus)
        gen_specs.corpus(max(1, args.files // 10), small)
        gen_specs.corpus(3 * args.files, large)
        header(f"{args.files} files, --jobs {args.jobs} on {os.cpu_count()} cores", args.runs)
        one, _, _ = median([*VALIDATE, str(ROOT / "specs" / "unet_original.yaml")], args.runs)
        row(f"{one:.3f} s", "(unit)", "one `validate specs/unet_original.yaml`, CPU")
        for label, extra in (("concise", []), ("concise --no-fixes", ["--no-fixes"])):
            base = [*VALIDATE, str(corpus), "--output-format", "concise", *extra]
            cpu1, wall1, _ = median([*base, "--jobs", "1"], args.runs)
            cpu, wall, mib = median([*base, "--jobs", str(args.jobs)], args.runs)
            # peak memory is the same run after run: measured once at a tenth and at three
            # times the files
            peaks = [
                timed(
                    [*VALIDATE, str(d), "--output-format", "concise", *extra, "-j", str(args.jobs)]
                )[2]
                for d in (small, large)
            ]
            print(f"  {label}:")
            row(f"{cpu1:.2f} s", "", f"  --jobs 1: CPU ({cpu1 / one:.1f}× one), wall {wall1:.2f} s")
            row(
                f"{cpu:.2f} s",
                f"≤ {35 * one:.2f} s",
                f"  --jobs {args.jobs}: CPU, {cpu / one:.1f}× one (goal ≤ 35×)",
            )
            row(
                f"{wall:.2f} s",
                f"≤ {17.5 * one:.2f} s",
                f"  --jobs {args.jobs}: wall, {wall / one:.1f}× one's CPU (goal ≤ 17.5×); "
                f"{wall1 / wall:.2f}× faster than --jobs 1",
            )
            sizes = f"{max(1, args.files // 10):,} / {args.files:,} / {3 * args.files:,}"
            row(
                f"{peaks[0]:.0f} / {mib:.0f} / {peaks[1]:.0f} MiB",
                "flat",
                f"  peak memory at {sizes} files (--jobs {args.jobs}); "
                f"{(peaks[1] - mib) / (2 * args.files) * 1024:.1f} KiB more per file past {args.files:,}",
            )
        yamllint = shutil.which("yamllint") or str(Path(sys.executable).with_name("yamllint"))
        if Path(yamllint).exists():
            cpu, wall, mib = median([yamllint, "-d", "relaxed", str(corpus)], args.runs)
            row(
                f"{cpu:.2f} s",
                "(anchor)",
                f"yamllint -d relaxed on the same files: CPU; wall {wall:.2f} s",
            )
        else:
            row("—", "(anchor)", "yamllint is not installed (pip install yamllint)")


if __name__ == "__main__":
    main()
