"""Declared shapes (``output:``, ``expect:``) compared exactly with inferred ones."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from skipcheck.shapes.dims import Opaque, Verdict, concrete, equal
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet, Work
from skipcheck.specfile.expr import ExprError, evaluate

if TYPE_CHECKING:
    from skipcheck.shapes.table import ShapeTable

K = TypeVar("K")
V = TypeVar("V")


def resolve_shape(declared: tuple[Any, ...], table: ShapeTable) -> tuple[Any, ...]:
    """Each size of a declared shape as a value (``resolve``), once per table: a repeated
    block declares the same shape at each use. Its arithmetic is counted again at each
    use, as ``resolve`` counts a text's."""
    return _once(
        table.resolved_shapes, declared, lambda: tuple([resolve(item, table) for item in declared])
    )


def resolve(item: Any, table: ShapeTable) -> Any:
    """A declared dimension as a value: an int, the batch symbol, or an Affine."""
    if isinstance(item, int):
        return item
    batch = table.shapes[0][0]
    if isinstance(batch, str) and item == batch:
        return batch
    written = table.graph.input_dims[0]
    if isinstance(written, str) and item == written:
        return batch  # the spec's batch symbol, fixed by --input
    # Every `expect:` of a repeated block writes the same sizes (H/2), and the names they
    # read are fixed for the run: each text is evaluated once per table. The arithmetic it
    # took is counted again at each use, so the work a proof of a fix budgets is unchanged.
    return _once(table.resolved, item, lambda: _evaluated(item, table))


def _once(kept: dict[K, tuple[V, int]], key: K, make: Callable[[], V]) -> V:
    """``make()`` once per key of a table's ``kept``; the arithmetic it took is counted again
    at each later use, so the work a proof of a fix budgets is what it was without this."""
    known = kept.get(key)
    if known is not None:
        Work.classes += known[1]
        return known[0]
    work = Work.classes
    value = make()
    kept[key] = (value, Work.classes - work)
    return value


def _evaluated(item: Any, table: ShapeTable) -> Any:
    """A declared dimension's text evaluated with the spec's params and the input's symbols."""
    # params may appear too: [N, base * 2, H/2, W/2]
    env: dict[str, Any] = {**table.graph.params}
    env.update({var: Affine.symbol(var) for var in table.axis_vars})
    try:
        return evaluate(str(item), env)
    except ExprError:
        return str(item)
    except OutOfFragment:
        # ``H // 100000``: a period past the cap; the size is known at the given input only
        values = {var: table.at[var] for var in table.axis_vars if var in table.at}
        if len(values) < len(set(table.axis_vars)):
            return Opaque(str(item))
        try:
            value = evaluate(str(item), {**table.graph.params, **values})
        except ExprError:
            return str(item)
        return Opaque(str(item), value if isinstance(value, int) else None)


# Where a declared size leaves the exact method at a symbolic input (it mixes H and W, or its
# period is past the cap), it is compared at these many sizes of each free symbol: the first
# ones the layers allow. Found equal at one of them, it is right somewhere (no finding, as
# for any declared size some input size meets); equal at none, it is reported, saying so.
SAMPLED = {1: 256, 2: 32, 3: 12}  # per number of free symbols: 256, 32², 12³ points


def compare(
    declared: tuple[Any, ...], actual: tuple[Any, ...], table: ShapeTable
) -> list[Verdict] | None:
    if len(declared) != len(actual):
        return None
    verdicts: list[Verdict] = []
    undecided = False
    for value, got in zip(resolve_shape(declared, table), actual, strict=False):
        if type(value) is int and type(got) is int:
            verdicts.append(value == got)  # equal's answer for two numbers (most sizes)
            continue
        if isinstance(value, float):
            verdicts.append(False)
            continue
        verdict = equal(value, got)
        if verdict is None:
            # a size outside the closed form (a flatten of H and W): compare at the input given
            want_at, got_at = concrete(value, table.at), concrete(got, table.at)
            verdict = None if want_at is None or got_at is None else want_at == got_at
            undecided = verdict is None or undecided
        verdicts.append(verdict)
    if undecided:
        # the axes past the exact method, with the others, compared at sample sizes at once:
        # [W + 1, H] is right for some H and for some W, but for no H and W together
        holds = sampled(declared, actual, verdicts, table)
        if holds is not None:
            verdicts = [holds if v is None else v for v in verdicts]
    return verdicts


def sample_points(table: ShapeTable) -> list[dict[str, int]]:
    """The sizes a declared size past the exact method is compared at: per free symbol, the
    first sizes where the layers before allow the model to run; the given sizes as given."""
    free = [v for v in dict.fromkeys(table.axis_vars) if v not in table.at]
    if not free or len(free) not in SAMPLED:
        return []
    count = SAMPLED[len(free)]
    axes = []
    for var in free:
        domain = table.domain.get(var)
        sizes = (
            list(itertools.islice(domain.members(1, 1 << 62), count))
            if domain is not None
            else list(range(1, count + 1))
        )
        axes.append(sizes)
    return [
        {**table.at, **dict(zip(free, point, strict=True))} for point in itertools.product(*axes)
    ]


def sampled(
    declared: tuple[Any, ...], actual: tuple[Any, ...], verdicts: list[Verdict], table: ShapeTable
) -> bool | None:
    """Whether the declared shape equals the model's at one of the sampled sizes, on every
    axis at once (None where a size cannot be evaluated there)."""
    points = sample_points(table)
    if not points:
        return None
    params = table.graph.params
    for point in points:
        for want, got, verdict in zip(declared, actual, verdicts, strict=True):
            if isinstance(verdict, bool):
                ok = verdict
            elif isinstance(verdict, SizeSet):
                ok = point[verdict.var] in verdict
            else:
                got_at = concrete(got, point)
                try:
                    want_at = (
                        want if isinstance(want, int) else evaluate(str(want), {**params, **point})
                    )
                except ExprError:
                    return None
                if got_at is None:
                    return None
                ok = want_at == got_at
            if not ok:
                break
        else:
            return True
    return False
