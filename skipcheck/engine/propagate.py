"""Shape propagation over the Graph, exact and symbolic at once.

Spatial sizes are Affine functions of the input-size symbols; the concrete
input (when given) is just a point at which they are evaluated. Every check an
op makes yields the exact set of input sizes where it passes; the verdict at
the concrete input, the "fails unless ..." explanation and the valid-size
engine all read those sets.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import AXIS_NAMES, Graph, Node
from skipcheck.core.inputshape import MAX_INPUT_SIZE, InputShape
from skipcheck.core.position import Position
from skipcheck.engine import declared as decl
from skipcheck.engine.cost import BYTES_PER_VALUE
from skipcheck.ops import OPS
from skipcheck.rules import (
    DECLARED_SHAPE,
    RULES,
    DeclaredRank,
    DeclaredShape,
    NeedsSpatial,
    RunsUnproven,
)
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import Opaque, Shape, Sizes, concrete
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet, Work
from skipcheck.shapes.table import Constraint, Context, Coupling, Narrowing, ShapeTable

T = TypeVar("T")

# where a symbolic run leaves the exact method it stops: what that leaves unchecked
NOT_CHECKED = (
    "; this layer and those after it are not checked at a symbolic input "
    "(give --input to check them at a size)"
)


def _outside_fragment(ctx: Context, op: Any, node: Node, inputs: list[Shape], why: str) -> Shape:
    """Redo a shape rule at the concrete input when its symbolic sizes left the fragment.

    The result keeps its values as Opaque sizes, so later checks compare them at the
    given input and never mistake them for exact symbolic facts.
    """
    table = ctx.table
    where = f"{node.where} (line {node.pos.line})"
    concrete_inputs = [_at(s, table.at) for s in inputs]
    if any(isinstance(d, (Affine, Opaque)) for s in concrete_inputs for d in s[2:]):
        # a symbolic input gives no size to fall back on: stop here, without a finding, and
        # say that nothing from here on was checked (not that it was, at some size)
        table.inexact.append(f"{where}: {why}{NOT_CHECKED}")
        if table.unchecked is None:
            table.unchecked = node.id
        ctx.node_failed = True
        return inputs[0]
    table.inexact.append(f"{where}: {why}")
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
    out = []
    for d in shape:
        kind = type(d)
        if kind is int or kind is str:
            out.append(d)
        elif kind is Affine:  # concrete()'s own case, here without the calls (every layer)
            x = at.get(d.var)
            if x is None:
                out.append(d)
            elif d.den == 1:  # Affine.at for a size a layer made: a·q + b on x's class
                q, r = divmod(x, d.modulus)
                a, b = d.pieces[r]
                out.append(a * q + b)
            else:
                value = d.at(x)
                out.append(value if type(value) is int else d)  # a fraction: no size yet
        else:
            value = concrete(d, at)
            out.append(d if value is None else value)
    return tuple(out)


def input_symbols(
    graph: Graph, override: Sequence[int | str] | None = None, *, numbers: bool = False
) -> tuple[Shape, dict[str, int], tuple[str, ...]]:
    """The input shape as dims, the concrete sizes per symbol, and each axis's symbol."""
    if override is not None and len(override) != len(graph.input_dims):
        raise SkipcheckError(
            f"--input has {len(override)} axes but the spec's input "
            f"{list(graph.input_dims)} has {len(graph.input_dims)}"
        )
    dims = tuple(override) if override is not None else graph.input_dims
    # the spec's input is judged where it is read; a shape given as text (--input, a
    # config's input) where it is parsed; what reaches here from a caller, here
    InputShape.of(dims, graph.input_pos if override is None else None)
    rank = len(dims) - 2
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
    graph: Graph,
    input_override: Sequence[int | str] | None = None,
    *,
    numbers: bool = False,
    probe: bool = True,
    reuse: ShapeTable | None = None,
) -> ShapeTable:
    """Infer every node's shape and parameter count; collect findings and constraints.

    ``numbers``: fixed sizes stay plain numbers, so the run answers for that size alone
    (no constraints), fast; the valid-size search runs it once per size. ``probe``: where a
    symbolic input leaves the exact method, try sizes one by one for one that runs (off for
    the symbolic runs that only fill in a concrete one's constraints). ``reuse``: the table
    of an earlier run over a graph that may begin with the same layers (a fix's re-check
    and the model as written): what it found for those layers is taken over, not redone.
    """
    work = Work.classes
    shape, at, axis_vars = input_symbols(graph, input_override, numbers=numbers)
    table = ShapeTable(graph, at, axis_vars)
    table.shapes[0] = shape
    table.counts[0] = 0
    table.mult_adds[0] = 0
    ctx = Context(table)
    # each node's shape at the concrete input, made once: the parameter counts read them
    at_input: dict[int, Shape] = {0: _at(shape, at)}
    sizes_at: dict[int, Sizes | None] = {0: table.sizes_of(0)}  # and as torch sees them
    spent = [0]  # the arithmetic done before each layer (index: its id)
    start = 1
    earlier = reuse.loop if reuse is not None else None
    if earlier is not None and earlier.fits(table, numbers):
        start = earlier.first_change(graph)
        work = Work.classes - earlier.restore(table, ctx, at_input, sizes_at, spent, start)
    shapes, counts, mult_adds, broken = table.shapes, table.counts, table.mult_adds, table.broken
    for node in graph.nodes[start:]:
        spent.append(Work.classes - work)
        ids = node.inputs
        if broken and any(i in broken for i in ids):
            broken.add(node.id)  # no follow-on noise after a fatal finding
            continue
        ctx.node = node
        ctx.node_failed = False
        first = ids[0]
        inputs = [shapes[first]] if len(ids) == 1 else [shapes[i] for i in ids]
        op = OPS[node.op]
        if len(inputs[0]) - 2 < op.min_rank:
            ctx.check(
                [False],
                NeedsSpatial(node.op, table.show(inputs[0])),
                fatal=True,
            )
            broken.add(node.id)
            continue
        try:
            out = op.infer(ctx, node, inputs)
        except OutOfFragment as exc:
            out = _outside_fragment(ctx, op, node, inputs, str(exc))
        if ctx.node_failed:
            broken.add(node.id)
            continue
        shapes[node.id] = out
        made: Sizes | None
        if out is inputs[0]:
            # a layer that hands its input on (norms, activations: half of most models):
            # its concrete shape and torch's sizes are its input's, already made
            concrete_out = at_input[first]
            made = sizes_at[first]
        else:
            concrete_out = _at(out, at)
            # torch's sizes: the concrete shape when every entry is a plain int (what _at
            # left otherwise — a symbol, a fraction, an unknown — has no value here)
            made = concrete_out
            for v in concrete_out:
                if type(v) is not int:
                    made = None
                    break
        at_input[node.id] = concrete_out
        sizes_at[node.id] = made
        if len(ids) == 1:
            counts[node.id] = op.count(node, [at_input[first]], concrete_out)
            taken = [sizes_at[first]]
        else:
            counts[node.id] = op.count(node, [at_input[i] for i in ids], concrete_out)
            taken = [sizes_at[i] for i in ids]
        # a tensor torch cannot hold ends the check (the size-by-size search asks about
        # shapes only); the product is taken here, the message made only past the limit
        if not numbers and made is not None:
            values = math.prod(made)
            if values * BYTES_PER_VALUE > TORCH_MAX_BYTES:
                raise _unholdable(node, values)
        mult_adds[node.id] = (
            None if made is None or None in taken else op.mult_adds(node, taken, made)  # type: ignore[arg-type]
        )
        for declared, pos, what in node.expects:
            check_declared(ctx, declared, out, pos, f"{what} is declared")
    table.loop = Loop.after(table, numbers, at_input, sizes_at, spent, Work.classes - work)
    ends = [(graph.out, graph.output, graph.output_pos or graph.input_pos, "the output")]
    ends += [(o.node, o.shape, o.pos, f"output {o.name}") for o in graph.outputs]
    for node_id, stated, pos, what in ends:
        if stated is not None and node_id not in table.broken:
            ctx.node = graph.nodes[node_id]
            check_declared(ctx, stated, table.shapes[node_id], pos, f"{what} is declared")
    if table.broken and table.at and not numbers:
        _complete_constraints(table)
    if table.unchecked is not None and probe and not numbers and not table.errors:
        _probe(table, ctx)
    _explain_nearest(table)
    table.diagnostics.sort(key=lambda d: d.sort_key())
    table.arithmetic = Work.classes - work
    return table


@dataclass(frozen=True)
class Loop:
    """What a run's pass over the layers left, before anything after it (declared outputs,
    the symbolic completion, the probe, the notes) changed it: a later run over a graph
    that begins with the same layers takes this over up to its first changed layer.

    Each thing a layer adds carries the layer's id (a finding in ``raised``, a constraint,
    a coupling, a narrowing of the domain), so the state before any layer is the part of
    this one that the layers before it made.
    """

    graph: Graph
    numbers: bool
    at: dict[str, int]
    axis_vars: tuple[str, ...]
    shapes: dict[int, Shape]
    counts: dict[int, int | None]
    mult_adds: dict[int, int | None]
    at_input: dict[int, Shape]
    sizes_at: dict[int, Sizes | None]
    broken: frozenset[int]
    raised: tuple[tuple[int, Diagnostic], ...]
    at_size: tuple[Diagnostic, ...]
    constraints: tuple[Constraint, ...]
    couplings: tuple[Coupling, ...]
    narrowed: tuple[Narrowing, ...]
    unchecked: int | None
    spent: tuple[int, ...]  # the arithmetic done before each layer, and at the end
    total: int

    @classmethod
    def after(
        cls,
        table: ShapeTable,
        numbers: bool,
        at_input: dict[int, Shape],
        sizes_at: dict[int, Sizes | None],
        spent: list[int],
        total: int,
    ) -> Loop | None:
        if table.inexact:
            # a reason a layer left the exact method names no layer id: such a run is not
            # taken over (they are rare; a re-check of one runs whole)
            return None
        return cls(
            table.graph,
            numbers,
            dict(table.at),
            table.axis_vars,
            dict(table.shapes),
            dict(table.counts),  # (the symbolic completion adds the layers it reached)
            dict(table.mult_adds),
            at_input,
            sizes_at,
            frozenset(table.broken),
            tuple(table.raised),  # (the notes replace findings in these lists)
            tuple(table.at_size),
            tuple(table.constraints),
            tuple(table.couplings),
            tuple(table.narrowed),
            table.unchecked,
            tuple(spent),
            total,
        )

    def fits(self, table: ShapeTable, numbers: bool) -> bool:
        """Whether a run of ``table``'s graph starts as this one did: the same input, the
        same params (declared sizes read them), the same kind of run."""
        old, new = self.graph, table.graph
        return (
            numbers == self.numbers
            and table.at == self.at
            and table.axis_vars == self.axis_vars
            and table.shapes[0] == self.shapes[0]
            and new.input_dims == old.input_dims
            and new.params == old.params
        )

    def first_change(self, graph: Graph) -> int:
        """The id of the first layer of ``graph`` that differs from this run's graph (its
        op, params, inputs, position, declared shapes, …): the layers before it are the
        same layers on the same input, and come out the same."""
        old, new = self.graph.nodes, graph.nodes
        end = min(len(old), len(new))
        first = 1
        while first < end and old[first] == new[first]:
            first += 1
        return first

    def restore(
        self,
        table: ShapeTable,
        ctx: Context,
        at_input: dict[int, Shape],
        sizes_at: dict[int, Sizes | None],
        spent: list[int],
        first: int,
    ) -> int:
        """Fill ``table`` (and the loop's own state) with what the layers before ``first``
        made; the arithmetic they took."""
        table.shapes.update(_before(self.shapes, first))
        table.counts.update(_before(self.counts, first))
        table.mult_adds.update(_before(self.mult_adds, first))
        at_input.update(_before(self.at_input, first))
        sizes_at.update(_before(self.sizes_at, first))
        table.broken.update(k for k in self.broken if k < first)
        raised = [(k, d) for k, d in self.raised if k < first]
        table.raised.extend(raised)
        table.diagnostics.extend(d for _, d in raised)
        kept = {id(d) for _, d in raised}
        table.at_size.extend(d for d in self.at_size if id(d) in kept)
        table.constraints.extend(c for c in self.constraints if c.node < first)
        table.couplings.extend(c for c in self.couplings if c.node < first)
        for narrowing in self.narrowed:
            if narrowing.node < first:
                ctx.replay(narrowing)
                table.narrowed.append(narrowing)
        if self.unchecked is not None and self.unchecked < first:
            table.unchecked = self.unchecked
        spent[:] = self.spent[:first]
        return self.spent[first] if first < len(self.spent) else self.total


def _before(by_layer: dict[int, T], first: int) -> dict[int, T]:
    return {k: v for k, v in by_layer.items() if k < first}


TORCH_MAX_BYTES = 2**63 - 1  # a tensor's storage size in bytes is a signed 64-bit number


def _unholdable(node: Node, values: int) -> SkipcheckError:
    """A tensor torch cannot hold ends the check (exit 2) at the layer that makes it:
    torch stops there ("Storage size calculation overflowed"), and the costs after it
    would be numbers past any float (999 stacked upsamples make sizes of 300 digits)."""
    return SkipcheckError(
        f"{node.where} (line {node.pos.line}) makes a tensor of about 10^{len(str(values)) - 1} "
        f'values, more than torch can hold (2^63 bytes); torch stops there with "Storage size '
        f'calculation overflowed"',
        node.pos,
    )


def _complete_constraints(table: ShapeTable) -> None:
    """Take the size constraints and parameter counts from a symbolic run when a fatal
    finding cut this one short.

    Layers after the failure were skipped at the given size, so their conditions on the
    input size and their parameters are missing; a run with symbolic sizes reaches them.
    Its findings that no input size fixes (a channel mismatch) hold at the given size too:
    they are kept, so that a spec is never said to run somewhere once its first failure is
    fixed while a later layer fails everywhere. The others stand as found at the given size.
    """
    full = propagate(table.graph, [*table.shapes[0][:2], *table.axis_vars], probe=False)
    ran = {node_id for node_id, _ in table.raised}
    first = min(ran, default=0)
    for node_id, d in full.raised:
        if node_id in table.broken and node_id not in ran and RULES[d.code].size_free:
            where = table.graph.nodes[first].pos.line
            note = (
                f"found past line {where}, which fails first at this input size; "
                "this fails at every input size"
            )
            kept = replace(d, notes=(*d.notes, note))
            table.diagnostics.append(kept)
            table.raised.append((node_id, kept))
    table.symbolic = full  # `sizes` reads the same run instead of propagating again
    table.constraints = full.constraints
    table.couplings = full.couplings
    table.domain = full.domain
    table.unsatisfied = full.unsatisfied
    # where the symbolic run left the exact method, its sets miss the layers past that point:
    # the valid sizes are then not a closed form (never "runs every H ≥ 4096" for 17 pools)
    reasons = (r.removesuffix(NOT_CHECKED) for r in full.inexact)
    table.inexact.extend(r for r in reasons if r not in table.inexact)
    # a layer's parameters do not depend on the input size: the layers this run never
    # reached still belong to the model (densenet121 at 29×28 has 7,978,856, not 4,793,728)
    for node_id, count in full.counts.items():
        table.counts.setdefault(node_id, count)


# Past the exact method at a symbolic input, the sizes tried one by one: the smallest the
# layers before the stop allow, then the smallest at or above each power of two, up to the
# largest input size a spec may state; at most PROBE_WORK layers run in all (a fixed amount
# of work, not a clock: the same answer on every machine).
PROBE_SMALLEST = 16
PROBE_WORK = 40_000


def _probe(table: ShapeTable, ctx: Context) -> None:
    """Where a symbolic run left the exact method, look for an input size that runs the
    whole model, and say what was found.

    A clean pass at a symbolic input says that some size runs the model; past the stop that
    is known only at sizes tried one by one (all free axes at once). A size that runs is a
    proof: the model passes, the notes name the size the layers past the stop were checked
    at, and the errors no size fixes that it meets there are reported. Where none of the
    sizes tried runs, SC109 says so at the layer where the method stopped — never a pass, and
    never a claim that no size runs.
    """
    graph, stop = table.graph, table.graph.nodes[table.unchecked or 0]
    free = [v for v in dict.fromkeys(table.axis_vars) if v not in table.at]
    tries = {v: probe_sizes(table.domain.get(v) or SizeSet.everything(v)) for v in free}
    if any(not t for t in tries.values()):
        return  # no size passes the layers before the stop: already an error there
    base = table.shapes[0]
    batch = base[0] if isinstance(base[0], (int, str)) else "N"
    work, tried = 0, 0
    last: tuple[dict[str, int], Diagnostic | None, str | None] | None = None
    for k in range(max(len(t) for t in tries.values())):
        if work + len(graph.nodes) > PROBE_WORK:
            break
        point = {v: t[min(k, len(t) - 1)] for v, t in tries.items()}
        dims: list[int | str] = [batch, base[1]]
        dims += [point.get(v, table.at.get(v, 0)) for v in table.axis_vars]
        run = propagate(graph, dims, numbers=True)
        work += len(graph.nodes)
        tried += 1
        failing = [
            d
            for d in run.errors
            if not RULES[d.code].size_free and RULES[d.code].kind != "declared"
        ]
        too_big = _too_big(run)
        if not failing and too_big is None:
            _witness(table, run, point, stop)
            table.witness = dict(point)
            # clean as `skipcheck sizes` judges a size: no finding a size causes (warnings)
            table.witness_clean = not any(
                not RULES[d.code].size_free and RULES[d.code].kind != "declared"
                for d in run.diagnostics
            )
            return
        last = (point, failing[0] if failing else None, too_big)
    _unproven(table, ctx, stop, tries, tried, last)


def _unproven(
    table: ShapeTable,
    ctx: Context,
    stop: Node,
    tries: dict[str, list[int]],
    tried: int,
    last: tuple[dict[str, int], Diagnostic | None, str | None] | None,
) -> None:
    """SC109 at the layer where the method stopped: what is known, and the sizes tried."""
    if last is None:
        tried_note = (
            f"the model is too large ({len(table.graph.nodes):,} layers) to try sizes one by one"
        )
    else:
        point, first, too_big = last
        lo = {v: t[0] for v, t in tries.items()}
        reason = (
            f"{first.code} at line {first.pos.line}: {first.message}"
            if first is not None
            else f"{too_big} makes a tensor larger than torch can hold"
        )
        largest = (
            " (the largest input size a spec may state)"
            if all(x == MAX_INPUT_SIZE for x in point.values())
            else ""
        )
        tried_note = (
            f"tried {tried} sizes from {_point(lo)} to {_point(point)}{largest}; at the last, "
            f"{reason}"
        )
    mark = f"(line {stop.pos.line}): "
    why = next((r for r in table.inexact if mark in r), table.inexact[0] if table.inexact else "")
    why = why.removesuffix(NOT_CHECKED).partition(mark)[2] or "a size left the exact fragment"
    notes = [
        f"the exact method stops here: {why}; the layers before it run for "
        f"{_known(table, list(tries))}",
        tried_note,
        "give --input to check the model at a size, or search a range with "
        "`skipcheck sizes --bound A..B`",
    ]
    ctx.node = stop
    ctx.check(
        [False],
        RunsUnproven(stop.op, tried),
        notes=notes,
    )
    table.diagnostics.sort(key=lambda d: d.sort_key())


def probe_sizes(domain: SizeSet) -> list[int]:
    """The sizes to try in a set, ascending: its smallest, then one per power of two."""
    out = list(itertools.islice(domain.members(1, MAX_INPUT_SIZE), PROBE_SMALLEST))
    for k in range(1, MAX_INPUT_SIZE.bit_length()):
        above = domain.nearest(1 << k)[1]
        if above is not None and above <= MAX_INPUT_SIZE:
            out.append(above)
    return sorted(set(out))


def _too_big(run: ShapeTable) -> str | None:
    """The first layer whose output torch cannot hold at the sizes of a run (None: none)."""
    for node_id, shape in run.shapes.items():
        values = math.prod(d for d in shape if type(d) is int)
        if values * BYTES_PER_VALUE > TORCH_MAX_BYTES:
            node = run.graph.nodes[node_id]
            return f"{node.where} (line {node.pos.line})" if node_id else "the input"
    return None


def _witness(table: ShapeTable, run: ShapeTable, point: dict[str, int], stop: Node) -> None:
    """The model runs at ``point``: say where the layers past the stop were checked, and keep
    the errors that no input size fixes (channels) that the run met there."""
    at = _point(point)
    table.inexact[:] = [r.removesuffix(NOT_CHECKED) for r in table.inexact]
    table.inexact.append(
        f"{stop.where} (line {stop.pos.line}) and the layers after it were checked at {at} "
        "only, the first size tried where every layer's sizes work (give --input to check "
        "them at another size)"
    )
    for node_id, count in run.counts.items():  # a layer's parameters do not depend on sizes
        table.counts.setdefault(node_id, count)
    for node_id, d in run.raised:
        if d.severity == "error" and RULES[d.code].size_free:
            found = replace(
                d, notes=(*d.notes, f"found at {at}, past the exact method; no input size fixes it")
            )
            table.diagnostics.append(found)
            table.raised.append((node_id, found))
    table.diagnostics.sort(key=lambda d: d.sort_key())


def _point(point: dict[str, int]) -> str:
    """``H = W = 4096`` where the axes agree, else ``H = 4096, W = 8192``."""
    values = set(point.values())
    if len(values) == 1:
        return " = ".join([*point, f"{next(iter(values)):,}"])
    return ", ".join(f"{v} = {x:,}" for v, x in point.items())


def _known(table: ShapeTable, free: list[str]) -> str:
    """What the exact method established before it stopped, H and W together where alike."""
    sets = [(table.domain.get(v) or SizeSet.everything(v)) for v in free]
    first = sets[0].describe()
    if all(s.describe().replace(s.var, sets[0].var) == first for s in sets[1:]):
        names = ", ".join(free)
        return first.replace(sets[0].var, names, 1) if len(free) > 1 else first
    return "; ".join(s.describe() for s in sets)


def check_declared(
    ctx: Context, declared: tuple[Any, ...], actual: Shape, pos: Position, what: str
) -> None:
    verdicts = decl.compare(declared, actual, ctx.table)
    if verdicts is None:
        ctx.check(
            [False],
            DeclaredRank(what, len(declared), ctx.table.show(actual)),
            pos=pos,
        )
        return
    failed = ctx.record(verdicts, DeclaredShape.code)
    if failed is None:
        return  # almost every declared shape holds: its finding is made only where one differs
    notes: tuple[str, ...] = ()
    free = [v for v in dict.fromkeys(ctx.table.axis_vars) if v not in ctx.table.at]
    if free and any(v is False for v in verdicts):
        # a bool at a symbolic input: a size past the exact method, compared at sample sizes
        notes = (
            "past the exact method (it mixes axes or its period is too long), so compared at "
            f"sample sizes: it differs at every one tried ({', '.join(free)}: the first "
            "sizes the layers allow)",
        )
    ctx.report(
        failed,
        DeclaredShape(what, declared, actual, ctx.table.show),
        pos=pos,
        notes=notes,
    )


def _explain_nearest(table: ShapeTable) -> None:
    """Add "nearest valid input" to findings at a concrete size that the symbols explain."""
    grouped: dict[tuple[int, str, str], list[str]] = {}
    if table.inexact:
        return  # the sets miss what the exact method could not reach: no claim from them
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
            if not (d.code == DECLARED_SHAPE.code and any(d is f for f in table.at_size))
        ]
    notes = []
    for (x, desc, near), names in grouped.items():
        subject = " = ".join(names)
        notes.append(
            f"the whole model runs for {desc.replace(chr(0), ', '.join(names))}; nearest to {subject} = {x}: {near}"
        )
    if not notes or any(
        d.severity == "error" and RULES[d.code].size_free and not any(d is a for a in table.at_size)
        for d in table.diagnostics
    ):
        return  # a finding no input size fixes: the model runs for no size at all
    explained: dict[int, Diagnostic] = {
        id(d): replace(d, notes=d.notes + tuple(notes))
        for d in table.diagnostics
        if d.severity == "error" and any(d is f for f in table.at_size)
    }
    # a finding is a value: the explained one takes the place of the one found, everywhere
    table.diagnostics[:] = [explained.get(id(d), d) for d in table.diagnostics]
    table.at_size[:] = [explained.get(id(d), d) for d in table.at_size]
    table.raised[:] = [(n, explained.get(id(d), d)) for n, d in table.raised]
