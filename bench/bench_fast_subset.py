"""The fast test subset a contributor runs while working: its wall time on every core, its
CPU, and (with --coverage) whether every module of the package runs in it (issue 24, item 8:
≤ 60 s on a quiet 2-core machine, every module covered).

    python bench/bench_fast_subset.py [--runs 1] [--workers 2] [--coverage]

Wall time is only as good as the machine is quiet: the load average is printed before and
after. --coverage runs the subset once more in one process under coverage.py (the bench extra:
`pip install -c constraints.txt -e '.[bench]'`), following the command-line tests into the
subprocesses they start, and lists the modules that no fast test runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from measure import PYTHON, ROOT, child_env, row

SUBSET = ["-m", "pytest", "-q", "-m", "not slow", "-p", "no:cacheprovider"]


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def cpu_of_children() -> float:
    """CPU seconds (user + system) of every child waited for so far, theirs included."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(workers: int) -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (the runner and its workers) and pytest's last line."""
    cpu, started = cpu_of_children(), time.perf_counter()
    done = subprocess.run(
        [PYTHON, *SUBSET, "-n", str(workers)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=child_env(),
        cwd=ROOT,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return wall, cpu_of_children() - cpu, lines[-1] if lines else "(no output)"


def coverage() -> None:
    if importlib.util.find_spec("coverage") is None:
        row("—", "", "coverage is not installed (pip install coverage)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        # the command-line tests run skipcheck in subprocesses: coverage follows them there
        rc = Path(tmp) / "coveragerc"
        rc.write_text(
            f"[run]\nsource = skipcheck\nparallel = true\npatch = subprocess\n"
            f"data_file = {Path(tmp) / '.coverage'}\n"
        )
        report = Path(tmp) / "cov.json"
        env = {**child_env(), "COVERAGE_RCFILE": str(rc)}
        ran = subprocess.run(
            [PYTHON, "-m", "coverage", "run", *SUBSET],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        subprocess.run([PYTHON, "-m", "coverage", "combine", "-q"], cwd=ROOT, env=env, check=False)
        done = subprocess.run(
            [PYTHON, "-m", "coverage", "json", "-q", "-o", str(report)],
            cwd=ROOT,
            env=env,
            check=False,
        )
        if done.returncode or not report.exists():
            row("—", "", f"coverage recorded nothing: {ran.stdout[-300:]}{ran.stderr[-300:]}")
            return
        files = json.loads(report.read_text())["files"]
    # a module with no statements (a package's docstring) has nothing to run
    package = sorted(
        str(p.relative_to(ROOT))
        for p in (ROOT / "skipcheck").rglob("*.py")
        if files.get(str(p.relative_to(ROOT)), {}).get("summary", {}).get("num_statements", 1)
    )
    executed = {name for name, f in files.items() if f["summary"]["covered_lines"]}
    never = [p for p in package if p not in executed]
    lines = sum(f["summary"]["num_statements"] for f in files.values())
    covered = sum(f["summary"]["covered_lines"] for f in files.values())
    row(
        f"{len(package) - len(never)}/{len(package)}",
        "all",
        "modules of skipcheck/ (with statements) that a fast test runs, subprocesses included",
    )
    row(f"{100 * covered / lines:.0f} %", "", "of their statements")
    for p in never:
        print(f"      never run: {p}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--coverage", action="store_true")
    args = parser.parse_args()
    print(
        f"pytest -m 'not slow' -n {args.workers} on {os.cpu_count()} cores — median of "
        f"{args.runs}; load average {load()}"
    )
    print(f"  {'figure':>10}  {'goal':>10}  what")
    walls, cpus = [], []
    last = ""
    for _ in range(args.runs):
        wall, cpu, last = timed(args.workers)
        walls.append(wall)
        cpus.append(cpu)
    row(f"{statistics.median(walls):.1f} s", "≤ 60 s", f"wall: {last}")
    row(f"{statistics.median(cpus):.1f} s", "", "CPU, user + system of every worker")
    print(f"  load average after: {load()}")
    if args.coverage:
        coverage()


if __name__ == "__main__":
    main()
