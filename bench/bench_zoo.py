"""The zoo table: for each real network (tests/torch/zoo/models.py), whether `skipcheck import`
takes it, whether the parameter count and the valid heights equal torch's (brute force over
1..256 on the meta device), the import's CPU seconds beside one torch.export of the same model
with dynamic H and W, and what torch.export's guards said about the sizes.

    python bench/bench_zoo.py [--runs N] [--no-brute] [--only SUBSTRING] [--markdown] [--beyond]

Needs the zoo's environment (constraints-zoo.txt: torch 2.14.1, torchvision, timm, smp, MONAI);
a library that is not installed is left out and said so.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from tests.torch.zoo.models import BEYOND, ZOO, Entry  # noqa: E402
from tests.torch.zoo.referee import Row, build, failure, referee, try_import  # noqa: E402

EXPORT_LIMIT = 120  # wall seconds for one torch.export before it counts as "timed out"


def export_guards(model: Any, shape: tuple[int, ...]) -> tuple[float, str]:
    """CPU seconds of one torch.export (non-strict) with every spatial size dynamic, and what
    its guards said: the range it proved, or the first suggestion of its refusal."""
    from torch.export import Dim, export

    dims = {i: Dim(f"d{i}") for i in range(2, len(shape))}
    started = time.process_time()

    def too_long(*_: Any) -> None:
        raise TimeoutError(f"more than {EXPORT_LIMIT} s")

    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(EXPORT_LIMIT)
    try:
        program = export(
            model, (torch.empty(*shape, device="meta"),), dynamic_shapes=(dims,), strict=False
        )
    except Exception as exc:
        signal.alarm(0)
        seconds = time.process_time() - started
        return seconds, _suggestion(str(exc)) or f"fails: {type(exc).__name__}"
    signal.alarm(0)
    seconds = time.process_time() - started
    ranges = [str(v) for v in program.range_constraints.values()]
    return seconds, "runs for " + "; ".join(ranges) if ranges else "sizes specialised"


def _suggestion(text: str) -> str:
    lines = [line.strip() for line in text.splitlines()]
    for k, line in enumerate(lines):
        if line.startswith("Suggested fixes"):
            fixes = []
            for x in lines[k + 1 :]:
                if not x:
                    break
                if not re.match(r"_d\d+ = Dim\('_d\d+', (min=1, )?max=oo\)$", x):
                    fixes.append(x)
            return "suggests " + ("; ".join(fixes) or "nothing")
    first = next((line for line in lines if line), "")
    return "fails: " + first[:90]


def median_import(entry: Entry, runs: int) -> float:
    times = []
    for _ in range(runs):
        _, _, seconds = try_import(entry, build(entry))
        times.append(seconds)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="import and export N times (median)")
    parser.add_argument("--no-brute", action="store_true", help="skip the 1..256 brute force")
    parser.add_argument("--no-export", action="store_true", help="skip torch.export")
    parser.add_argument("--only", default="", help="models whose name contains this")
    parser.add_argument("--markdown", action="store_true", help="print the table as markdown")
    parser.add_argument(
        "--beyond", action="store_true", help="the models beyond the zoo (models.BEYOND) instead"
    )
    opts = parser.parse_args()
    torch.set_num_threads(1)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"zoo — import vs torch.export, CPU seconds (median of {opts.runs}); load average {load}")
    print(f"torch {torch.__version__}")
    columns = "model | imported | params = | sizes = brute force | import s | export s"
    print(f"{columns} | the import's require: | torch.export's guards")
    rows: list[tuple[Row, float, float, str]] = []
    missing: set[str] = set()
    for entry in BEYOND if opts.beyond else ZOO:
        if opts.only and opts.only not in entry.name:
            continue
        if not entry.available():
            missing.add(entry.library)
            continue
        try:
            row = referee(entry, brute=not opts.no_brute)
        except RuntimeError as exc:  # torch itself cannot run the model where the referee does
            row = Row(entry, refused=f"cannot build: torch raised {exc}")
        if row.refused.startswith("cannot build"):
            rows.append((row, 0.0, 0.0, ""))
            _print_row(row, 0.0, 0.0, "", opts.markdown)
            continue
        seconds = row.seconds if opts.runs == 1 else median_import(entry, opts.runs)
        if opts.no_export:
            exports = [(float("nan"), "")]
        else:
            exports = [export_guards(build(entry), entry.shape) for _ in range(opts.runs)]
        export_s = statistics.median(e[0] for e in exports)
        rows.append((row, seconds, export_s, exports[0][1]))
        _print_row(row, seconds, export_s, exports[0][1], opts.markdown)
        sys.stdout.flush()
    _summary(rows, missing)


def requirements(row: Row) -> str:
    """What the import's own trace kept of the model's conditions on its input (the spec's
    ``require:`` lines), or "none"."""
    if row.imported is None:
        return ""
    lines = row.imported.text.splitlines()
    if "require:" not in lines:
        return "none"
    kept = []
    for line in lines[lines.index("require:") + 1 :]:
        if not line.startswith(("  ", "-")):
            break
        stated = re.search(r'condition: "([^"]*)"', line)
        kept.append(stated.group(1) if stated else line.strip().lstrip("- ").split("  #")[0])
    return "; ".join(kept)


def _mark(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "NO")


def _print_row(row: Row, seconds: float, export_s: float, guards: str, markdown: bool) -> None:
    imported = row.imported is not None
    params = _mark(row.parameters_equal if imported else None)
    sizes = _mark(row.sizes_equal and not row.outputs if imported and row.torch_heights else None)
    cells = [
        row.entry.name,
        "yes" if imported else "NO",
        params,
        sizes,
        f"{seconds:.2f}",
        f"{export_s:.2f}",
        requirements(row),
        guards,
    ]
    if markdown:
        print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    else:
        print(
            f"  {cells[0]:<44} {cells[1]:<4} {cells[2]:<4} {cells[3]:<4} {cells[4]:>6} "
            f"{cells[5]:>6}  require: {cells[6] or '—'} · export: {cells[7]}"
        )
    why = failure(row)
    if why is not None:
        print(f"      {'refused' if not imported else 'differs'}: {why}")


def _summary(rows: list[tuple[Row, float, float, str]], missing: set[str]) -> None:
    per: dict[str, list[Row]] = defaultdict(list)
    for row, *_ in rows:
        per[row.entry.library].append(row)
    print()
    print("imported, per library (parameters equal · sizes = brute force, of those imported)")
    for library, got in per.items():
        _rate(library, got)
    _rate("overall", [r for r, *_ in rows])
    _rate("U-Net-like", [r for r, *_ in rows if r.entry.unet_like])
    done = [(s, e) for r, s, e, _ in rows if r.imported is not None]
    if done:
        print(
            f"import {statistics.median(s for s, _ in done):.2f} s median, torch.export "
            f"{statistics.median(e for _, e in done):.2f} s median (CPU, the imported models)"
        )
    for library in sorted(missing):
        print(f"not installed: {library} (its models left out)")


def _rate(label: str, rows: list[Row]) -> None:
    ok = [r for r in rows if r.imported is not None]
    params = sum(r.parameters_equal for r in ok)
    sizes = sum(r.sizes_equal and not r.outputs for r in ok if r.torch_heights or r.spec_heights)
    print(f"  {label:<14} {len(ok)}/{len(rows)} imported · {params}/{len(ok)} · {sizes}/{len(ok)}")


if __name__ == "__main__":
    main()
