"""Whole-process CPU time of `skipcheck validate` on one spec, next to `python -c pass`.

    python bench/bench_startup.py [--runs 15]

Rows (issue 13): validate with default output ≤ 0.15 s; -q and concise ≤ 0.12 s. The
package is byte-compiled first and PYTHONDONTWRITEBYTECODE is dropped for the children,
as in an installed copy. ``-X importtime`` says where a start goes:
    python -X importtime -m skipcheck validate -q specs/unet_original.yaml
"""

from __future__ import annotations

import argparse
import importlib.util

from measure import PYTHON, ROOT, anchors, compile_package, header, median_run, row

SPEC = str(ROOT / "specs" / "unet_original.yaml")
ROWS = [
    ("0.15 s", "skipcheck validate specs/unet_original.yaml", []),
    ("0.12 s", "skipcheck validate -q …", ["-q"]),
    ("0.12 s", "skipcheck validate --output-format concise …", ["--output-format", "concise"]),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    compile_package()
    header("start-up", runs)
    anchors(runs)
    for goal, label, args in ROWS:
        cpu, _ = median_run([PYTHON, "-m", "skipcheck", "validate", *args, SPEC], runs)
        row(f"{cpu:.3f} s", f"≤ {goal}", label)
    # what typer and rich would add, for comparison with the fast path
    cpu, _ = median_run(
        [PYTHON, "-c", "from skipcheck.cli import main; main()", "validate", "-q", SPEC], runs
    )
    row(f"{cpu:.3f} s", "(typer)", "the same -q through typer (skipcheck.cli:main)")
    if importlib.util.find_spec("torch") is not None:
        cpu, _ = median_run([PYTHON, "-c", "import torch"], max(3, runs // 3))
        row(f"{cpu:.3f} s", "(anchor)", 'python -c "import torch"')


if __name__ == "__main__":
    main()
