"""Baseline vs changed: the same spec checked twice, once with ``--set`` overrides.

>>> cmp = compare("specs/unet_add_broken.yaml", Options.parse(["base=48"], None))
>>> cmp.changed.table.total_params - cmp.baseline.table.total_params
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from skipcheck.check import Options, check_spec
from skipcheck.check.result import FileResult
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.cost import StageCost, Totals, stage_costs, totals
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.table import ShapeTable
from skipcheck.specfile.overrides import Overrides

FindingKey = tuple[str, int, int, str]


@dataclass
class StageRow:
    stage: str
    before: list[str] | None  # the shape's axes as text; None: no such stage, or it failed
    after: list[str] | None
    cost_before: StageCost | None = None  # the stage's layers at the given input
    cost_after: StageCost | None = None


@dataclass
class Comparison:
    baseline: FileResult
    changed: FileResult
    overrides: Overrides

    @property
    def ok(self) -> bool:
        return self.changed.ok

    def stage_rows(self) -> list[StageRow]:
        """input, every stage (in the changed model's order, then dropped ones), output."""
        before, after = _stage_shapes(self.baseline), _stage_shapes(self.changed)
        assert self.baseline.table is not None and self.changed.table is not None
        old, new = stage_costs(self.baseline.table), stage_costs(self.changed.table)
        names = list(dict.fromkeys([*after, *before]))
        return [StageRow(n, before.get(n), after.get(n), old.get(n), new.get(n)) for n in names]

    def totals(self) -> tuple[Totals, Totals]:
        """The whole model's cost before and after."""
        assert self.baseline.table is not None and self.changed.table is not None
        return totals(self.baseline.table), totals(self.changed.table)

    def findings(self) -> tuple[list[Diagnostic], list[Diagnostic], list[Diagnostic]]:
        """(resolved, introduced, still there) — matched by rule, node and line."""
        old = {finding_key(d): d for d in self.baseline.diagnostics}
        new = {finding_key(d): d for d in self.changed.diagnostics}
        resolved = [d for k, d in old.items() if k not in new]
        introduced = [d for k, d in new.items() if k not in old]
        kept = [d for k, d in new.items() if k in old]
        return resolved, introduced, kept

    def size_rows(self) -> list[tuple[str, str, str]]:
        """(axis, valid sizes before, after) per input-size symbol of either model."""
        old, new = self.baseline.table, self.changed.table
        axes = list(dict.fromkeys([*_axes(new), *_axes(old)]))
        return [(v, _valid(old, v), _valid(new, v)) for v in axes]


def finding_key(d: Diagnostic) -> FindingKey:
    """Rule, source position and where in the model, but not the op: `add e2` → `concat e2`
    is the same place, so a finding that survives the change is not listed as new."""
    place = (d.node or "").rsplit(".", 1)[0]
    return (d.code, d.pos.line, d.pos.col, place)


def compare(path: str, options: Options) -> Comparison:
    """Check ``path`` as written and with the ``--set`` overrides of ``options`` (the same
    input and config for both); either failing to load is an error."""
    baseline = check_spec(path, replace(options, overrides=Overrides()))
    if baseline.error is not None:
        raise baseline.error
    changed = check_spec(path, options)
    if changed.error is not None:
        raise changed.error
    return Comparison(baseline, changed, options.overrides)


def _stage_shapes(result: FileResult) -> dict[str, list[str] | None]:
    table, graph = result.table, result.graph
    if table is None or graph is None:
        raise SkipcheckError(f"{result.path}: nothing to compare")
    points = [("input", 0), *graph.stages, ("output", graph.out)]
    out: dict[str, list[str] | None] = {}
    for name, node in points:
        if node in table.broken or node not in table.shapes:
            out[name] = None
        else:
            out[name] = table.show(table.shapes[node]).split("×")
    return out


def _axes(table: ShapeTable | None) -> list[str]:
    return list(dict.fromkeys(table.axis_vars)) if table is not None else []


def _valid(table: ShapeTable | None, var: str) -> str:
    if table is None or var not in table.axis_vars:
        return "—"
    return table.valid_sizes(var).describe()


def describe_sizes(table: ShapeTable) -> str:
    """Valid sizes of every axis, axes that agree said once: ``every H, W ≥ 188``."""
    grouped: dict[str, list[str]] = {}
    for var in dict.fromkeys(table.axis_vars):
        text = table.valid_sizes(var).describe()
        grouped.setdefault(text.replace(var, "\0"), []).append(var)
    return "; ".join(t.replace("\0", ", ".join(vs)) for t, vs in grouped.items())
