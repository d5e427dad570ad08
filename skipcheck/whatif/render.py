"""Rich output for ``skipcheck whatif``: the side-by-side comparison and sweep tables."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from skipcheck.engine.cost import compact
from skipcheck.report.text import plain
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.whatif.compare import Comparison
from skipcheck.whatif.sweep import Sweep

_CHANGED = "bold yellow"


def show_comparison(console: Console, cmp: Comparison) -> None:
    graph = cmp.changed.graph
    assert graph is not None
    console.print(plain(f"{graph.name} — {graph.file}", style="bold"))
    for item in cmp.overrides.items:
        console.print(plain(f"  --set {item.text}", style="cyan"))
    console.print()
    grid = Table(box=None, header_style="bold", pad_edge=False)
    grid.add_column("stage")
    grid.add_column("baseline")
    grid.add_column("changed")
    rows = cmp.stage_rows()
    costs = any(r.cost_after and r.cost_after.mult_adds is not None for r in rows)
    if costs:
        grid.add_column("mult-adds", justify="right")
        grid.add_column("memory", justify="right")
    for row in rows:
        before = "—" if row.before is None else "×".join(row.before)
        cells: list[str | Text] = [plain(row.stage), before, _highlight(row.before, row.after)]
        if costs:
            old_cost, new_cost = row.cost_before, row.cost_after
            for attr, unit in (("mult_adds", ""), ("activations", "B")):
                a = None if old_cost is None else getattr(old_cost, attr)
                b = None if new_cost is None else getattr(new_cost, attr)
                cells.append(_change(a, b, unit))
        grid.add_row(*cells)
    console.print(grid)
    console.print()
    old, new = cmp.baseline.table, cmp.changed.table
    assert old is not None and new is not None
    before_total, after_total = cmp.totals()
    _delta_line(console, "parameters", old.total_params, new.total_params, "")
    _delta_line(console, "mult-adds", before_total.mult_adds, after_total.mult_adds, "M")
    _delta_line(console, "activations", before_total.activations, after_total.activations, "B")
    for axis, before_sizes, after_sizes in cmp.size_rows():
        if before_sizes == after_sizes:
            console.print(plain(f"valid {axis}: {after_sizes} (unchanged)"))
        else:
            console.print(
                plain(f"valid {axis}: {before_sizes} → ") + plain(after_sizes, style=_CHANGED)
            )
    resolved, introduced, kept = cmp.findings()
    _findings(console, "resolved", resolved, "green")
    _findings(console, "introduced", introduced, "bold red")
    _findings(console, "still there", kept, "yellow")
    verdict_old = "✓ clean" if cmp.baseline.ok else f"✗ {len(old.errors)} errors"
    verdict_new = "✓ clean" if cmp.changed.ok else f"✗ {len(new.errors)} errors"
    style = "bold green" if cmp.changed.ok else "bold red"
    console.print(plain(f"baseline {verdict_old} → changed {verdict_new}", style=style))


def _change(a: int | None, b: int | None, unit: str) -> str | Text:
    """``1.2G → 0.3G`` for a stage's cost; one number where it did not change."""
    if a is None and b is None:
        return ""
    if a == b:
        return compact(b, unit)
    return Text(f"{compact(a, unit)} → {compact(b, unit)}", style=_CHANGED)


def _delta_line(console: Console, what: str, a: int | None, b: int | None, unit: str) -> None:
    """``parameters: 31,030,658 → 7,759,554  -23,271,104 (-75.0%)``; compact for costs."""
    if a is None or b is None:
        return
    delta = b - a
    pct = f" ({delta / a:+.1%})" if a else ""
    style = "" if delta == 0 else _CHANGED
    if unit:
        u = "" if unit == "M" else unit
        shown = f"{compact(a, u)} → {compact(b, u)}  "
        change = f"{'+' if delta > 0 else '-'}{compact(abs(delta), u)}{pct}"
    else:
        shown, change = f"{a:,} → {b:,}  ", f"{delta:+,}{pct}"
    console.print(Text(f"{what}: {shown}") + Text(change if delta else "unchanged", style=style))


def _highlight(before: list[str] | None, after: list[str] | None) -> Text:
    if after is None:
        return plain("—", style=_CHANGED if before is not None else "")
    if before is None or len(before) != len(after):
        return plain("×".join(after), style=_CHANGED)
    out = plain()
    for k, (x, y) in enumerate(zip(before, after, strict=True)):
        if k:
            out.append("×")
        out.append(y, style=_CHANGED if x != y else "")
    return out


def _findings(console: Console, title: str, diags: list[Diagnostic], style: str) -> None:
    if not diags:
        return
    console.print(plain(f"{title} ({len(diags)}):", style=style))
    for d in diags:
        console.print(plain(f"  {d.severity} {d.code} line {d.pos.line}: {d.message}"))


def _brief(errors: list[str], warnings: list[str]) -> str:
    """The first error (the one to fix first) and counts of the rest."""
    parts = []
    if errors:
        more = f" +{len(errors) - 1} more" if len(errors) > 1 else ""
        parts.append(f"{errors[0]}{more}")
    if warnings:
        parts.append(f"{len(warnings)} warning{'s' * (len(warnings) != 1)}")
    return "; ".join(parts)


def show_sweep(console: Console, sweep: Sweep) -> None:
    grid = Table(box=None, header_style="bold", pad_edge=False)
    grid.add_column(sweep.key, justify="right")
    grid.add_column("verdict")
    grid.add_column("findings", overflow="fold")
    grid.add_column("output")
    grid.add_column("params", justify="right")
    costs = any(r.mult_adds is not None for r in sweep.rows)
    if costs:
        grid.add_column("mult-adds", justify="right")
        grid.add_column("memory", justify="right")
    if not sweep.input_sweep:
        grid.add_column("valid input sizes", overflow="fold")
    for r in sweep.rows:
        style = {"pass": "green", "fail": "red", "error": "bold red"}[r.verdict]
        found = r.failure or _brief(r.errors, r.warnings)
        cells: list[str | Text] = [
            plain(r.value),
            plain(r.verdict, style=style),
            plain(found or "—"),
            r.output,
            "" if r.params is None else f"{r.params:,}",
        ]
        if costs:
            cells += [
                "" if r.mult_adds is None else compact(r.mult_adds),
                "" if r.activations is None else compact(r.activations, "B"),
            ]
        if not sweep.input_sweep:
            cells.append(plain(r.sizes))
        grid.add_row(*cells)
    console.print(grid)
    console.print()
    passing = all(r.ok for r in sweep.rows)
    console.print(plain(sweep.summary(), style="bold green" if passing else "bold"))
    firsts = dict.fromkeys(r.first_message for r in sweep.rows if r.first_message)
    for message in list(firsts)[:3]:
        console.print(plain(f"  {message}", style="dim"))
