"""Declared shapes (``output:``, ``expect:``) compared exactly with inferred ones."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from skipcheck.shapes.dims import Opaque, Verdict, concrete, equal
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.spec.expr import ExprError, evaluate

if TYPE_CHECKING:
    from skipcheck.shapes.table import ShapeTable


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


def compare(
    declared: tuple[Any, ...], actual: tuple[Any, ...], table: ShapeTable
) -> list[Verdict] | None:
    if len(declared) != len(actual):
        return None
    verdicts: list[Verdict] = []
    for want, got in zip(declared, actual, strict=False):
        value = resolve(want, table)
        if isinstance(value, float):
            verdicts.append(False)
            continue
        verdict = equal(value, got)
        if verdict is None:
            # a size outside the closed form (a flatten of H and W): compare at the input given
            want_at, got_at = concrete(value, table.at), concrete(got, table.at)
            verdict = None if want_at is None or got_at is None else want_at == got_at
        verdicts.append(verdict)
    return verdicts
