"""``require:``: a condition the model puts on one input size, as a node right after the
input (format 1.1). Written only at the top level (``require:``), never as a layer; the
shape passes through unchanged and torch builds ``nn.Identity``."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer
from skipcheck.rules import InputRequirement
from skipcheck.shapes.periodic import Affine
from skipcheck.shapes.sizeset import SizeSet

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context

CONDITION = re.compile(
    r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:%\s*([0-9]+)\s*)?(==|!=|>=|<=|>|<)\s*([0-9]+)\s*$"
)
TESTS = ("%==", "%!=", "==", "!=", ">=", "<=")


def parse(text: str) -> tuple[str, str, int, int] | None:
    """``"H % 32 == 0"`` → ("H", "%==", 0, 32); ``"W >= 64"`` → ("W", ">=", 64, 0).

    >>> parse("H % 32 == 0"), parse("W > 8"), parse("H + 1 == 2")
    (('H', '%==', 0, 32), ('W', '>=', 9, 0), None)
    """
    m = CONDITION.match(text)
    if m is None:
        return None
    axis, modulus, op, value = m.group(1), m.group(2), m.group(3), int(m.group(4))
    if modulus is not None:
        if op not in ("==", "!=") or int(modulus) < 1:
            return None
        return axis, "%" + op, value % int(modulus), int(modulus)
    if op == ">":
        return axis, ">=", value + 1, 0
    if op == "<":
        return axis, "<=", value - 1, 0
    return axis, op, value, 0


def holds(test: str, value: int, modulus: int, x: int) -> bool:
    if test == "%==":
        return x % modulus == value
    if test == "%!=":
        return x % modulus != value
    return {
        "==": x == value,
        "!=": x != value,
        ">=": x >= value,
        "<=": x <= value,
    }[test]


def size_set(var: str, test: str, value: int, modulus: int) -> SizeSet:
    """The sizes x ≥ 1 that meet the condition, exactly (x = M·q + r, an interval of q per r)."""
    intervals: list[tuple[int, int | None] | None]
    if test in ("%==", "%!="):
        wanted = test == "%=="
        intervals = [
            (1 if r == 0 else 0, None) if (r == value) == wanted else None for r in range(modulus)
        ]
        return SizeSet(var, modulus, tuple(intervals))
    if test == "==":
        return SizeSet(var, 1, ((value, value) if value >= 1 else None,))
    if test == ">=":
        return SizeSet(var, 1, ((max(value, 1), None),))
    if test == "<=":
        return SizeSet(var, 1, ((1, value) if value >= 1 else None,))
    # "!=": every class of modulus value + 1 from its first member, but value's from q = 1
    m = value + 1
    intervals = [(1 if r in (0, value % m) else 0, None) for r in range(m)]
    return SizeSet(var, m, tuple(intervals))


class Require(Op):
    name = "require"
    doc = "A condition on one input size (`require:` at the top level, not a layer)."
    params = (
        Param("axis", "int", required=True, doc="the spatial axis (0 is the first)"),
        Param("test", "choice", "==", choices=TESTS),
        Param("value", "int", 0),
        Param("modulus", "int", 0),
        Param("condition", "choice", "", doc="the condition as written"),
        Param("source", "choice", "", doc="where the model states it"),
    )
    min_rank = 1
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        p = node.params
        axis = p["axis"]
        d = x[2 + axis]
        verdict: Any
        if isinstance(d, int):
            verdict = holds(p["test"], p["value"], p["modulus"], d)
        elif isinstance(d, Affine) and d == Affine.symbol(d.var):
            verdict = size_set(d.var, p["test"], p["value"], p["modulus"])
        else:
            verdict = None  # a size the input does not state as one symbol: not decided
        ctx.check(
            [verdict],
            InputRequirement(p["condition"], p["source"] or "", x, ctx.table.show),
        )
        return x

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("nn.Identity")
