"""What every bench script shares: CPU time and peak memory of a whole process, medians,
and one printed row per figure with its goal and the anchors measured in the same run.

CPU seconds (user + system of the child) rather than wall time: the machines these run on
are shared, and a busy neighbour stretches wall time far more than CPU time. The load
average is printed with every table for the same reason.
"""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def child_env() -> dict[str, str]:
    """The environment of an installed skipcheck: bytecode is cached (pip compiles it), so
    PYTHONDONTWRITEBYTECODE, which makes every start recompile from source, is dropped."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.pop("FORCE_COLOR", None)
    env.pop("GITHUB_ACTIONS", None)
    return env


def compile_package() -> None:
    compileall.compile_dir(str(ROOT / "skipcheck"), quiet=1)


def run_once(cmd: Sequence[str], cwd: Path | None = None) -> tuple[float, float]:
    """CPU seconds and peak resident MiB of one run of ``cmd``."""
    proc = subprocess.Popen(
        list(cmd),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=child_env(),
        cwd=cwd or ROOT,
    )
    _, _, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def median_run(cmd: Sequence[str], runs: int, cwd: Path | None = None) -> tuple[float, float]:
    """Median CPU seconds and median peak MiB over ``runs`` runs."""
    results = [run_once(cmd, cwd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def header(title: str, runs: int) -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{title} — median of {runs}, CPU seconds; load average {load}")
    print(f"  {'figure':>10}  {'goal':>10}  what")


def row(figure: str, goal: str, what: str) -> None:
    print(f"  {figure:>10}  {goal:>10}  {what}")


def anchors(runs: int) -> None:
    """The floor every whole-process figure stands on, measured in the same run."""
    for label, code in (("python -c pass", "pass"), ('python -c "import yaml"', "import yaml")):
        cpu, _ = median_run([PYTHON, "-c", code], runs)
        row(f"{cpu:.3f} s", "(anchor)", label)
