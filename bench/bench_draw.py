"""How long ``skipcheck draw`` takes on each shipped spec: in-process and as a whole process.

    python bench/bench_draw.py [--runs 5]

Prints the median of ``runs`` runs, in milliseconds, per spec.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from skipcheck.draw import draw

SPECS = Path(__file__).resolve().parent.parent / "specs"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"{'spec':<22} {'in-process ms':>14} {'process ms':>11}")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in sorted(SPECS.glob("*.yaml")):
            inside, whole = [], []
            for _ in range(runs):
                started = time.perf_counter()
                draw(str(spec), "svg")
                inside.append(time.perf_counter() - started)
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "skipcheck", "draw", str(spec), "-o", f"{tmp}/x.svg"],
                    capture_output=True,
                    check=False,
                )
                whole.append(time.perf_counter() - started)
            print(
                f"{spec.name:<22} {statistics.median(inside) * 1000:>14.1f} "
                f"{statistics.median(whole) * 1000:>11.0f}"
            )


if __name__ == "__main__":
    main()
