"""The `skipcheck sizes` report: per axis, the valid sizes in closed form and where they come from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console

from skipcheck.check.valid import AxisSizes, Enumerated, Sizes, ValidSizes, ranges
from skipcheck.core.terminal import visible
from skipcheck.report.text import console, plain
from skipcheck.rules.diagnostics import Diagnostic

AXIS_WORDS = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


@dataclass
class SizesReporter:
    stream: TextIO | None = None
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        # off a terminal lines keep their length: wrapping is for screens, not logs and files
        self.console = console(self.stream, soft_wrap=True)

    def report(self, report: ValidSizes, listing: tuple[int, int] | None = None) -> None:
        c = self.console
        g = report.graph
        c.print(plain(f"{g.name} — {g.file}", style="bold"))
        if report.inexact:
            c.print(
                plain(
                    "no closed form: the model leaves the exact (periodic-affine) fragment, so each "
                    f"size in {report.bound[0]}..{report.bound[1]} was checked one by one",
                    style="yellow",
                )
            )
            for why in report.inexact:
                c.print(plain(f"  because {why}", style="yellow"))
        groups: list[list[AxisSizes]] = []
        for axis in report.axes:
            for group in groups:
                if axis.exact and group[0].same_answer(axis):
                    group.append(axis)
                    break
            else:
                groups.append([axis])
        rank = sum(len(a.axes) for a in report.axes)
        if report.size_free:
            n = len(report.size_free)
            c.print()
            c.print(
                plain(
                    f"no input size runs: {n} error{'s' * (n > 1)} hold{'s' * (n == 1)} at every size "
                    "(the sizes below are what the spatial layers alone would take)",
                    style="bold red",
                )
            )
            places = report.places or tuple(str(d.pos) for d in report.size_free)
            for d, place in zip(report.size_free, places, strict=True):
                c.print(plain(f"  {place}: {d.code} {d.message}", style="red"))
        for group in groups:
            c.print()
            self.axis(group, rank, listing, spatial_only=bool(report.size_free))
        if report.couplings:
            c.print()
            c.print(
                plain("the axes couple: no one axis decides these (the rules above assume them)")
            )
            for coupling in dict.fromkeys(report.couplings):
                mark = "  ✗ " if coupling in report.failing_couplings() else "    "
                c.print(plain(f"{mark}{coupling.what}: needs {coupling.describe()}"))
        c.print()
        self.verdict(report)

    def axis(
        self,
        group: list[AxisSizes],
        rank: int,
        listing: tuple[int, int] | None,
        spatial_only: bool = False,
    ) -> None:
        c = self.console
        a = group[0]
        words = AXIS_WORDS.get(rank, ())
        names = " and ".join(
            f"{g.var} ({', '.join(words[k] for k in g.axes if k < len(words))})" for g in group
        )
        at = "" if a.value is None else f", at {a.value}"
        alike = "; the same rule for each" if len(group) > 1 else ""
        c.print(plain(f"{names}{at}{alike}", style="bold"))
        runs, clean = _spatial(a)
        if spatial_only:
            self.row("runs", "no size", style="red")
            self.row("clean", "no size", style="red")
            self.row("spatially", _closed(runs), "once the errors above are fixed")
            self.row("", f"clean: {_closed(clean)}", style="dim")
        else:
            self.row("runs", _closed(a.runs))
            self.row("clean", _closed(a.clean), "nothing silently lost")
        if a.fixed:
            held = ", ".join(f"{v} = {x}" for v, x in a.fixed)
            self.row("", f"(searched with {held})", style="dim")
        if a.value is not None:
            verdict = _verdict(a, runs, clean)
            if spatial_only:
                verdict = f"fails (the errors above); spatially it {verdict}"
            self.row(f"at {a.value}", verdict)
            self.row("nearest", ("spatially, " if spatial_only else "") + _nearest(a, runs, clean))
        if listing is not None:
            lo, hi = listing
            # a model no size runs lists nothing; its spatial sets are listed by that name
            for what, sizes in (("runs", a.runs), ("clean", a.clean)):
                self.row(f"{what} in {lo}..{hi}", _listed(sizes, lo, hi))
            if spatial_only:
                self.row(
                    f"spatially in {lo}..{hi}",
                    f"{_listed(runs, lo, hi)} (clean: {_listed(clean, lo, hi)})",
                )
        deciding = a.deciding()
        if deciding:
            head = "  decided by" if a.exact else "  known exactly (not the whole story)"
            c.print(plain(head, style="bold"))
            for s in deciding:
                line = plain(f"    {s.what}: ")
                style = "red" if a.value is not None and a.value not in s.sizes else ""
                line.append(s.sizes.needs(), style=style)
                if s.kind == "clean":
                    line.append("  (clean)", style="dim")
                c.print(line)
            implied = a.implied()
            if implied:
                failing = sum(a.value is not None and a.value not in s.sizes for s in implied)
                also = f"; {failing} fail at {a.value} too" if failing else ""
                c.print(
                    plain(
                        f"    and {len(implied)} weaker condition{'s' * (len(implied) != 1)} "
                        f"of other layers (implied by these{also})",
                        style="dim",
                    )
                )

    def row(self, label: str, value: str, note: str = "", style: str = "") -> None:
        line = plain(f"  {label:<10} ", style="bold") + plain(value, style=style)
        if note:
            line.append(visible(f"   ({note})"), style="dim")
        self.console.print(line)

    def verdict(self, report: ValidSizes) -> None:
        if report.size_free:
            codes = ", ".join(dict.fromkeys(f"{d.code} at {at}" for d, at in _lines(report)))
            self.console.print(
                plain(f"✗ the model runs at no input size: {codes}", style="bold red")
            )
            return
        failing = [a for a in report.axes if not _runs(a)]
        coupled = report.failing_couplings()
        if coupled and not failing:
            at = ", ".join(f"{v} = {x}" for v, x in report.at.items())
            self.console.print(
                plain(f"✗ the model does not run at {at}: {coupled[0].what}", style="bold red")
            )
            return
        if not failing:
            self.console.print(plain(f"✓ the model runs {_where(report)}", style="bold green"))
            return
        what = ", ".join(
            f"{a.var} = {a.value}" if a.value is not None else _anywhere(a) for a in failing
        )
        self.console.print(plain(f"✗ the model does not run at {what}", style="bold red"))


def _where(report: ValidSizes) -> str:
    """Where a model that runs was seen to: at the sizes asked about, or — where the sets hold
    no size and validate's search past the exact method found one — at that size only."""
    asked = "at the size(s) asked about"
    past: dict[str, int] = {}
    for a in report.axes:
        if a.value is not None:
            continue
        if not isinstance(a.runs, Enumerated) or a.runs.beyond is None or a.runs.found:
            return asked
        past[a.var] = a.runs.beyond
    if not past:
        return asked
    values = set(past.values())
    at = (
        " = ".join([*past, f"{next(iter(values)):,}"])
        if len(values) == 1
        else ", ".join(f"{v} = {x:,}" for v, x in past.items())
    )
    return f"at {at} (found past the exact method; checked at that size only)"


def _anywhere(a: AxisSizes) -> str:
    if isinstance(a.runs, Enumerated):
        # a search proves nothing past its range: the model may run at a larger size
        return f"any {a.var} in {a.runs.lo}..{a.runs.hi}"
    return f"any {a.var}"


def _runs(a: AxisSizes) -> bool:
    return a.value in a.runs if a.value is not None else not a.runs.is_empty()


def _closed(sizes: Sizes) -> str:
    text = sizes.describe()
    first = sizes.smallest()
    if first is not None and f"≥ {first}" not in text and "∈" not in text:
        text += f" (smallest {first})"
    return text


def _listed(sizes: Sizes, lo: int, hi: int) -> str:
    found = list(sizes.members(lo, hi))
    return ranges(found, limit=len(found) + 1) if found else "none"


def _spatial(a: AxisSizes) -> tuple[Sizes, Sizes]:
    """The sets the spatial layers alone allow: the spatial sets where an error no input
    size fixes stops the model, else the sets themselves."""
    if a.spatial_runs is None or a.spatial_clean is None:
        return a.runs, a.clean
    return a.spatial_runs, a.spatial_clean


def _verdict(a: AxisSizes, runs: Sizes, clean: Sizes) -> str:
    assert a.value is not None
    if a.value in clean:
        return "runs, nothing lost"
    if a.value in runs:
        return "runs, but loses input (see the clean rule)"
    failing = [s for s in a.sources if s.kind == "runs" and a.value not in s.sizes]
    if failing:
        return f"fails: {failing[0]}"
    return "fails"


def _nearest(a: AxisSizes, runs: Sizes, clean: Sizes) -> str:
    parts = []
    for what, sizes in (("runs", runs), ("clean", clean)):
        below, above = a.neighbours(sizes)
        found = ", ".join(str(v) for v in (below, above) if v is not None) or "none"
        parts.append(f"{what}: {found}")
    return f"{a.var} = {a.value} → " + " · ".join(parts)


def sizes_document(report: ValidSizes, listing: tuple[int, int] | None = None) -> dict[str, Any]:
    """`sizes --output-format json`: per symbol, the closed forms, the verdict at the spec's
    size, the nearest valid sizes and the layers that decide them."""
    from skipcheck.report.json import FORMAT_VERSION

    axes = []
    for a in report.axes:
        record: dict[str, Any] = {
            "symbol": a.var,
            "axes": list(a.axes),
            "value": a.value,
            "exact": a.exact,
            "runs": a.runs.describe(),
            "clean": a.clean.describe(),
            "runs_at_value": None if a.value is None else a.value in a.runs,
            "clean_at_value": None if a.value is None else a.value in a.clean,
            "nearest": {
                what: dict(zip(("below", "above"), a.neighbours(sizes), strict=True))
                for what, sizes in (("runs", a.runs), ("clean", a.clean))
            },
            "decided_by": [
                {"layer": s.what, "rule": s.code, "kind": s.kind, "needs": s.sizes.describe()}
                for s in a.deciding()
            ],
        }
        if isinstance(a.runs, Enumerated) and a.runs.beyond is not None:
            # validate's search past the exact method found the model to run at this point:
            # known there only (the sets above say nothing between their range and it)
            record["past_the_method"] = {
                "runs_at": a.runs.beyond,
                "clean": isinstance(a.clean, Enumerated) and a.clean.beyond is not None,
                "with": dict(a.runs.beside),
            }
        if a.spatial_runs is not None and a.spatial_clean is not None:
            # no size runs (see size_free): what the spatial layers alone would take
            record["spatially"] = {
                "runs": a.spatial_runs.describe(),
                "clean": a.spatial_clean.describe(),
                "runs_at_value": None if a.value is None else a.value in a.spatial_runs,
                "clean_at_value": None if a.value is None else a.value in a.spatial_clean,
            }
        if listing is not None:
            lo, hi = listing
            record["listing"] = {
                what: list(sizes.members(lo, hi))
                for what, sizes in (("runs", a.runs), ("clean", a.clean))
            }
            if a.spatial_runs is not None and a.spatial_clean is not None:
                record["listing"]["spatially"] = {
                    what: list(sizes.members(lo, hi))
                    for what, sizes in (("runs", a.spatial_runs), ("clean", a.spatial_clean))
                }
        axes.append(record)
    return {
        "version": FORMAT_VERSION,
        "spec": report.graph.file,
        "name": report.graph.name,
        "ok": report.ok,
        "exact": report.exact,
        "inexact_because": list(report.inexact),
        "axes": axes,
        "size_free": [_size_free(report, k, d) for k, d in enumerate(report.size_free)],
    }


def _lines(report: ValidSizes) -> list[tuple[Diagnostic, str]]:
    """Each error no size fixes with its line as told: ``line 9``, or the model's own."""
    if not report.code:
        return [(d, f"line {d.pos.line}") for d in report.size_free]
    return [
        (d, code.short if code is not None else "no line of your code")
        for d, code in zip(report.size_free, report.code, strict=True)
    ]


def _size_free(report: ValidSizes, k: int, d: Diagnostic) -> dict[str, Any]:
    """One error no size fixes: at the spec's line, or a model reference's own file and line
    (the spec is held in memory), null where no line of the user's code made it."""
    record: dict[str, Any] = {"code": d.code, "line": d.pos.line, "col": d.pos.col}
    if report.code:
        code = report.code[k]
        record = {
            "code": d.code,
            "file": code.file if code is not None else None,
            "line": code.line if code is not None else None,
            "col": code.col if code is not None else None,
        }
    return {**record, "message": d.message}
