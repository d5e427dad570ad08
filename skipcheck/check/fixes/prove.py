"""Proof: apply a candidate to a copy of the text and re-check the whole model."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from skipcheck.check.fixes.edit import Edit, EditError, apply_edits, shift
from skipcheck.check.fixes.model import Candidate, Fix
from skipcheck.core.position import line_starts, offset_line_col
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.table import ShapeTable

if TYPE_CHECKING:
    from skipcheck.check.result import FileResult

Key = tuple[str, int, int]  # code, line, col
# the whole pipeline, run on an edited text (with some params set, for the sweep)
Recheck = Callable[[str, Mapping[str, int] | None], "FileResult"]
SWEEP = ((1, 2), (2, 1))  # each param at ½× and 2× its value (1× is the proof itself)
# Work spent re-checking while proving one file's fixes, at most: a count, not a time, so the
# answer is the same on every machine. One unit is a layer propagated (the run at symbolic sizes
# that follows a failure counts its layers too), half a finding written (its message names both
# shapes and where they came from) or 150 residue classes of exact size arithmetic (a stride
# that makes periods long costs more than the layer count says). A unit is about 45 µs here
# (fitted over the shipped specs and a fuzz campaign's slowest mutants): the budget keeps one
# file's proofs near a third of a second, whatever the file — fifty broken merges, a typo that
# repeats a block fifty times, or periods of thousands.
# Sites past it are reported as not tried; fixing the ones before and running again reaches them.
PROOF_BUDGET = 8_000
# `fix` also re-checks each proven fix at other param values (½×, 2×): a budget of its own,
# so that sweeping the first fixes never leaves the later sites untried
SWEEP_BUDGET = 4_000
FINDING_COST = 2  # units per finding
CLASSES_PER_UNIT = 150  # residue classes of arithmetic per unit


@dataclass
class Baseline:
    """The model as written, against which every candidate is judged, and how to re-check."""

    result: FileResult
    recheck: Recheck
    swept_params: bool = True  # re-prove at each param's ½× and 2×
    budget: int = PROOF_BUDGET  # work re-checking, at most (PROOF_BUDGET's units)
    spent: int = 0
    sweep_budget: int = SWEEP_BUDGET  # the same, for the sweeps of proven fixes
    sweep_spent: int = 0
    _checked: dict[tuple[str, tuple[tuple[str, int], ...]], FileResult] = field(
        default_factory=dict
    )
    edits_checked: set[frozenset[Edit]] = field(default_factory=set)  # candidates re-checked
    untried: int = 0  # candidates not re-checked because the budget had run out
    _last_starts: tuple[str, list[int]] | None = None

    @cached_property
    def starts(self) -> list[int]:
        return line_starts(self.text)

    @property
    def path(self) -> str:
        return self.result.path

    @property
    def text(self) -> str:
        return self.result.text

    @property
    def table(self) -> ShapeTable:
        assert self.result.table is not None
        return self.result.table

    def moved(self, d: Diagnostic, edits: Sequence[Edit], new_text: str) -> Key:
        """A finding's key as it would read in the edited text (lines may have moved)."""
        if d.pos.file != self.path or d.pos.line < 1:
            return (d.code, d.pos.line, d.pos.col)
        starts = self.starts
        if d.pos.line > len(starts):
            return (d.code, d.pos.line, d.pos.col)
        offset = starts[d.pos.line - 1] + d.pos.col - 1
        return (d.code, *offset_line_col(self._starts_of(new_text), shift(offset, edits)))

    def _starts_of(self, new_text: str) -> list[int]:
        """The line starts of an edited text, found once for all its findings (per finding,
        a spec with thousands of broken merges took minutes)."""
        last = self._last_starts
        if last is None or last[0] is not new_text:
            last = self._last_starts = (new_text, line_starts(new_text))
        return last[1]

    def worth_checking(self, edits: Sequence[Edit]) -> bool:
        """Whether a candidate with these edits can still be proven: the budget allows a
        re-check, or the same edits were checked before (then it costs nothing). Asked
        before the edited text is written: past the budget, a spec with thousands of broken
        merges would otherwise copy its whole text once per candidate."""
        return not self.exhausted or frozenset(edits) in self.edits_checked

    def variants(self) -> list[tuple[str, int]]:
        """The values the spec is likely to be swept over: each integer param at ½× and 2×."""
        assert self.result.graph is not None
        if not self.swept_params:
            return []
        out: list[tuple[str, int]] = []
        for name, v in self.result.graph.params.items():
            if isinstance(v, int) and not isinstance(v, bool) and v > 0:
                out.extend((name, v * num // den) for num, den in SWEEP if v * num // den >= 1)
        return [(n, v) for n, v in dict.fromkeys(out) if v != self.result.graph.params[n]]

    @property
    def exhausted(self) -> bool:
        return self.spent + self._cost > self.budget

    @cached_property
    def _cost(self) -> int:
        # a candidate is the same model with a few values changed: its re-check costs
        # about what the model as written cost
        return work(self.result)

    def check(
        self, text: str, params: Mapping[str, int] | None = None, *, sweep: bool = False
    ) -> FileResult | None:
        """``text`` re-checked (at ``params``), charged to the proofs' budget or, for a
        ``sweep``, to the sweep's; None once that would run over. A text checked before
        costs nothing: several sites propose the same edit (the input size that mends every
        merge at once), and a sweep checks the model as written at each value once."""
        key = (text, tuple(sorted((params or {}).items())))
        if key in self._checked:
            return self._checked[key]
        if sweep:
            if self.sweep_spent + self._cost > self.sweep_budget:
                return None
            self.sweep_spent += self._cost
        else:
            if self.exhausted:
                return None
            self.spent += self._cost
        result = self._checked[key] = self.recheck(text, params)
        return result

    def sweep(
        self, new_text: str, edits: Sequence[Edit], target: Sequence[Diagnostic], left: set[str]
    ) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Where the edit still holds, param by param: ``(held, broken)``, e.g.
        ``("base = 16, 32, 64",)`` and ``()``. At a swept value the edited file must have
        no error the original lacks there, and none at the site beyond the codes ``left``."""
        assert self.result.graph is not None
        params = self.result.graph.params
        site = {(k[1], k[2]) for k in (self.moved(d, edits, new_text) for d in target)}
        held: dict[str, list[int]] = {}
        broken: dict[str, list[int]] = {}
        for name, value in self.variants():
            original = self.check(self.text, {name: value}, sweep=True)
            if original is None:
                break  # out of budget: the sweep says only what it checked
            if original.error is not None:
                continue  # the spec itself does not load there: nothing to hold to
            checked = self.check(new_text, {name: value}, sweep=True)
            if checked is None:
                break
            ok = checked.error is None
            if ok:
                before = Counter(self.moved(d, edits, new_text) for d in original.errors)
                after = Counter(_key(d) for d in checked.errors)
                at_site = {k for k in after if (k[1], k[2]) in site and k[0] not in left}
                ok = not (after - before) and not at_site
            (held if ok else broken).setdefault(name, []).append(value)
        lines = []
        for name, values in held.items():
            if name not in broken:
                lines.append(f"{name} = {', '.join(map(str, sorted({*values, params[name]})))}")
        fails = tuple(
            f"{name} = {', '.join(map(str, sorted(values)))}" for name, values in broken.items()
        )
        return tuple(lines), fails


def work(result: FileResult) -> int:
    """What checking ``result``'s model took, in PROOF_BUDGET's units."""
    table = result.table
    layers = 0
    while table is not None:
        layers += len(table.shapes)
        table = table.symbolic
    if result.graph is not None:
        # every layer was lowered, even where a fatal finding stopped propagation early
        layers = max(layers, len(result.graph.nodes))
    arithmetic = result.table.arithmetic if result.table is not None else 0
    findings = len(result.diagnostics) + len(result.silenced)
    return layers + FINDING_COST * findings + arithmetic // CLASSES_PER_UNIT


def _key(d: Diagnostic) -> Key:
    return (d.code, d.pos.line, d.pos.col)


def prove(base: Baseline, target: Sequence[Diagnostic], cand: Candidate) -> Fix | None:
    """The candidate as a Fix if it removes (part of) ``target`` and adds no error; else None."""
    if not base.worth_checking(cand.edits):
        base.untried += 1
        return None
    try:
        new_text = apply_edits(base.text, cand.edits)
    except EditError:
        return None
    if new_text == base.text:
        return None
    checked = base.check(new_text)
    if checked is None:
        base.untried += 1
    else:
        base.edits_checked.add(frozenset(cand.edits))
    if checked is None or checked.error is not None or checked.table is None:
        return None
    table = checked.table
    before = Counter(base.moved(d, cand.edits, new_text) for d in base.result.errors)
    after = Counter(_key(d) for d in checked.errors)
    if after - before:
        return None
    wanted = Counter(base.moved(d, cand.edits, new_text) for d in target)
    left = wanted & after
    if left == wanted:
        return None
    remaining = tuple(f"{d.code} {d.message}" for d in checked.errors if _key(d) in left)
    # findings at other sites the same edit removes: a common cause mended at its root
    elsewhere = sum(((before - wanted) - after).values())
    old_warn = Counter(
        base.moved(d, cand.edits, new_text)
        for d in base.result.diagnostics
        if d.severity != "error"
    )
    new_warn = [d for d in checked.diagnostics if d.severity != "error"]
    added = Counter(_key(d) for d in new_warn) - old_warn
    warnings = tuple(
        dict.fromkeys(
            f"{d.code} at line {d.pos.line}: {d.message}" for d in new_warn if _key(d) in added
        )
    )
    proven_for, fails_at = base.sweep(
        new_text, cand.edits, target, {r.split(" ", 1)[0] for r in remaining}
    )
    return Fix(
        title=cand.title,
        description=cand.description,
        edits=cand.edits,
        text=new_text,
        path=base.path,
        original=base.text,
        rank=cand.rank,
        changes_behaviour=cand.changes_behaviour,
        behaviour=cand.behaviour,
        partial=bool(left),
        remaining=tuple(dict.fromkeys(remaining)),
        output_shape=_change(_output(base.table), _output(table)),
        param_delta=_delta(base.table.total_params, table.total_params),
        valid_sizes=_sizes(base.table, table),
        closes_sizes=_closes(base.table, table),
        new_warnings=warnings,
        in_terms=cand.in_terms,
        changes=cand.changes,
        proven_for=proven_for,
        fails_at=fails_at,
        at=_at(base, fails_at),
        mended_elsewhere=elsewhere,
        clears_file=not checked.errors and bool(before - wanted),
    )


def _at(base: Baseline, fails_at: Sequence[str]) -> str:
    """The values a fix that does not follow the params holds at: ``base = 32``."""
    assert base.result.graph is not None
    names = [f.split(" = ", 1)[0] for f in fails_at]
    return ", ".join(f"{n} = {base.result.graph.params[n]}" for n in names)


def _output(table: ShapeTable) -> str:
    out = table.graph.out
    return "—" if out in table.broken else table.shape_of(out)


def _change(a: str, b: str) -> str:
    return a if a == b else f"{a} → {b}"


def _delta(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else b - a


def _closes(before: ShapeTable, after: ShapeTable) -> bool:
    """Whether the fixed model runs at no size of an axis where the model ran at some: it
    mends the site at the given size only, while other merges fail at every size it allows."""
    return any(
        after.valid_sizes(var).is_empty() and not before.valid_sizes(var).is_empty()
        for var in dict.fromkeys(after.axis_vars)
        if var in before.axis_vars
    )


def _sizes(before: ShapeTable, after: ShapeTable) -> tuple[str, ...]:
    out = []
    for var in dict.fromkeys(after.axis_vars):
        if var not in before.axis_vars:
            continue
        a, b = before.valid_sizes(var).describe(), after.valid_sizes(var).describe()
        if a != b:
            out.append(f"{a} → {b}")
    return tuple(out)
