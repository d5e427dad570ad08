"""Dry-run: one real forward pass, node by node, compared with the symbolic ShapeTable.

torch is the referee. Where the two disagree — a shape, a parameter count, or
whether the model runs at all — that is a bug in skipcheck, and it is reported
as an INTERNAL error — except where torch fails at a layer skipcheck passed: that is
first of all a finding about the spec (exit 1, at the layer's line, with torch's
message), and then a gap in skipcheck to report. Where both say the model fails, the
report shows torch's own message next to skipcheck's finding for the same node.
"""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import torch

from skipcheck.check.result import FileResult
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph, Node
from skipcheck.core.terminal import visible
from skipcheck.ops import OPS
from skipcheck.rules import RULES
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import concrete
from skipcheck.shapes.table import ShapeTable
from skipcheck.torch.model import Trace, concrete_input, confirm_on_cpu, refute, trace

DEVICES = ("meta", "cpu", "cuda")
BYTES_PER_VALUE = 4  # float32


@dataclass
class Disagreement:
    """One place where skipcheck and torch differ (a skipcheck bug)."""

    node: Node | None
    what: str
    missed: bool = False  # torch fails at this layer and skipcheck reported nothing there


@dataclass
class DryRun:
    """Everything a dry-run observed, and how it compares with the symbolic table."""

    graph: Graph
    table: ShapeTable
    trace: Trace
    device: str
    input_shape: tuple[int, ...]
    errors: dict[int, list[Diagnostic]] = field(default_factory=dict)  # node id → error findings
    compared: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    refused: Disagreement | None = None  # skipcheck refuses, by design, what torch runs
    estimate_bytes: int | None = None
    budget_bytes: int | None = None
    peak_bytes: int | None = None
    peak_what: str = ""
    seconds: float = 0.0

    @property
    def symbolic_params(self) -> int | None:
        return self.table.total_params

    @property
    def missed(self) -> Disagreement | None:
        """Where torch fails and skipcheck reported no error: a finding about the spec first."""
        return next((d for d in self.disagreements if d.missed), None)

    @property
    def exit_code(self) -> int:
        if self.missed is not None:
            return 1  # the spec fails in torch: a finding, whatever else disagrees
        if self.disagreements:
            return 2
        return 1 if self.trace.failure is not None or self.refused is not None else 0


def symbolic_shape(table: ShapeTable, node_id: int) -> tuple[int | None, ...] | None:
    """The table's shape at the concrete input; None for an axis it cannot state."""
    shape = table.shapes.get(node_id)
    if shape is None:
        return None
    out: list[int | None] = []
    for d in shape:
        v = concrete(d, table.at)
        out.append(v if isinstance(v, int) else None)
    return tuple(out)


def errors_by_node(graph: Graph, table: ShapeTable) -> dict[int, list[Diagnostic]]:
    """skipcheck's findings that torch should also hit, keyed by node: every finding of a
    rule whose failure torch raises, whatever the config made of its severity."""
    out: dict[int, list[Diagnostic]] = {}
    for d in table.diagnostics:
        if not RULES[d.code].torch_raises:
            continue
        candidates = [n for n in graph.nodes if n.label == d.node]
        exact = [n for n in candidates if n.pos == d.pos]
        chosen = (exact or candidates)[:1]
        for n in chosen:
            out.setdefault(n.id, []).append(d)
    return out


def compare(run: DryRun) -> None:
    """Fill in ``compared`` and ``disagreements``: shapes, the verdict, the parameter count."""
    table, seen = run.table, run.trace
    for node in run.graph.nodes:
        mine, theirs = symbolic_shape(table, node.id), seen.shapes.get(node.id)
        if mine is None or theirs is None:
            continue
        run.compared += 1
        same = len(mine) == len(theirs) and all(
            a is None or a == b for a, b in zip(mine, theirs, strict=True)
        )
        if not same:
            shown = "×".join("?" if a is None else str(a) for a in mine)
            run.disagreements.append(
                Disagreement(node, f"skipcheck says {shown}, torch computes {_show(theirs)}")
            )
    failed = seen.failure.node.id if seen.failure is not None else None
    first_error = min(run.errors, default=None)
    if first_error is not None and (failed is None or first_error < failed):
        node = run.graph.nodes[first_error]
        inputs = [seen.shapes[i] for i in node.inputs if i in seen.shapes]
        why = OPS[node.op].stricter_than_torch(node, inputs) if inputs else None
        if why is not None:
            # a documented refusal: skipcheck stops here, torch's later verdicts are moot
            run.refused = Disagreement(node, why)
            return
    if seen.failure is not None and seen.failure.node.id not in run.errors:
        what = "torch fails here, but skipcheck reports no error for this layer"
        run.disagreements.append(Disagreement(seen.failure.node, what, missed=True))
    if first_error is not None and (failed is None or first_error < failed):
        codes = ", ".join(d.code for d in run.errors[first_error])
        what = f"skipcheck reports {codes} here, but torch runs this layer"
        run.disagreements.append(Disagreement(run.graph.nodes[first_error], what))
    mine_p, theirs_p = run.symbolic_params, seen.parameters
    if failed is None and mine_p is not None and mine_p != theirs_p:
        what = f"parameter count: skipcheck {mine_p:,}, torch {theirs_p:,}"
        run.disagreements.append(Disagreement(None, what))


def memory_budget(device: str) -> int:
    """Half the machine's memory for cpu; most of the free memory of the GPU for cuda."""
    if device == "cuda":
        free, _total = torch.cuda.mem_get_info()
        return int(free * 0.9)
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")) // 2
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def dryrun(
    result: FileResult,
    *,
    device: str = "meta",
    force: bool = False,
    budget_bytes: int | None = None,
) -> DryRun:
    """Run the model once on ``device`` and compare every node with the symbolic table.

    On cpu/cuda the memory (parameters + peak live activations, float32) is estimated
    on the meta device first, and a run above the budget is refused unless ``force``.
    """
    if device not in DEVICES:
        raise SkipcheckError(f"--device must be one of {', '.join(DEVICES)}, not {device!r}")
    if device == "cuda" and not torch.cuda.is_available():
        raise SkipcheckError("--device cuda: torch sees no CUDA device here (try --device cpu)")
    graph, table = result.graph, result.table
    if graph is None or table is None:
        raise result.error or SkipcheckError(f"{result.path}: nothing to run")
    shape = concrete_input(graph, result.input_shape)
    estimate = budget = None
    if device != "meta":
        planned = trace(graph, shape, "meta")
        estimate = planned.parameters * BYTES_PER_VALUE + planned.peak_bytes
        budget = budget_bytes if budget_bytes is not None else memory_budget(device)
        if estimate > budget and not force:
            raise SkipcheckError(
                f"a {device} dry-run needs about {_bytes(estimate)} (parameters + activations), "
                f"more than the budget of {_bytes(budget)}: use --force, a smaller --input, "
                "or --device meta (no memory at all)"
            )
        if device == "cuda":
            torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    seen = trace(graph, shape, device)
    seconds = time.perf_counter() - started
    run = DryRun(graph, table, seen, device, shape, errors_by_node(graph, table))
    first_error = min(run.errors, default=None)
    if device == "meta" and first_error is not None:
        failed_at = seen.failure.node.id if seen.failure is not None else len(graph.nodes)
        if first_error < failed_at and first_error in seen.shapes:
            node = graph.nodes[first_error]
            refused = confirm_on_cpu(seen, node)
            if refused is not None:
                refute(seen, node, refused)
    run.estimate_bytes, run.budget_bytes, run.seconds = estimate, budget, seconds
    if device == "cuda":
        torch.cuda.synchronize()
        run.peak_bytes, run.peak_what = torch.cuda.max_memory_allocated(), "CUDA peak allocated"
    elif device == "cpu":
        run.peak_bytes = seen.parameters * BYTES_PER_VALUE + seen.peak_bytes
        run.peak_what = "peak of parameters + live activations"
    compare(run)
    return run


def report(run: DryRun) -> list[str]:
    """The dry-run as lines of text: stage shapes, parameters, memory, the verdict.

    Spec text (names, torch's messages quoting them) is made visible, never obeyed.
    """
    return [visible(line) for line in _lines(run)]


def _lines(run: DryRun) -> list[str]:
    g, seen = run.graph, run.trace
    lines = [f"dry-run {g.name} ({g.file}) on {run.device}, input {_show(run.input_shape)}"]
    rows = [(name, node_id) for name, node_id in g.stages]
    if not rows or rows[-1][1] != g.out:
        rows.append(("output", g.out))
    width = max(len(name) for name, _ in rows)
    lines.append(f"  {'':{width}}  {'skipcheck':<20} torch")
    for name, node_id in rows:
        mine = symbolic_shape(run.table, node_id)
        theirs = seen.shapes.get(node_id)
        left = (
            "(fails before)"
            if mine is None
            else "×".join("?" if a is None else str(a) for a in mine)
        )
        right = "(not reached)" if theirs is None else _show(theirs)
        lines.append(f"  {name:<{width}}  {left:<20} {right}")
    lines.append(f"shapes: {run.compared} layers compared")
    mine_p, theirs_p = run.symbolic_params, seen.parameters
    if seen.failure is None:
        sym = "?" if mine_p is None else f"{mine_p:,}"
        lines.append(f"parameters: skipcheck {sym} · torch {theirs_p:,}")
    if run.estimate_bytes is not None:
        lines.append(
            f"memory: estimated {_bytes(run.estimate_bytes)} (budget {_bytes(run.budget_bytes or 0)})"
        )
    if run.peak_bytes is not None:
        lines.append(
            f"memory: {run.peak_what} {_bytes(run.peak_bytes)}; forward {run.seconds:.2f} s"
        )
    failure = seen.failure
    if failure is not None:
        n = failure.node
        lines.append(f"torch stops at {n.op} {n.label} ({n.pos}) while {_phase(failure.phase)}:")
        lines.append(f"  torch:     {failure.error}")
        for k, d in enumerate(run.errors.get(n.id, [])):
            lines.append(f"  {'skipcheck:' if k == 0 else '':<10} {d.code} {d.message}")
    if run.refused is not None and run.refused.node is not None:
        n = run.refused.node
        for d in run.errors.get(n.id, []):
            lines.append(f"skipcheck: {d.code} {d.message}")
        lines.append(
            f"verdict: skipcheck refuses {n.op} {n.label} ({n.pos}) by design, where "
            f"{run.refused.what} (see docs/torch.md)"
        )
        return lines
    missed = run.missed
    if missed is not None and missed.node is not None and failure is not None:
        # the spec fails: that is the finding, at the layer's line, in torch's words
        n = missed.node
        lines.append(f"{n.pos}: error: {n.op} {n.label} fails in torch: {failure.error}")
        lines.append(
            "  skipcheck's own check did not report this layer (a gap in skipcheck; please "
            "report it with the spec)"
        )
        others = [d for d in run.disagreements if not d.missed]
        if others:
            lines.append("skipcheck also disagrees with torch here (please report it too):")
        for dis in others:
            where = f"{dis.node.op} {dis.node.label} ({dis.node.pos}): " if dis.node else ""
            lines.append(f"  {where}{dis.what}")
        lines.append(f"verdict: the model fails at {n.label}, as torch shows")
        return lines
    if run.disagreements:
        lines.append(
            "INTERNAL ERROR: skipcheck disagrees with torch — a skipcheck bug; please report it"
        )
        for dis in run.disagreements:
            where = (
                f"{dis.node.op} {dis.node.label} ({dis.node.pos}): " if dis.node is not None else ""
            )
            lines.append(f"  {where}{dis.what}")
    elif failure is not None:
        lines.append(f"verdict: the model fails at {failure.node.label}; skipcheck and torch agree")
    else:
        lines.append("verdict: the model runs; skipcheck and torch agree on every shape")
    return lines


def _phase(phase: str) -> str:
    return "building the layer" if phase == "build" else "running the layer"


def _show(shape: Sequence[Any]) -> str:
    return "×".join(str(d) for d in shape)


def _bytes(n: int) -> str:
    value = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GiB"
