"""How long ``skipcheck draw`` takes on each shipped spec: in-process (SVG at depth 1 and
2, and the HTML page with every stage opened) and as a whole process.

    python bench/bench_draw.py [--runs 5]

Prints the median of ``runs`` runs, in milliseconds, per spec, with the machine's load
(``os.getloadavg``) before and after, and the largest spec (most layers) last.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from skipcheck.draw import draw, load

SPECS = Path(__file__).resolve().parent.parent / "specs"


def median_ms(runs: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    print(f"load average before: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    print(
        f"{'spec':<28} {'layers':>6} {'svg d1 ms':>10} {'svg d2 ms':>10} "
        f"{'html ms':>8} {'process ms':>11}"
    )
    sizes = {}
    for spec in sorted(SPECS.glob("*.yaml")):
        graph = load(str(spec)).graph
        sizes[spec] = len(graph.nodes) if graph is not None else 0
    largest = max(sizes, key=lambda spec: sizes[spec])
    with tempfile.TemporaryDirectory() as tmp:
        for spec in [*(s for s in sizes if s != largest), largest]:
            d1 = median_ms(runs, partial(draw, str(spec), "svg"))
            d2 = median_ms(runs, partial(draw, str(spec), "svg", depth=2))
            page = median_ms(runs, partial(draw, str(spec), "html"))
            whole = []
            for _ in range(runs):
                started = time.perf_counter()
                subprocess.run(
                    [sys.executable, "-m", "skipcheck", "draw", str(spec), "-o", f"{tmp}/x.svg"],
                    capture_output=True,
                    check=False,
                )
                whole.append(time.perf_counter() - started)
            print(
                f"{spec.name:<28} {sizes[spec]:>6} {d1:>10.1f} {d2:>10.1f} {page:>8.1f} "
                f"{statistics.median(whole) * 1000:>11.0f}"
            )
    print(f"largest: {largest.name} ({sizes[largest]} layers)")
    print(f"load average after: {' '.join(f'{v:.2f}' for v in os.getloadavg())}")


if __name__ == "__main__":
    main()
