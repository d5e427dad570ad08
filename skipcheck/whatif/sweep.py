"""``--sweep KEY=VALUES``: one check per value, one row each, and which values work.

KEY is anything ``--set`` accepts (``base``, ``d2.add.align``, ...) or an input-size
symbol (``H``, ``W``; ``size`` for every spatial axis at once). An input-size sweep
lowers the model once and propagates it once with that axis symbolic: the verdict
at each size is read from the exact sets of valid sizes, and the output shape is
the exact affine size evaluated there. Where the model leaves the exact fragment
(a flatten into a linear layer), every size is propagated on its own instead.

    >>> sweep = run_sweep("specs/unet_original.yaml", *parse_sweep("base=16,32"))
    >>> sweep.summary()
    'base: 16, 32 pass'
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from skipcheck.check import Options, check_spec
from skipcheck.check.config import Config, reported_severity
from skipcheck.check.result import FileResult
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph
from skipcheck.engine.cost import totals
from skipcheck.engine.propagate import input_symbols
from skipcheck.rules import RULES
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import concrete
from skipcheck.shapes.sizeset import SizeSet
from skipcheck.specfile.overrides import Overrides, parse_override
from skipcheck.specfile.yamltree import YMap, load_text
from skipcheck.whatif.compare import describe_sizes

MAX_VALUES = 10_000
_RANGE = re.compile(r"^\s*(-?\d+)\s*\.\.\s*(-?\d+)\s*(?::\s*(\d+)\s*)?$")
SIZE_KEY = "size"

Progress = Callable[[int, int], None]


@dataclass
class SweepRow:
    value: str
    ok: bool
    errors: list[str] = field(default_factory=list)  # "SC104 groupnorm in e1 (line 9)"
    warnings: list[str] = field(default_factory=list)
    output: str = "—"
    params: int | None = None
    mult_adds: int | None = None  # at the given input (value sweeps only)
    activations: int | None = None  # bytes of every layer's output, one forward pass
    sizes: str = ""
    first_message: str = ""  # the first error's full message, for the summary
    failure: str | None = None  # could not run at all (a SkipcheckError)

    @property
    def verdict(self) -> str:
        if self.failure is not None:
            return "error"
        return "pass" if self.ok else "fail"


@dataclass
class Sweep:
    key: str
    rows: list[SweepRow]
    input_sweep: bool = False
    valid: str = ""  # input sweeps: the exact valid sizes of the swept symbol
    fast: bool = False  # input sweeps: read from one symbolic propagation

    def summary(self) -> str:
        """``base: 16, 32, 64 pass; 24, 48 fail SC104 groupnorm in e1 (line 9)``."""
        passing = [r.value for r in self.rows if r.ok and r.failure is None]
        groups: dict[str, list[str]] = {}
        for r in self.rows:
            if r.failure is not None:
                groups.setdefault(f"could not be checked ({r.failure})", []).append(r.value)
            elif not r.ok:
                reason = r.errors[0] if r.errors else "errors"
                groups.setdefault(f"fail {reason}", []).append(r.value)
        parts = []
        if passing:
            parts.append(f"{compact(passing)} pass")
        elif self.rows:
            parts.append("none pass")
        parts += [f"{compact(values)} {reason}" for reason, values in groups.items()]
        text = f"{self.key}: " + "; ".join(parts)
        if self.input_sweep and self.valid:
            text += f" (the model runs for {self.valid})"
        return text


def parse_sweep(text: str, step: int | None = None) -> tuple[str, list[str]]:
    """``base=16,24,32`` or ``H=200..600`` (``H=200..600:8`` or ``step`` for a stride)."""
    key, sep, raw = text.partition("=")
    key = key.strip()
    if not sep or not key or not raw.strip():
        raise SkipcheckError(
            f"--sweep {text!r}: expected KEY=VALUES, e.g. base=16,24,32 or H=200..600"
        )
    m = _RANGE.match(raw)
    if m is not None:
        lo, hi = int(m.group(1)), int(m.group(2))
        stride = int(m.group(3)) if m.group(3) else (step or 1)
        if stride < 1:
            raise SkipcheckError(f"--sweep {text}: the step must be at least 1")
        if hi < lo:
            raise SkipcheckError(f"--sweep {text}: the range {lo}..{hi} is empty")
        count = (hi - lo) // stride + 1
        if count > MAX_VALUES:
            raise SkipcheckError(
                f"--sweep {text}: {count:,} values; at most {MAX_VALUES:,} (use a step)"
            )
        return key, [str(v) for v in range(lo, hi + 1, stride)]
    values = [v.strip() for v in _split_top(raw)]
    if any(not v for v in values):
        raise SkipcheckError(f"--sweep {text}: an empty value in {raw!r}")
    if len(values) > MAX_VALUES:
        raise SkipcheckError(f"--sweep {text}: at most {MAX_VALUES:,} values")
    return key, values


def _split_top(raw: str) -> list[str]:
    """Split on commas outside brackets and braces, so YAML values may hold commas."""
    out, depth, start = [], 0, 0
    for k, ch in enumerate(raw):
        if ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            out.append(raw[start:k])
            start = k + 1
    out.append(raw[start:])
    return out


def run_sweep(
    path: str,
    key: str,
    values: list[str],
    options: Options | None = None,
    progress: Progress | None = None,
) -> Sweep:
    """Check ``path`` once per value of ``key`` (after the ``--set`` overrides of ``options``)."""
    options = options or Options()
    base = check_spec(path, options)
    if base.error is not None:
        raise base.error
    assert base.graph is not None
    axes = _swept_axes(base.graph, load_text(base.text, path), key)
    if axes:
        return _input_sweep(base, key, axes, values, options, progress)
    return _value_sweep(path, key, values, options, progress)


def _swept_axes(graph: Graph, tree: object, key: str) -> list[int]:
    """Which spatial axes an input-size sweep of ``key`` changes (none: not a size sweep)."""
    params = tree.get("params") if isinstance(tree, YMap) else None
    if isinstance(params, YMap) and key in params:
        return []
    _, _, axis_vars = input_symbols(graph)
    if key == SIZE_KEY:
        return list(range(len(axis_vars)))
    return [k for k, var in enumerate(axis_vars) if var == key]


def _value_sweep(
    path: str, key: str, values: list[str], options: Options, progress: Progress | None
) -> Sweep:
    rows = []
    for k, value in enumerate(values):
        ov = Overrides([*options.overrides.items, parse_override(f"{key}={value}")])
        rows.append(_row(value, check_spec(path, replace(options, overrides=ov))))
        if progress is not None:
            progress(k + 1, len(values))
    failures = [r.failure for r in rows if r.failure is not None]
    if failures and len(failures) == len(rows):
        raise SkipcheckError(failures[0])
    return Sweep(key, rows)


def _row(value: str, result: FileResult) -> SweepRow:
    if result.error is not None:
        return SweepRow(value, False, failure=str(result.error))
    table, graph = result.table, result.graph
    assert table is not None and graph is not None
    errors = result.errors
    cost = totals(table)
    return SweepRow(
        value,
        not errors,
        errors=_labels(errors, graph),
        warnings=_labels([d for d in result.diagnostics if d.severity != "error"], graph),
        # a model that fails has no output: torch would stop at the first error
        output=result.output_shape() if not errors else "—",
        params=table.total_params,
        mult_adds=cost.mult_adds,
        activations=cost.activations,
        sizes=describe_sizes(table),
        first_message=errors[0].message if errors else "",
    )


def _labels(diags: list[Diagnostic], graph: Graph) -> list[str]:
    where = {n.label: n.where for n in graph.nodes}
    out = [f"{d.code} {where.get(d.node or '', d.node or '')} (line {d.pos.line})" for d in diags]
    return list(dict.fromkeys(out))


def _input_sweep(
    base: FileResult,
    key: str,
    axes: list[int],
    values: list[str],
    options: Options,
    progress: Progress | None,
) -> Sweep:
    graph = base.graph
    assert graph is not None
    sizes: list[int] = []
    for v in values:
        if not v.isdigit() or int(v) < 1:
            raise SkipcheckError(f"--sweep {key}: {v!r} is not an input size (a whole number ≥ 1)")
        sizes.append(int(v))
    dims: list[int | str] = list(base.input_shape or graph.input_dims)
    symbol = key if key != SIZE_KEY else _fresh_symbol(dims)
    for k in axes:
        dims[2 + k] = symbol
    symbolic = check_spec(base.path, replace(options, input_shape=tuple(dims)), text=base.text)
    if symbolic.error is not None:
        raise symbolic.error
    table = symbolic.table
    assert table is not None
    valid_set = table.valid_sizes(symbol)
    valid = valid_set.describe()
    if _exact(symbolic, symbol):
        rows = [_fast_row(symbolic, symbol, valid_set, v) for v in sizes]
        if progress is not None:
            progress(len(values), len(values))
        return Sweep(key, rows, input_sweep=True, valid=valid, fast=True)
    rows = []
    for n, size in enumerate(sizes):
        at: list[int | str] = list(base.input_shape or graph.input_dims)
        for k in axes:
            at[2 + k] = size
        result = check_spec(base.path, replace(options, input_shape=tuple(at)), text=base.text)
        rows.append(_row(str(size), result))
        if progress is not None:
            progress(n + 1, len(values))
    return Sweep(key, rows, input_sweep=True, valid=valid)


def _fresh_symbol(dims: list[int | str]) -> str:
    name = SIZE_KEY
    while name in dims:
        name += "'"
    return name


def _exact(result: FileResult, symbol: str) -> bool:
    """Whether one symbolic propagation decides every size (see the module docstring)."""
    table = result.table
    assert table is not None
    if table.inexact or table.total_params is None:
        return False
    out = table.graph.out
    if out in table.broken:
        return True
    probe = {**table.at, symbol: 1}
    return all(not isinstance(concrete(d, probe), str) for d in table.shapes[out])


def _fast_row(result: FileResult, symbol: str, valid: SizeSet, v: int) -> SweepRow:
    """The verdict at ``symbol = v`` read from the constraints, reported as the config says.

    Exact: a check that fails for every size (a channel mismatch) is an error in
    the symbolic table and fails every row; any other failing check excluded ``v``
    from its recorded set, so ``v`` lies outside the valid sizes.
    """
    table, graph, config = result.table, result.graph, result.config or Config()
    assert table is not None and graph is not None
    swept_nodes = {(c.node, c.code) for c in table.constraints}
    ids = {n.label: n.id for n in graph.nodes}
    fixed = [
        d for d in result.diagnostics if (ids.get(d.node or "", -1), d.code) not in swept_nodes
    ]
    errors = _labels([d for d in fixed if d.severity == "error"], graph)
    warnings = _labels([d for d in fixed if d.severity != "error"], graph)
    runs = True
    for c in table.constraints:
        var = c.sizes.var
        point = v if var == symbol else table.at.get(var)
        if point is None or point in c.sizes:
            continue
        runs = runs and c.kind != "runs"
        line = graph.nodes[c.node].pos.line
        severity = reported_severity(config, c.code, RULES[c.code].severity, line, result.lines)
        if severity is not None:
            (errors if severity == "error" else warnings).append(f"{c.code} {c.what}")
    errors = list(dict.fromkeys(errors))
    ok = not errors
    output = "—"
    if runs and v in valid and not table.errors:
        at = {**table.at, symbol: v}
        output = "×".join(str(concrete(d, at)) for d in table.shapes[graph.out])
    first = next((d.message for d in result.errors), "")
    return SweepRow(
        str(v),
        ok,
        errors=errors,
        warnings=list(dict.fromkeys(warnings)),
        output=output,
        params=table.total_params,
        first_message=first,
    )


def compact(values: list[str]) -> str:
    """``200, 204, 208, 212, 300`` → ``200–212 step 4, 300``; other values are listed."""
    if len(values) < 4 or not all(re.fullmatch(r"-?\d+", v) for v in values):
        return ", ".join(values)
    nums = [int(v) for v in values]
    parts: list[str] = []
    k = 0
    while k < len(nums):
        j = k + 1
        if j < len(nums):
            step = nums[j] - nums[k]
            while j + 1 < len(nums) and nums[j + 1] - nums[j] == step:
                j += 1
            if j - k >= 2 and step > 0:
                run = f"{nums[k]}–{nums[j]}"
                parts.append(run if step == 1 else f"{run} step {step}")
                k = j + 1
                continue
        parts.append(str(nums[k]))
        k += 1
    return ", ".join(parts)
