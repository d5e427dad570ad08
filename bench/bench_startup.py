"""Whole-process time of `skipcheck validate` next to `python -c "import torch"`.

Prints medians over repeated runs on this machine; nothing is asserted.
Usage: python bench/bench_startup.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def median_seconds(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    spec = str(ROOT / "specs" / "unet_original.yaml")
    rows = [
        ("python -c pass", [sys.executable, "-c", "pass"]),
        (
            "skipcheck validate specs/unet_original.yaml",
            [sys.executable, "-m", "skipcheck", "validate", spec],
        ),
        (
            "skipcheck validate -q specs/unet_original.yaml",
            [sys.executable, "-m", "skipcheck", "validate", "-q", spec],
        ),
        (
            "skipcheck validate --output-format concise (CI)",
            [sys.executable, "-m", "skipcheck", "validate", "--output-format", "concise", spec],
        ),
    ]
    try:
        import importlib.util

        if importlib.util.find_spec("torch") is not None:
            rows.append(('python -c "import torch"', [sys.executable, "-c", "import torch"]))
    except ImportError:
        pass
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        # every run would recompile the package from source: not what a user's install does
        print("note: PYTHONDONTWRITEBYTECODE is set; unset it for figures that match an install")
    print(f"median of {args.runs} runs, whole process")
    results = {}
    for label, cmd in rows:
        results[label] = median_seconds(cmd, args.runs)
        print(f"  {results[label] * 1000:8.1f} ms  {label}")
    torch_key = 'python -c "import torch"'
    if torch_key in results:
        ratio = results[torch_key] / results["skipcheck validate specs/unet_original.yaml"]
        print(f"  import torch takes {ratio:.1f}x as long as a whole validate run")


if __name__ == "__main__":
    main()
