"""Shape propagation over the Graph, exact and symbolic at once.

Spatial sizes are Affine functions of the input-size symbols; the concrete
input (when given) is just a point at which they are evaluated. Every check an
op makes yields the exact set of input sizes where it passes; the verdict at
the concrete input, the "fails unless ..." explanation and the valid-size
engine all read those sets.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from skipcheck.diagnostics import Diagnostic, Operand
from skipcheck.errors import SkipcheckError
from skipcheck.graph import Graph, Node
from skipcheck.ops import OPS
from skipcheck.ops.base import Shape
from skipcheck.rules import RULES
from skipcheck.shapes.dims import Opaque, Verdict, concrete, show
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet
from skipcheck.spec.lower import MAX_INPUT_SIZE

AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(frozen=True)
class Constraint:
    """A condition on one input-size symbol that some node imposes.

    kind ``runs``: torch fails outside it; ``clean``: nothing is silently lost inside it.
    """

    node: int
    code: str
    kind: str
    sizes: SizeSet
    what: str  # "add at d2 (line 31)"


@dataclass
class ShapeTable:
    """Everything propagation learned: shapes, parameter counts, findings, constraints."""

    graph: Graph
    at: dict[str, int]
    axis_vars: tuple[str, ...]
    shapes: dict[int, Shape] = field(default_factory=dict)
    counts: dict[int, int | None] = field(default_factory=dict)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    broken: set[int] = field(default_factory=set)
    inexact: list[str] = field(default_factory=list)
    domain: dict[str, SizeSet] = field(default_factory=dict)  # running intersection of `runs`
    at_size: list[Diagnostic] = field(default_factory=list)  # findings the given input size causes

    def show(self, shape: Shape) -> str:
        return "×".join(show(d, self.at) for d in shape)

    def shape_of(self, node_id: int) -> str:
        return self.show(self.shapes[node_id]) if node_id in self.shapes else "?"

    @property
    def total_params(self) -> int | None:
        total = 0
        for node_id, count in self.counts.items():
            if count is None:
                return None
            if node_id not in self.broken:
                total += count
        return total

    def valid_sizes(self, var: str, kind: str = "runs") -> SizeSet:
        """The exact input sizes for ``var`` where the model runs (or runs cleanly)."""
        if kind == "runs" and var in self.domain:
            return self.domain[var]
        result = SizeSet.everything(var)
        kinds = ("runs",) if kind == "runs" else ("runs", "clean")
        for c in self.constraints:
            if c.sizes.var == var and c.kind in kinds:
                try:
                    result = result & c.sizes
                except OutOfFragment as exc:
                    self.inexact.append(f"{c.what}: {exc}")
        return result

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


class Context:
    """What an op's shape rule sees: the node, the concrete sizes, and ``check``."""

    def __init__(self, table: ShapeTable) -> None:
        self.table = table
        self.node: Node = table.graph.nodes[0]
        self.at = table.at
        self.node_failed = False
        # every check names its input's origin, passing or not: work each one out once
        self._origins: dict[int, str] = {}

    def where(self) -> str:
        return f"{self.node.where} (line {self.node.pos.line})"

    def check(
        self,
        verdicts: Sequence[Verdict],
        code: str,
        message: str,
        *,
        operands: Sequence[Operand] = (),
        notes: Sequence[str] = (),
        fatal: bool = False,
    ) -> bool:
        """Report ``message`` unless every verdict holds; returns whether they hold.

        A SizeSet verdict is recorded as a constraint on its symbol; it fails when
        the concrete input lies outside it, or (for a symbolic input) when no input
        size at all satisfies it.
        """
        rule = RULES[code]
        kind = rule.kind
        failed_axes: list[tuple[str, ...]] = []
        for verdict in verdicts:
            if verdict is None:
                self.table.inexact.append(f"{self.where()}: a size left the exact fragment")
                continue
            if isinstance(verdict, bool):
                if not verdict:
                    failed_axes.append(())
                continue
            var = verdict.var
            try:
                domain = self._domain(var) & verdict
            except OutOfFragment as exc:
                # its period and the others' are too fine together: at the given size only
                self.table.inexact.append(f"{self.where()}: {exc}")
                if var in self.at and self.at[var] not in verdict:
                    failed_axes.append((var, str(self.at[var]), verdict.describe()))
                continue
            self.table.constraints.append(
                Constraint(self.node.id, code, kind, verdict, self.where())
            )
            if kind == "runs":
                self.table.domain[var] = domain
            else:
                domain = self._domain(var)
            if var in self.at:
                if self.at[var] not in verdict:
                    failed_axes.append((var, str(self.at[var]), verdict.describe()))
            elif verdict.is_empty() or (domain & verdict).is_empty():
                # a symbolic input fails only where no size at all passes
                failed_axes.append((var, "", ""))
        if not failed_axes:
            return True
        if fatal:
            self.node_failed = True
        explain = _explain([a for a in failed_axes if a], rule.severity)
        diagnostic = Diagnostic(
            code=code,
            severity=rule.severity,
            pos=self.node.pos,
            message=message,
            node=self.node.label,
            operands=tuple(operands),
            notes=tuple(notes) + explain + self._block_note(),
        )
        self.table.diagnostics.append(diagnostic)
        if any(value for _, value, _ in (a for a in failed_axes if a)):
            self.table.at_size.append(diagnostic)
        return False

    def _block_note(self) -> tuple[str, ...]:
        """Where a layer written inside a block was used: its line alone is shared by every use."""
        calls = self.node.calls
        if not calls:
            return ()
        lines = " → ".join(str(c.line) for c in calls)
        return (
            f"the layer is written in a block; this use comes from line{'s' * (len(calls) > 1)} {lines}",
        )

    def _domain(self, var: str) -> SizeSet:
        return self.table.domain.get(var) or SizeSet.everything(var)

    def operand(self, role: str, node_id: int, shape: Shape | None = None) -> Operand:
        """One side of a merge: its shape and the chain of size changes that made it."""
        shape = self.table.shapes[node_id] if shape is None else shape
        return Operand(role, self.table.show(shape), self.origin(node_id))

    def origin(self, node_id: int) -> str:
        if node_id not in self._origins:
            self._origins[node_id] = self._origin(node_id)
        return self._origins[node_id]

    def _origin(self, node_id: int) -> str:
        nodes = self.table.graph.nodes
        node = nodes[node_id]
        head = f"{node.name or node.op} (line {node.pos.line})" if node_id else "the input"
        steps: list[str] = []
        current = node_id
        hops = 0
        # a long run of same-size layers would make every merge walk the whole chain
        while current and len(steps) < 4 and hops < 16:
            hops += 1
            n = nodes[current]
            src = n.inputs[0] if n.inputs else 0
            mine, theirs = self.table.shapes.get(current), self.table.shapes.get(src)
            if mine is not None and theirs is not None and len(mine) > 2 and len(theirs) > 2:
                a, b = show(theirs[2], self.at), show(mine[2], self.at)
                if a != b:
                    steps.append(f"{a} → {b} ({n.op}, line {n.pos.line})")
            current = src
        if not steps:
            return head
        return f"{head}: " + ", ".join(reversed(steps))


def _outside_fragment(ctx: Context, op: Any, node: Node, inputs: list[Shape], why: str) -> Shape:
    """Redo a shape rule at the concrete input when its symbolic sizes left the fragment.

    The result keeps its values as Opaque sizes, so later checks compare them at the
    given input and never mistake them for exact symbolic facts.
    """
    table = ctx.table
    table.inexact.append(f"{node.where} (line {node.pos.line}): {why}")
    concrete_inputs = [_at(s, table.at) for s in inputs]
    if any(isinstance(d, (Affine, Opaque)) for s in concrete_inputs for d in s[2:]):
        # a symbolic input gives no size to fall back on: stop here, without a finding
        ctx.node_failed = True
        return inputs[0]
    # the checks of this rerun are at one size only: keep its findings, not its constraints
    kept = len(table.constraints)
    out = op.infer(ctx, node, concrete_inputs)
    del table.constraints[kept:]
    return tuple(
        Opaque(f"{node.op} output", d) if k >= 2 and isinstance(d, int) else d
        for k, d in enumerate(out)
    )


def _at(shape: Shape, at: dict[str, int]) -> Shape:
    """The shape with every size known at the concrete input replaced by its value."""
    return tuple(
        d if isinstance(d, (int, str)) else (concrete(d, at) if concrete(d, at) is not None else d)
        for d in shape
    )


def _explain(axes: list[tuple[str, ...]], severity: str) -> tuple[str, ...]:
    """Per-axis explanations, merged where the axes say the same (H and W of a square input)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for var, value, needs in axes:
        grouped.setdefault((value, needs.replace(var, "\0")), []).append(var)
    out = []
    for (value, needs), names in grouped.items():
        subject = " = ".join(names)
        if not value:
            out.append(f"fails for every input size ({', '.join(names)})")
            continue
        need = needs.replace("\0", ", ".join(names) if len(names) > 1 else names[0])
        verb = "fails" if severity == "error" else "happens"
        out.append(
            f"{verb} at {subject} = {value}; {'needs' if severity == 'error' else 'avoided for'} {need}"
        )
    return tuple(out)


def input_symbols(
    graph: Graph, override: Sequence[int | str] | None = None, *, numbers: bool = False
) -> tuple[Shape, dict[str, int], tuple[str, ...]]:
    """The input shape as dims, the concrete sizes per symbol, and each axis's symbol."""
    dims = tuple(override) if override is not None else graph.input_dims
    if len(dims) < 2:
        raise SkipcheckError("input needs at least [batch, channels]", graph.input_pos)
    rank = len(dims) - 2
    if rank > 3:
        raise SkipcheckError(
            f"input has {rank} spatial axes; 1 to 3 are supported", graph.input_pos
        )
    if not isinstance(dims[1], int):
        raise SkipcheckError("the channel count of the input must be a number", graph.input_pos)
    defaults = list(AXIS_NAMES.get(rank, ()))
    spec = graph.input_dims
    if override is not None and len(spec) == len(dims):
        # --input fixes sizes the spec wrote as symbols: keep the spec's names for them,
        # so declared shapes like [N, 64, H/2, W/2] still read
        defaults = [s if isinstance(s, str) else d for s, d in zip(spec[2:], defaults, strict=True)]
    taken = {d for d in dims[2:] if isinstance(d, str)}
    at: dict[str, int] = {}
    axis_vars: list[str] = []
    out: list[Any] = [dims[0], dims[1]]
    for k, d in enumerate(dims[2:]):
        if isinstance(d, int) and not 1 <= d <= MAX_INPUT_SIZE:
            # --input and a config's input obey the spec's own limit on input sizes
            raise SkipcheckError(f"input size {d:,} is out of range (1 to {MAX_INPUT_SIZE:,})")
        if isinstance(d, str):
            var = d
        else:
            var = defaults[k]
            while var in taken:
                var += "'"
            taken.add(var)
            at[var] = d
        axis_vars.append(var)
        out.append(d if numbers and isinstance(d, int) else Affine.symbol(var))
    return tuple(out), at, tuple(axis_vars)


def propagate(
    graph: Graph, input_override: Sequence[int | str] | None = None, *, numbers: bool = False
) -> ShapeTable:
    """Infer every node's shape and parameter count; collect findings and constraints.

    ``numbers``: fixed sizes stay plain numbers, so the run answers for that size alone
    (no constraints), fast; the valid-size search runs it once per size.
    """
    shape, at, axis_vars = input_symbols(graph, input_override, numbers=numbers)
    table = ShapeTable(graph, at, axis_vars)
    table.shapes[0] = shape
    table.counts[0] = 0
    ctx = Context(table)
    for node in graph.nodes[1:]:
        if any(i in table.broken for i in node.inputs):
            table.broken.add(node.id)  # no follow-on noise after a fatal finding
            continue
        ctx.node = node
        ctx.node_failed = False
        inputs = [table.shapes[i] for i in node.inputs]
        op = OPS[node.op]
        if len(inputs[0]) - 2 < op.min_rank:
            ctx.check(
                [False],
                "SC106",
                f"{node.op} needs spatial axes, but its input is {table.show(inputs[0])}",
                fatal=True,
            )
            table.broken.add(node.id)
            continue
        try:
            out = op.infer(ctx, node, inputs)
        except OutOfFragment as exc:
            out = _outside_fragment(ctx, op, node, inputs, str(exc))
        if ctx.node_failed:
            table.broken.add(node.id)
            continue
        table.shapes[node.id] = out
        table.counts[node.id] = op.count(node, [_at(s, at) for s in inputs], _at(out, at))
        for declared, pos, what in node.expects:
            check_declared(ctx, declared, out, pos, f"{what} is declared")
    if graph.output is not None and graph.out not in table.broken:
        ctx.node = graph.nodes[-1]
        check_declared(
            ctx,
            graph.output,
            table.shapes[graph.out],
            graph.output_pos or graph.input_pos,
            "the output is declared",
        )
    if table.broken and table.at and not numbers:
        _complete_constraints(table)
    _explain_nearest(table)
    table.diagnostics.sort(key=lambda d: d.sort_key())
    return table


def _complete_constraints(table: ShapeTable) -> None:
    """Take the size constraints from a symbolic run when a fatal finding cut this one short.

    Layers after the failure were skipped at the given size, so their conditions on the
    input size are missing; a run with symbolic sizes reaches them (its findings are not
    kept: those at the given size stand).
    """
    symbolic = [*table.shapes[0][:2], *table.axis_vars]
    if any(not isinstance(v, str) for v in symbolic[2:]):
        return
    full = propagate(table.graph, symbolic)
    table.constraints = full.constraints
    table.domain = full.domain


def check_declared(
    ctx: Context, declared: tuple[Any, ...], actual: Shape, pos: Any, what: str
) -> None:
    from skipcheck.shapes import declared as decl

    verdicts = decl.compare(declared, actual, ctx.table)
    if verdicts is None:
        ctx.check(
            [False],
            "SC301",
            f"{what} with {len(declared)} axes, but the model produces {ctx.table.show(actual)}",
        )
        ctx.table.diagnostics[-1].pos = pos
        return
    before = len(ctx.table.diagnostics)
    shown = "×".join(str(d) for d in declared)
    ctx.check(
        verdicts,
        "SC301",
        f"{what} {shown}, but the model produces {ctx.table.show(actual)}",
    )
    if len(ctx.table.diagnostics) > before:
        ctx.table.diagnostics[-1].pos = pos


def _explain_nearest(table: ShapeTable) -> None:
    """Add "nearest valid input" to findings at a concrete size that the symbols explain."""
    grouped: dict[tuple[int, str, str], list[str]] = {}
    for var, x in table.at.items():
        valid = table.valid_sizes(var)
        if x in valid or valid.is_empty():
            continue
        below, above = valid.nearest(x)
        near = ", ".join(str(v) for v in (below, above) if v is not None)
        grouped.setdefault((x, valid.describe().replace(var, "\0"), near), []).append(var)
    if grouped:
        # The input size itself is invalid and reported at the merges that break;
        # declared sizes that miss only because of it would be follow-on noise.
        table.diagnostics[:] = [
            d
            for d in table.diagnostics
            if not (d.code == "SC301" and any(d is f for f in table.at_size))
        ]
    notes = []
    for (x, desc, near), names in grouped.items():
        subject = " = ".join(names)
        notes.append(
            f"the whole model runs for {desc.replace(chr(0), ', '.join(names))}; nearest to {subject} = {x}: {near}"
        )
    if not notes:
        return
    for d in table.diagnostics:
        if d.severity == "error" and any(d is f for f in table.at_size):
            d.notes = d.notes + tuple(notes)
