"""`skipcheck sizes` in-process: every shipped spec, densenet121 with one symbol for H and
W, and the closed form against brute force with torch for a depth-5 U-Net.

Run: python bench/bench_sizes.py  (needs torch for the brute-force anchor)

Rows (issue 13): each shipped spec ≤ 10 ms; densenet121 with ``--input 1x3xSxS`` ≤ 50 ms.
Figures are medians of CPU time (check_spec + valid_sizes) in this process, after one
warm-up run per spec (a CLI run pays its imports once; see bench_startup.py).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from skipcheck.check import Options, check_spec  # noqa: E402
from skipcheck.check.valid import valid_sizes  # noqa: E402

# depth 5: five poolings on the way down, five transposed convs on the way up
UNET5 = (
    (ROOT / "specs" / "unet_original.yaml")
    .read_text()
    .replace(
        "  - {stage: bottom,",
        "  - {stage: enc5, layers: [{maxpool: {kernel_size: 2}}, {double_conv: {ch: base * 16}}]}\n"
        "  - {stage: bottom,",
    )
    .replace(
        "  - stage: dec4\n",
        "  - stage: dec5\n    layers:\n"
        "      - conv_transpose: {out_channels: base * 16, kernel_size: 2, stride: 2}\n"
        "      - concat: {skip: enc5, align: center_crop}\n"
        "      - double_conv: {ch: base * 16}\n"
        "  - stage: dec4\n",
    )
)


def median_ms(fn: object, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()  # type: ignore[operator]
        times.append((time.process_time() - start) * 1000)
    return statistics.median(times)


def every_spec() -> None:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"sizes in-process — median of 11, CPU ms; load average {load}")
    print(f"  {'figure':>9}  {'goal':>9}  what")
    for spec in sorted((ROOT / "specs").glob("*.yaml")):
        path = str(spec)
        valid_sizes(check_spec(path))
        ms = median_ms(lambda p=path: valid_sizes(check_spec(p)), 11)
        print(f"  {ms:6.1f} ms  {'≤ 10 ms':>9}  {spec.name}")
    shared = Options.parse(None, "1x3xSxS")
    path = str(ROOT / "specs" / "densenet121.yaml")
    valid_sizes(check_spec(path, shared))
    ms = median_ms(lambda: valid_sizes(check_spec(path, shared)), 11)
    print(f"  {ms:6.1f} ms  {'≤ 50 ms':>9}  densenet121.yaml --input 1x3xSxS (one symbol for H, W)")


def main() -> None:
    every_spec()
    result = check_spec("unet5.yaml", text=UNET5)
    report = valid_sizes(result)
    h = report.axes[0]
    print(f"depth-5 U-Net: runs {h.runs.describe()}; clean {h.clean.describe()}")
    closed = median_ms(lambda: valid_sizes(check_spec("unet5.yaml", text=UNET5)), 21)
    print(f"closed form (propagate + solve, all axes): {closed:.1f} ms CPU (median of 21)")
    try:
        from tests.check.torch_reference import brute_force
    except ImportError:
        print("brute force: torch is not installed")
        return
    found: list[set[int]] = []

    def search() -> None:
        found.append(brute_force(report.graph, ["H", "W"], "H", 1, 1024, {"W": 572})[0])

    brute = median_ms(search, 3)
    same = found[-1] == set(h.runs.members(1, 1024))
    print(
        f"anchor: brute force with torch (meta device), H in 1..1024: {brute:.0f} ms CPU (median of 3)"
    )
    print(f"sets identical: {same}; speed-up ×{brute / closed:.0f}")


if __name__ == "__main__":
    main()
