"""The gold corpus (tests/check/fixes/gold/) as figures: where the maintainers' fix ranks.

    python bench/bench_fixes.py            # the table and the three figures
    python bench/bench_fixes.py --time     # also validate's CPU time on the shipped specs

Prints, per case: the bug, the gold edit's rank and class; then the share of cases whose
top fix is the gold edit, the share where it is proven at all, safe fixes that change an
unbroken use, and titles with a number their diff contradicts (corpus and shipped specs).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from skipcheck.check import Options, check_spec
from tests.check.fixes.corpus import CASES, evaluate, load, title_errors

SPECS = Path(__file__).resolve().parent.parent / "specs"


def main() -> None:
    outcomes = [evaluate(load(p)) for p in CASES]
    print(f"{'case':40} {'rank':>4}  class   gold edit")
    for o in outcomes:
        gold = "; ".join(f"{f.strip()[:40]!r} → {r.strip()[:40]!r}" for f, r in o.case.gold)
        rank = "—" if o.rank is None else str(o.rank)
        print(f"{o.case.name:40} {rank:>4}  {o.gold_class or '—':6}  {gold}")
    n = len(outcomes)
    top = sum(o.rank == 1 for o in outcomes)
    proven = sum(o.rank is not None for o in outcomes)
    breaks = sum(len(o.unsafe_breaks) for o in outcomes)
    false = sum(len(o.false_titles) for o in outcomes)
    shipped = 0
    for spec in sorted(SPECS.glob("*.yaml")):
        result = check_spec(str(spec), Options(fixes=True))
        shipped += sum(
            len(title_errors(result, site, fix)) for site, fixes in result.fixes for fix in fixes
        )
    print(f"\ntop-ranked fix = gold edit: {top}/{n} = {top / n:.0%}")
    print(f"gold edit among the proven fixes: {proven}/{n} = {proven / n:.0%}")
    print(f"safe fixes that change an unbroken use: {breaks}")
    print(f"titles with a number the diff contradicts: {false} (corpus), {shipped} (shipped specs)")
    if "--time" in sys.argv:
        specs = sorted(SPECS.glob("*.yaml"))
        print(
            f"\nvalidate on the {len(specs)} shipped specs, in-process (load {os.getloadavg()[0]:.1f}):"
        )
        for label, options in (
            ("fixes proven (at the stored params)", Options(fixes=True, sweep=False)),
            ("no fixes (anchor: the check itself)", Options()),
        ):
            times = []
            for _ in range(9):
                start = time.process_time()
                for spec in specs:
                    check_spec(str(spec), options)
                times.append(time.process_time() - start)
            print(f"  {statistics.median(times):.3f} s CPU (median of 9)  {label}")


if __name__ == "__main__":
    main()
