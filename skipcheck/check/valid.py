"""Valid input sizes per spatial axis: where the model runs, where it runs cleanly, and why.

The closed form intersects the constraints propagation recorded (see
:class:`~skipcheck.engine.propagate.Constraint`). Where a size leaves the exact
fragment, the answer comes from re-running propagation at every size of a
stated bound instead: slower, but never a guess.

>>> from skipcheck.check import check_spec
>>> report = valid_sizes(check_spec("specs/unet_original.yaml"))
>>> report.axes[0].runs.describe(), report.axes[0].clean.describe()
('every H ≥ 188', 'H ≡ 12 (mod 16), H ≥ 188')
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

from skipcheck.check.result import CodeLine, FileResult
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph
from skipcheck.engine.propagate import propagate
from skipcheck.rules import OP_INPUT, RULES, RUNS_UNPROVEN
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import Opaque, concrete
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet
from skipcheck.shapes.table import Coupling, ShapeTable

DEFAULT_BOUND = (1, 1024)
MAX_ENUMERATED = 1 << 16  # sizes one enumeration may visit
MAX_WORK = 40_000  # one enumeration's budget (sizes × layers and periods): under half a second


@dataclass(frozen=True)
class Enumerated:
    """The members of a set of sizes found one by one within ``lo..hi``."""

    var: str
    lo: int
    hi: int
    found: tuple[int, ...]
    # a size past ``hi`` where the model was found to run (validate's search past the exact
    # method), with the other axes' sizes it ran with: known at that point only
    beyond: int | None = None
    beside: tuple[tuple[str, int], ...] = ()

    @property
    def _known(self) -> tuple[int, ...]:
        return self.found if self.beyond is None else (*self.found, self.beyond)

    def __contains__(self, x: object) -> bool:
        if not isinstance(x, int):
            return False
        k = bisect.bisect_left(self._known, x)
        return k < len(self._known) and self._known[k] == x

    def is_empty(self) -> bool:
        return not self._known

    def smallest(self) -> int | None:
        # a size found past the search is not the smallest: the sizes between were not tried
        return self.found[0] if self.found else None

    def members(self, lo: int, hi: int) -> Iterator[int]:
        return (x for x in self._known if lo <= x <= hi)

    def nearest(self, x: int) -> tuple[int | None, int | None]:
        """The nearest members at or below and at or above x, within the bound."""
        known = self._known
        k = bisect.bisect_right(known, x)
        below = known[k - 1] if k else None
        j = bisect.bisect_left(known, x)
        above = known[j] if j < len(known) else None
        return below, above

    def describe(self) -> str:
        if not self.found:
            text = f"no {self.var} in {self.lo}..{self.hi}"
        elif len(self.found) == self.hi - self.lo + 1:
            text = f"every {self.var} in {self.lo}..{self.hi}"
        else:
            text = f"{self.var} ∈ {{{ranges(self.found)}}} (searched {self.lo}..{self.hi})"
        if self.beyond is None:
            return text
        beside = "".join(f", {v} = {x:,}" for v, x in self.beside)
        return (
            f"{text}; and {self.var} = {self.beyond:,}{beside} (found past the exact method: "
            "checked at that size only)"
        )


Sizes = SizeSet | Enumerated


def ranges(values: Sequence[int], limit: int = 12) -> str:
    """``1, 2, 3, 7, 9`` → ``1–3, 7, 9``; more than ``limit`` runs end in ``… (N sizes)``."""
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and v == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    parts = [str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}–{b}" for a, b in runs]
    if len(parts) > limit:
        return ", ".join(parts[:limit]) + f", … ({len(values)} sizes)"
    return ", ".join(parts)


@dataclass(frozen=True)
class SizeCondition:
    """One layer's condition on an input size: ``add e2 in d2, line 20: needs H ≡ 0 (mod 4)``."""

    what: str
    code: str
    kind: str  # "runs" | "clean"
    sizes: SizeSet

    def __str__(self) -> str:
        return f"{self.what}: {self.sizes.needs()}"


@dataclass(frozen=True)
class AxisSizes:
    """The answer for one input-size symbol (shared by every axis that uses it)."""

    var: str
    axes: tuple[int, ...]  # spatial axes (0-based) that carry this symbol
    value: int | None  # where to look: the spec's size, or --near
    runs: Sizes
    clean: Sizes
    sources: tuple[SizeCondition, ...]
    exact: bool
    fixed: tuple[tuple[str, int], ...] = ()  # other axes held at these sizes while enumerating
    # where an error no input size fixes (a channel mismatch) stops the model at every size,
    # ``runs`` and ``clean`` are empty, and these are the sizes the spatial layers alone take
    # (what runs once those errors are fixed); None where no such error stops it
    spatial_runs: Sizes | None = None
    spatial_clean: Sizes | None = None

    def neighbours(self, sizes: Sizes) -> tuple[int | None, int | None]:
        """The nearest members strictly below and above ``value`` (or at it when it is not one)."""
        if self.value is None:
            return None, None
        below, above = sizes.nearest(self.value)
        if self.value in sizes:
            below = sizes.nearest(self.value - 1)[0] if self.value > 1 else None
            above = sizes.nearest(self.value + 1)[1]
        return below, above

    def same_answer(self, other: AxisSizes) -> bool:
        """Whether two axes obey the same rule at the same size (H and W of a square input)."""

        def key(a: AxisSizes) -> tuple[Any, ...]:
            return (
                a.value,
                a.exact,
                _renamed(a.runs),
                _renamed(a.clean),
                None if a.spatial_runs is None else _renamed(a.spatial_runs),
                None if a.spatial_clean is None else _renamed(a.spatial_clean),
                tuple((s.what, s.code, s.kind, _renamed(s.sizes)) for s in a.sources),
            )

        return key(self) == key(other)

    def deciding(self) -> tuple[SizeCondition, ...]:
        """The sources worth showing: those no other one implies (of two alike, the first),
        and the first that fails at ``value`` — where torch would stop.

        A deep 3D U-Net has a dozen lower bounds, one per conv, each implied by the
        last; only that last one decides anything."""
        return tuple(s for k, s in enumerate(self.sources) if k in self._shown)

    def implied(self) -> tuple[SizeCondition, ...]:
        """The sources that ``deciding`` leaves out."""
        return tuple(s for k, s in enumerate(self.sources) if k not in self._shown)

    @cached_property
    def _shown(self) -> frozenset[int]:
        hidden = _implied(self.sources)
        shown = {k for k in range(len(self.sources)) if k not in hidden}
        if self.value is not None:
            failing = (
                k
                for k, s in enumerate(self.sources)
                if s.kind == "runs" and self.value not in s.sizes
            )
            first = next(failing, None)
            if first is not None:
                shown.add(first)
        return frozenset(shown)


def _implied(sources: Sequence[SizeCondition]) -> set[int]:
    """The sources another source of the same kind asks at least as much as: a later copy
    of an equal condition, or any condition a stricter one implies.

    Layers repeat their conditions (a U-Net's convs all ask H ≥ something), so equal sets
    are grouped through their hash, and each distinct set is compared only with the
    strictest kept so far, not with every other layer's."""
    first: dict[tuple[str, SizeSet], int] = {}
    out: set[int] = set()
    for k, s in enumerate(sources):
        key = (s.kind, s.sizes)
        if key in first:
            out.add(k)  # an equal condition came first
        else:
            first[key] = k
    # the strictest sets, kept as the distinct sets come: a set another implies is weaker
    # (hidden); a new set that implies kept ones hides them. Conditions mostly form chains
    # (each conv asks a little more than the one before), so few are kept at a time
    strictest: dict[str, list[tuple[SizeSet, int]]] = {}
    for (kind, sizes), k in first.items():
        kept = strictest.setdefault(kind, [])
        if any(other.implies(sizes) for other, _ in kept):
            out.add(k)
            continue
        weaker = {j for other, j in kept if sizes.implies(other)}
        out |= weaker
        kept[:] = [(sizes, k), *(p for p in kept if p[1] not in weaker)]
    return out


def _renamed(s: Sizes) -> Sizes:
    return replace(s, var="")


@dataclass(frozen=True)
class ValidSizes:
    """The valid input sizes of a spec, one :class:`AxisSizes` per input-size symbol."""

    graph: Graph
    axes: tuple[AxisSizes, ...]
    size_free: tuple[Diagnostic, ...]  # errors that no input size fixes
    inexact: tuple[str, ...]  # why the closed form does not apply
    bound: tuple[int, int]
    # conditions no axis meets alone ("H ≥ 32 or W ≥ 32"): the per-axis sets assume them
    couplings: tuple[Coupling, ...] = ()
    places: tuple[str, ...] = ()  # where each of ``size_free`` is, as told (a model's own line)
    # a model reference: the model's own line behind each of ``size_free`` (empty for a spec)
    code: tuple[CodeLine | None, ...] = ()

    @property
    def at(self) -> dict[str, int]:
        """The sizes asked about, per symbol."""
        return {a.var: a.value for a in self.axes if a.value is not None}

    def failing_couplings(self) -> list[Coupling]:
        """The joint conditions the sizes asked about break."""
        return [c for c in self.couplings if c.kind == "runs" and c.holds(self.at) is False]

    @property
    def exact(self) -> bool:
        return not self.inexact

    @property
    def ok(self) -> bool:
        """Every axis's size (the spec's, or --near) is one where the model runs.

        An error that no input size fixes (SC101 channels) means no size runs at all.
        """
        return (
            not self.size_free
            and not self.failing_couplings()
            and all(
                (a.value in a.runs) if a.value is not None else not a.runs.is_empty()
                for a in self.axes
            )
        )


@dataclass(frozen=True)
class _Pin:
    """A size a layer's weights are shaped by: once built, the layer runs only at that size."""

    node: int
    index: int  # which axis of the layer's input
    dim: Any
    built: int | None
    what: str

    def holds(self, table: ShapeTable) -> bool:
        if self.built is None or self.node not in table.shapes:
            return True
        x = table.shapes[table.graph.nodes[self.node].inputs[0]]
        return concrete(x[self.index], table.at) == self.built


def _line(line: int) -> str:
    return f"line {line}"


def _pins(table: ShapeTable, where: Callable[[int], str] = _line) -> list[_Pin]:
    """Linear layers (in_features) and layer norms (normalized_shape) fix sizes once built;
    so does a stated in_channels / num_features where the channels depend on the sizes (after
    a flatten): built for the stated number, not for what the given input makes."""
    pins: list[_Pin] = []
    for node in table.graph.nodes[1:]:
        if node.id not in table.shapes:
            continue
        x = table.shapes[node.inputs[0]]
        stated = node.params.get(STATED_INPUT.get(node.op, ""))
        if node.op == "linear":
            indices = [len(x) - 1]
        elif node.op == "layernorm":
            indices = list(range(2, len(x)))
        elif stated is not None:
            indices = [1]
        else:
            continue
        for k in indices:
            if isinstance(x[k], (Affine, Opaque)):
                built = stated if isinstance(stated, int) else concrete(x[k], table.at)
                pins.append(
                    _Pin(
                        node.id,
                        k,
                        x[k],
                        built if isinstance(built, int) else None,
                        f"{node.where}, {where(node.pos.line)}",
                    )
                )
    return pins


# the parameter that states the size a layer's weights take (format 1.1), by op
STATED_INPUT = {
    "linear": "in_features",
    "conv": "in_channels",
    "conv_transpose": "in_channels",
    "batchnorm": "num_features",
}


def _inexact(table: ShapeTable, pins: list[_Pin], where: Callable[[int], str] = _line) -> list[str]:
    reasons = list(dict.fromkeys(table.inexact))
    consumed = {i for node in table.graph.nodes for i in node.inputs}
    for node in table.graph.nodes:
        if node.id not in consumed:
            continue  # an output's size decides nothing downstream
        shape = table.shapes.get(node.id)
        if shape is None or not any(isinstance(d, Opaque) for d in shape):
            continue
        opaque = next(str(d) for d in shape if isinstance(d, Opaque))
        reasons.append(
            f"{node.where}, {where(node.pos.line)}: the size {opaque} is not periodic-affine "
            "in one input size"
        )
        break  # the first one is the cause; later ones follow from it
    for pin in pins:
        if isinstance(pin.dim, Opaque):
            reasons.append(
                f"{pin.what}: its weights are built for {pin.built or '?'} features, "
                "a product of several input sizes"
            )
    return list(dict.fromkeys(reasons))


def _pin_sources(pins: list[_Pin]) -> list[SizeCondition]:
    out = []
    for pin in pins:
        if isinstance(pin.dim, Affine) and pin.built is not None:
            out.append(
                SizeCondition(pin.what, OP_INPUT.code, "runs", pin.dim.where_equal(pin.built))
            )
    return out


def _unique(sources: list[SizeCondition]) -> tuple[SizeCondition, ...]:
    """The constraints that restrict anything, the first of equal ones only."""
    unique: dict[
        tuple[str, SizeSet], SizeCondition
    ] = {}  # equal sets hash alike (their simplest form)
    for s in sources:
        if s.sizes.is_everything():
            continue
        unique.setdefault((s.kind, s.sizes), s)
    return tuple(unique.values())


def parse_bound(text: str) -> tuple[int, int]:
    """``1..1024`` → (1, 1024)."""
    lo, sep, hi = text.partition("..")
    if not sep or not lo.strip().isdigit() or not hi.strip().isdigit():
        raise SkipcheckError(f"{text!r}: expected a range like 1..1024")
    a, b = int(lo), int(hi)
    if a < 1 or b < a:
        raise SkipcheckError(f"{text!r}: expected 1 ≤ A ≤ B")
    if b - a + 1 > MAX_ENUMERATED:
        # both a search and a listing visit every size of the range
        raise SkipcheckError(f"{text!r}: at most {MAX_ENUMERATED:,} sizes at once")
    return a, b


def valid_sizes(
    result: FileResult,
    *,
    near: int | None = None,
    bound: tuple[int, int] = DEFAULT_BOUND,
) -> ValidSizes:
    """The valid input sizes of a checked spec, per input-size symbol.

    Exact and instant inside the periodic-affine fragment; elsewhere found by
    propagating at every size in ``bound`` (the other axes held at the spec's sizes).
    The sets say where torch runs; the findings named beside them are the ones the
    config reports, as in ``validate``.
    """
    table, graph = result.table, result.graph
    if table is None or graph is None:
        raise result.error or SkipcheckError(f"{result.path}: nothing to check")
    # At a given size, an error the size does not cause (a null upsample size, a bad
    # PReLU count) holds at every size: no size fixes it, as with channel findings.
    caused = {(d.code, d.pos, d.message) for d in table.at_size}
    # a finding of a size-free rule that the given size caused (a stated in_features after
    # a flatten of spatial axes, SC107) holds at other sizes: not size-free
    size_free = tuple(
        d
        for d in result.errors
        if (d.code, d.pos, d.message) not in caused
        and (RULES[d.code].size_free or (table.at and RULES[d.code].kind == "runs"))
    )
    pins = _pins(table, result.where)
    reasons = _inexact(table, pins, result.where)
    # validate's search past the exact method found no size that runs: what it tried
    reasons += [
        f"validate's search past the exact method found no size that runs: {n}"
        for d in result.diagnostics
        if d.code == RUNS_UNPROVEN.code
        for n in d.notes
        if n.startswith("tried ")
    ]
    if table.broken and table.at:
        # A layer that fails at the spec's size hides every later layer's constraints;
        # propagating with symbolic sizes reaches them all.
        full = table.symbolic or propagate(graph, [*table.shapes[0][:2], *table.axis_vars])
        table = replace(full, at=table.at)
        reasons = list(dict.fromkeys([*reasons, *_inexact(table, [], result.where)]))
    pin_sources = _pin_sources(pins)
    nodes = table.graph.nodes
    axes = []
    for var in dict.fromkeys(table.axis_vars):
        sources = [
            SizeCondition(
                f"{nodes[c.node].where}, {result.where(nodes[c.node].pos.line)}",
                c.code,
                c.kind,
                c.sizes,
            )
            for c in table.constraints
            if c.sizes.var == var and c.kind != "declared"
        ] + [s for s in pin_sources if s.sizes.var == var]
        runs: Sizes = table.valid_sizes(var)
        clean: Sizes = table.valid_sizes(var, "clean")
        for s in sources:
            if s.code == OP_INPUT.code:
                try:
                    runs = runs & s.sizes  # type: ignore[operator]
                    clean = clean & s.sizes  # type: ignore[operator]
                except OutOfFragment as exc:
                    reasons.append(f"{s.what}: {exc}")
        fixed: tuple[tuple[str, int], ...] = ()
        if reasons:
            runs, clean, fixed = _enumerate(table, var, pins, bound, reasons)
            runs, clean = _witnessed(table, var, runs, clean)
        spatial: tuple[Sizes | None, Sizes | None] = (None, None)
        if size_free:
            # no size runs: say so in the sets themselves, so that every reader of them
            # (a listing, the JSON, the nearest sizes) says "none"
            spatial = (runs, clean)
            runs = clean = SizeSet.nothing(var)
        axes.append(
            AxisSizes(
                var,
                tuple(k for k, v in enumerate(table.axis_vars) if v == var),
                near if near is not None else table.at.get(var),
                runs,
                clean,
                _unique(sources),
                not reasons,
                fixed,
                *spatial,
            )
        )
    places = tuple(result.place(d) for d in size_free)
    code = tuple(result.code_of(d) for d in size_free) if result.from_model else ()
    return ValidSizes(
        graph, tuple(axes), size_free, tuple(reasons), bound, tuple(table.couplings), places, code
    )


def _witnessed(
    table: ShapeTable, var: str, runs: Enumerated, clean: Enumerated
) -> tuple[Enumerated, Enumerated]:
    """The sets found one by one, with the size validate's search past the exact method
    found the whole model to run at (``ShapeTable.witness``) where it lies past the search:
    ``sizes`` and ``validate`` tell the same truth, and no more than it."""
    x = table.witness.get(var)
    if x is None or x <= runs.hi or x in runs:
        return runs, clean
    beside = tuple((v, y) for v, y in table.witness.items() if v != var)
    runs = replace(runs, beyond=x, beside=beside)
    if table.witness_clean:
        clean = replace(clean, beyond=x, beside=beside)
    return runs, clean


def _enumerate(
    table: ShapeTable, var: str, pins: list[_Pin], bound: tuple[int, int], reasons: list[str]
) -> tuple[Enumerated, Enumerated, tuple[tuple[str, int], ...]]:
    lo, hi = bound
    graph = table.graph
    base = list(table.shapes[0])
    fixed = tuple(
        (v, table.at[v]) for v in dict.fromkeys(table.axis_vars) if v != var and v in table.at
    )
    runs, clean = [], []
    work = 0
    # past the exact method, the layers before it still decide exactly: a size outside what
    # they allow fails there (17 halvings: no H below 4,096 runs), and needs no run
    domain = table.domain.get(var) if table.unchecked is not None else None
    for x in range(lo, hi + 1):
        if domain is not None and x not in domain:
            continue
        if work > MAX_WORK // len(set(table.axis_vars)):  # one budget for all the axes
            # a fixed amount of work, not a clock: the same answer on every machine
            reasons.append(
                f"the search stopped after {var} = {x - 1}: trying each size takes too long "
                "here; --bound A..B searches where you need it"
            )
            hi = x - 1
            break
        dims: list[int | str] = [base[0] if isinstance(base[0], (int, str)) else "N", base[1]]
        for v in table.axis_vars:
            dims.append(x if v == var else table.at.get(v, v))
        at_x = propagate(graph, dims, numbers=True)
        # the cost of one size: its layers, and the periods of the axes left symbolic
        work += len(graph.nodes) + sum(c.sizes.modulus for c in at_x.constraints)
        # declared shapes say what the author intended at one size, not where torch runs
        findings = [
            d
            for d in at_x.diagnostics
            if not RULES[d.code].size_free and RULES[d.code].kind != "declared"
        ]
        ok = not any(d.severity == "error" for d in findings) and all(
            pin.holds(at_x) for pin in pins
        )
        if ok:
            runs.append(x)
            if not findings:
                clean.append(x)
    return (
        Enumerated(var, lo, hi, tuple(runs)),
        Enumerated(var, lo, hi, tuple(clean)),
        fixed,
    )
