"""What propagation learns, and the API an op's shape rule sees.

``ShapeTable`` holds every node's shape, parameter count, findings and size
constraints; ``Context`` is what an op gets while it runs: the node, the sizes
at the concrete input, and ``check`` to report a condition. Ops depend on this
module; the engine (``shapes/propagate.py``) depends on the ops.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from skipcheck.core.graph import Graph, Node
from skipcheck.core.position import Position
from skipcheck.rules import RULES, Finding
from skipcheck.rules.diagnostics import Diagnostic, Operand
from skipcheck.shapes.dims import AnyOf, Shape, Sizes, Verdict, concrete, show
from skipcheck.shapes.sizeset import OutOfFragment, SizeSet


class Constraint(NamedTuple):
    """A condition on one input-size symbol that some node imposes.

    kind ``runs``: torch fails outside it; ``clean``: nothing is silently lost inside it.
    (A named tuple, not a frozen dataclass: every layer records one or two, and a tuple
    is made in a third of the time.)
    """

    node: int
    code: str
    kind: str
    sizes: SizeSet
    what: str  # "add at d2 (line 31)"


@dataclass(frozen=True)
class Coupling:
    """A condition that no axis meets alone: it holds where any one of ``sets`` holds
    (an instance norm needs more than one value: H' ≥ 2 or W' ≥ 2)."""

    node: int
    code: str
    kind: str
    sets: tuple[SizeSet, ...]
    what: str  # "instancenorm in e4 (line 12)"

    def holds(self, at: dict[str, int]) -> bool | None:
        """Whether it holds at the given sizes (None while a symbol is free)."""
        if any(s.var not in at for s in self.sets):
            return None
        return any(at[s.var] in s for s in self.sets)

    def describe(self) -> str:
        return " or ".join(s.describe().removeprefix("every ") for s in self.sets)


class Narrowing(NamedTuple):
    """A layer's condition that narrowed the running domain of its symbol (``sizes``), or
    that no size the domain allows meets (``sizes`` None): the log a later run replays to
    stand where this one stood before any layer (``propagate.Loop``)."""

    node: int
    var: str
    sizes: SizeSet | None
    key: tuple[str, int, tuple[object, ...]]


class Failed(NamedTuple):
    """How a check's verdicts fail (``Context.record``): per axis, the symbol, the size given
    and what it needs (empty for a bool that fails); and the couplings that fail."""

    axes: list[tuple[str, ...]]
    coupled: list[Coupling]


class Side(NamedTuple):
    """One side of a check, named cheaply: its shape and its provenance are written out
    (``Operand``) only when the check fails — most pass, and a provenance walks the graph."""

    role: str
    node: int
    shape: Shape | None = None
    axis: int = 0  # the spatial axis whose size changes the provenance lists


@dataclass
class ShapeTable:
    """Everything propagation learned: shapes, parameter counts, findings, constraints."""

    graph: Graph
    at: dict[str, int]
    axis_vars: tuple[str, ...]
    shapes: dict[int, Shape] = field(default_factory=dict)
    counts: dict[int, int | None] = field(default_factory=dict)
    mult_adds: dict[int, int | None] = field(default_factory=dict)  # None: not at a concrete size
    diagnostics: list[Diagnostic] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    couplings: list[Coupling] = field(default_factory=list)  # conditions joining several axes
    # the run at symbolic sizes that filled in what a fatal finding at the given size cut off
    symbolic: ShapeTable | None = None
    broken: set[int] = field(default_factory=set)
    inexact: list[str] = field(default_factory=list)
    # the first node where a check at a symbolic input size was left undecided (past the exact
    # method): from there on only a size tried one by one can say whether the model runs
    unchecked: int | None = None
    # past that node, the sizes tried one by one where the whole model runs (one per free
    # symbol; empty where none was found or none was needed), and whether it ran clean there
    witness: dict[str, int] = field(default_factory=dict)
    witness_clean: bool = False
    # running intersection of the `runs` conditions some size still meets: a condition that
    # would leave no size is reported and left out, so the layers after it are judged at the
    # sizes the earlier layers allow, as at a given size (no false errors after a failure)
    domain: dict[str, SizeSet] = field(default_factory=dict)
    unsatisfied: set[str] = field(default_factory=set)  # symbols a `runs` condition left empty
    at_size: list[Diagnostic] = field(default_factory=list)  # findings the given input size causes
    raised: list[tuple[int, Diagnostic]] = field(default_factory=list)  # each finding's node
    arithmetic: int = 0  # exact arithmetic done, in residue classes (sizeset.Work), runs included
    narrowed: list[Narrowing] = field(default_factory=list)  # the domain's changes, in order
    # the pass over the layers as it ended (a propagate.Loop, None where it cannot be taken
    # over): a re-check of an edited model starts from it at the first changed layer
    loop: Any = None
    # each declared size's text as a value, and the arithmetic it took (engine/declared.resolve)
    resolved: dict[Any, tuple[Any, int]] = field(default_factory=dict)
    resolved_shapes: dict[tuple[Any, ...], tuple[tuple[Any, ...], int]] = field(
        default_factory=dict
    )  # the same per declared shape

    def show(self, shape: Shape) -> str:
        """``1×64×(H - 2)×(W - 2)``: a size that is a formula is parenthesised, so that
        the × between axes is never read as part of it."""
        return "×".join(_grouped(show(d, self.at)) for d in shape)

    def shape_of(self, node_id: int) -> str:
        return self.show(self.shapes[node_id]) if node_id in self.shapes else "?"

    def sizes_of(self, node_id: int) -> Sizes | None:
        """The node's shape as torch sees it at the concrete input (None while symbolic)."""
        shape = self.shapes.get(node_id)
        if shape is None:
            return None
        values = [concrete(d, self.at) for d in shape]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return None
        return tuple(int(v) for v in values if isinstance(v, int))

    @property
    def total_params(self) -> int | None:
        """The model's parameters: every layer's, those past a failure included where a
        symbolic run reached them (None where a count depends on a symbolic size)."""
        total = 0
        for count in self.counts.values():
            if count is None:
                return None
            total += count
        return total

    def valid_sizes(self, var: str, kind: str = "runs") -> SizeSet:
        """The exact input sizes for ``var`` where the model runs (or runs cleanly)."""
        if var in self.unsatisfied:
            return SizeSet.nothing(var)  # a condition no size the others allow meets
        if kind == "runs" and var in self.domain:
            return self.domain[var]
        result = SizeSet.everything(var)
        kinds = ("runs",) if kind == "runs" else ("runs", "clean")
        seen: set[tuple[int, tuple[object, ...]]] = set()  # layers repeat their conditions
        for c in self.constraints:
            if c.sizes.var == var and c.kind in kinds:
                key = (c.sizes.modulus, c.sizes.intervals)
                if key not in seen:
                    seen.add(key)
                    try:
                        result = result & c.sizes
                    except OutOfFragment as exc:
                        self.inexact.append(f"{c.what}: {exc}")
        return result

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]


def _grouped(text: str) -> str:
    return text if _ATOM.fullmatch(text) else f"({text})"


_ATOM = re.compile(r"-?[\w']+")


class Context:
    """What an op's shape rule sees: the node, the concrete sizes, and ``check``."""

    def __init__(self, table: ShapeTable) -> None:
        self.table = table
        self.node: Node = table.graph.nodes[0]
        self.at = table.at
        self.node_failed = False
        # each node's last size changes, newest first: computed once per node, on demand
        self._steps: dict[int, dict[int, tuple[str, ...]]] = {}  # per spatial axis
        self._narrowed: set[tuple[str, int, tuple[object, ...]]] = set()
        # the same by the set's identity (most conditions are the very set asked before, and
        # its key hashes every class): each entry holds its set, so no id is reused
        self._narrowed_sets: dict[int, SizeSet] = {}
        self._where_of: Node | None = None
        self._what = ""
        self._where = ""

    def where(self) -> str:
        # every condition a layer records names it: the text is made once per layer
        node = self.node
        if self._where_of is not node:
            self._where_of = node
            self._what = node.where
            self._where = f"{self._what} (line {node.pos.line})"
        return self._where

    def what(self) -> str:
        """``node.where`` of the layer being checked (``maxpool in enc2``), made once per
        layer: the findings its checks build name it, though most are never written."""
        if self._where_of is not self.node:
            self.where()
        return self._what

    def check(
        self,
        verdicts: Sequence[Verdict],
        finding: Finding,
        *,
        operands: Sequence[Side] = (),
        notes: Sequence[str] = (),
        fatal: bool = False,
        pos: Position | None = None,
    ) -> bool:
        """Report ``finding`` unless every verdict holds; returns whether they hold. Its
        rule module writes the message from its facts, only if a verdict fails.

        A SizeSet verdict is recorded as a constraint on its symbol; it fails when
        the concrete input lies outside it, or (for a symbolic input) when no input
        size at all satisfies it.
        """
        failed = self.record(verdicts, finding.code)
        if failed is None:
            return True
        return self.report(failed, finding, operands=operands, notes=notes, fatal=fatal, pos=pos)

    def record(self, verdicts: Sequence[Verdict], code: str) -> Failed | None:
        """``check``'s first half: record the verdicts of rule ``code`` (constraints,
        couplings, sizes past the exact method) and say how they fail (None: they hold).
        The checks every layer makes call it alone, and build their finding and its sides
        only for ``report`` when it fails — almost all hold."""
        rule = RULES[code]
        kind = rule.kind
        failed_axes: list[tuple[str, ...]] = []
        coupled: list[Coupling] = []
        table, at = self.table, self.at
        narrowed = self._narrowed_sets
        for verdict in verdicts:
            if verdict is True:  # most checks pass: nothing to record
                continue
            if type(verdict) is not SizeSet:
                if verdict is None:
                    table.inexact.append(f"{self.where()}: a size left the exact fragment")
                    self._undecided(None)
                elif isinstance(verdict, bool):
                    if not verdict:
                        failed_axes.append(())
                elif isinstance(verdict, AnyOf):
                    coupling = Coupling(self.node.id, rule.code, kind, verdict.sets, self.where())
                    table.couplings.append(coupling)
                    holds = coupling.holds(at)
                    if holds is False:
                        coupled.append(coupling)
                    elif holds is None and all(s.is_empty() for s in verdict.sets):
                        failed_axes.append(())
                continue
            # a SizeSet (every spatial check): written out here, as it runs on every layer
            var = verdict.var
            x = at.get(var)
            try:
                domain = table.domain.get(var) or SizeSet.everything(var)
                # a symbolic input fails only where no size the earlier layers allow passes
                if kind != "runs":
                    if x is None:
                        both = domain & verdict
                    else:
                        # a given size is judged by membership alone: what the intersection
                        # would say is only whether its period passes the cap (raised here)
                        domain.meets_within_cap(verdict)
                        both = domain
                elif id(verdict) in narrowed:
                    both = domain  # _narrow's first answer, without the call or the key
                elif (var, verdict.modulus, verdict.intervals) in self._narrowed:
                    both = domain
                    narrowed[id(verdict)] = verdict
                else:
                    both = self._narrow(domain, verdict)
                # asked only at a symbolic size: a given size is judged by membership below
                nowhere = x is None and (verdict.is_empty() or both.is_empty())
            except OutOfFragment as exc:
                # its period and the others' are too fine together: at the given size only
                table.inexact.append(f"{self.where()}: {exc}")
                self._undecided(var)
                if x is not None and x not in verdict:
                    failed_axes.append((var, str(x), verdict.describe()))
                continue
            node = self.node
            if self._where_of is not node:
                self.where()
            table.constraints.append(Constraint(node.id, rule.code, kind, verdict, self._where))
            if x is not None:
                # SizeSet.__contains__ for the given size, without the call (every check)
                q, r = divmod(x, verdict.modulus)
                iv = verdict.intervals[r]
                if x < 1 or iv is None or q < iv[0] or (iv[1] is not None and q > iv[1]):
                    needs = "" if verdict.is_empty() else verdict.describe()
                    failed_axes.append((var, str(x), needs))
            elif nowhere:
                failed_axes.append((var, "", ""))
        if not failed_axes and not coupled:
            return None
        return Failed(failed_axes, coupled)

    def report(
        self,
        failed: Failed,
        finding: Finding,
        *,
        operands: Sequence[Side] = (),
        notes: Sequence[str] = (),
        fatal: bool = False,
        pos: Position | None = None,
    ) -> bool:
        """``check``'s second half: write ``finding`` for verdicts ``record`` found failing
        (returns False, as ``check`` does for them)."""
        rule = RULES[finding.code]
        failed_axes, coupled = failed
        if fatal:
            self.node_failed = True
        explain = _explain([a for a in failed_axes if a], rule.severity) + tuple(
            _explain_coupled(c, self.at) for c in coupled
        )
        diagnostic = Diagnostic(
            code=rule.code,
            severity=rule.severity,
            pos=self.node.pos if pos is None else pos,
            message=finding.message(),
            node=self.node.label,
            operands=tuple(self._operand(o) for o in operands),
            notes=tuple(notes) + explain + self._block_note(),
        )
        self.table.diagnostics.append(diagnostic)
        self.table.raised.append((self.node.id, diagnostic))
        if coupled or any(value for _, value, _ in (a for a in failed_axes if a)):
            self.table.at_size.append(diagnostic)
        return False

    def _undecided(self, var: str | None) -> None:
        """Remember the first node whose check a symbolic input size left undecided."""
        free = [v for v in self.table.axis_vars if v not in self.at]
        if (var in free if var is not None else free) and self.table.unchecked is None:
            self.table.unchecked = self.node.id

    def _block_note(self) -> tuple[str, ...]:
        """Where a layer written inside a block was used: its line alone is shared by every use."""
        calls = self.node.calls
        if not calls:
            return ()
        lines = " → ".join(str(c.line) for c in calls)
        return (
            f"the layer is written in a block; this use comes from line{'s' * (len(calls) > 1)} {lines}",
        )

    def _narrow(self, domain: SizeSet, verdict: SizeSet) -> SizeSet:
        """The running domain of ``verdict``'s symbol intersected with it. Many layers
        repeat the condition of the one before (every conv after four poolings needs
        H ≡ 0 mod 16 again): a condition already in the domain changes nothing.

        A condition that leaves no size fails on its own; it is not kept in the domain,
        so a later layer that would fail only because of it (a 1×1 conv after a merge
        that never matches) is not reported as a failure of its own."""
        key = (verdict.var, verdict.modulus, verdict.intervals)
        if key in self._narrowed:
            return domain
        both = domain & verdict
        if both.is_empty():
            # not remembered: the same condition again (a block used twice) fails again
            self.table.unsatisfied.add(verdict.var)
            self.table.narrowed.append(Narrowing(self.node.id, verdict.var, None, key))
            return both
        self.table.domain[verdict.var] = both
        self._narrowed.add(key)  # only once the intersection stayed inside the caps
        self.table.narrowed.append(Narrowing(self.node.id, verdict.var, both, key))
        self._narrowed_sets[id(verdict)] = verdict
        return both

    def replay(self, narrowing: Narrowing) -> None:
        """Narrow the domain as an earlier run's layer did (``_narrow``'s effect)."""
        if narrowing.sizes is None:
            self.table.unsatisfied.add(narrowing.var)
            return
        self.table.domain[narrowing.var] = narrowing.sizes
        self._narrowed.add(narrowing.key)

    def _operand(self, source: Side) -> Operand:
        shape = self.table.shapes[source.node] if source.shape is None else source.shape
        return Operand(source.role, self.table.show(shape), self.origin(source.node, source.axis))

    def origin(self, node_id: int, axis: int = 0) -> str:
        """The size changes along spatial ``axis`` (0: the first) that led to this node
        (its last four)."""
        node = self.table.graph.nodes[node_id]
        head = f"{node.name or node.op} (line {node.pos.line})" if node_id else "the input"
        steps = self._last_steps(node_id, axis)
        if not steps:
            return head
        return f"{head}: " + ", ".join(reversed(steps))

    def _last_steps(self, node_id: int, axis: int) -> tuple[str, ...]:
        # Walk back along first inputs only to the nearest node already known, then fill
        # in forwards: every node is walked once per axis, however long its chain.
        nodes, shapes = self.table.graph.nodes, self.table.shapes
        memo = self._steps.setdefault(axis, {})
        k = 2 + axis
        pending: list[int] = []
        current = node_id
        while current and current not in memo:
            pending.append(current)
            current = nodes[current].inputs[0] if nodes[current].inputs else 0
        known = memo.get(current, ())
        for current in reversed(pending):
            n = nodes[current]
            src = n.inputs[0] if n.inputs else 0
            mine, theirs = shapes.get(current), shapes.get(src)
            step: tuple[str, ...] = ()
            if mine is not None and theirs is not None and len(mine) > k and len(theirs) > k:
                a, b = show(theirs[k], self.at), show(mine[k], self.at)
                if a != b:
                    step = (f"{a} → {b} ({n.op}, line {n.pos.line})",)
            known = memo[current] = (step + known)[:4]
        return known


def _explain_coupled(c: Coupling, at: dict[str, int]) -> str:
    here = ", ".join(f"{s.var} = {at[s.var]}" for s in c.sets)
    return f"fails at {here}; needs {c.describe()} — the axes couple: one large enough is enough"


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
        verb = "fails" if severity == "error" else "happens"
        if not needs:
            out.append(f"{verb} at {subject} = {value}, and at every other size")
            continue
        need = needs.replace("\0", ", ".join(names) if len(names) > 1 else names[0])
        out.append(
            f"{verb} at {subject} = {value}; {'needs' if severity == 'error' else 'avoided for'} {need}"
        )
    return tuple(out)
