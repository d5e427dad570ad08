"""Dimensions as the propagation sees them, and the exact questions asked of them.

A spatial dimension is an ``int`` (fixed), an :class:`Affine` of an input-size
symbol, or :class:`Opaque` where a size left the exact fragment. Shape rules are
written once with ordinary arithmetic and run on all three.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet

OPAQUE_TEXT = 120  # longer formulas are shortened in the middle: nobody reads past that


def _short(text: str) -> str:
    # a chain of layers past the exact fragment would otherwise grow the text by a few
    # characters per layer, and every layer copies it: quadratic in the model's depth
    if len(text) <= OPAQUE_TEXT:
        return text
    half = OPAQUE_TEXT // 2 - 1
    return f"{text[:half]}…{text[-half:]}"


@dataclass(frozen=True)
class Opaque:
    """A size we can state only at the concrete input (``value``), or not at all."""

    text: str
    value: int | None = None

    def __post_init__(self) -> None:
        if len(self.text) > OPAQUE_TEXT:
            object.__setattr__(self, "text", _short(self.text))

    def _combine(self, other: Any, op: str, fn: Any) -> Opaque:
        ov = (
            other.value
            if isinstance(other, Opaque)
            else (other if isinstance(other, int) else None)
        )
        value = fn(self.value, ov) if self.value is not None and ov is not None else None
        return Opaque(f"({self.text} {op} {formula_text(other)})", value)

    def __add__(self, o: Any) -> Opaque:
        return self._combine(o, "+", lambda a, b: a + b)

    __radd__ = __add__

    def __sub__(self, o: Any) -> Opaque:
        return self._combine(o, "-", lambda a, b: a - b)

    def __rsub__(self, o: Any) -> Opaque:
        return Opaque(
            f"({formula_text(o)} - {self.text})",
            None if self.value is None or not isinstance(o, int) else o - self.value,
        )

    def __mul__(self, o: Any) -> Opaque:
        return self._combine(o, "·", lambda a, b: a * b)

    __rmul__ = __mul__

    def __floordiv__(self, o: Any) -> Opaque:
        return self._combine(o, "//", lambda a, b: a // b)

    def __neg__(self) -> Opaque:
        return Opaque(f"-{self.text}", None if self.value is None else -self.value)

    def __str__(self) -> str:
        return self.text


Dim = int | Affine | Opaque | str


@dataclass(frozen=True)
class AnyOf:
    """A condition that holds where any one of its sets holds, each on its own input-size
    symbol: the axes couple (a norm needs more than one value: H' ≥ 2 or W' ≥ 2). No
    per-axis set states it; the report states the joint condition."""

    sets: tuple[SizeSet, ...]

    def describe(self) -> str:
        return " or ".join(s.describe() for s in self.sets)


Verdict = bool | SizeSet | AnyOf | None  # None: cannot be decided exactly
Shape = tuple[Any, ...]  # batch, channels, then one Dim per spatial axis
Sizes = tuple[int, ...]  # a concrete shape, as torch sees it


def formula_text(d: Any) -> str:
    """A size as text: an Affine by its formula, anything else as it prints."""
    return d.formula() if isinstance(d, Affine) else str(d)


def concrete(d: Dim, at: dict[str, int]) -> int | str | None:
    """The value of a dimension at the concrete input sizes (None if unknown)."""
    if isinstance(d, bool):
        return int(d)
    if isinstance(d, int):
        return d
    if isinstance(d, str):
        return d
    if isinstance(d, Affine):
        if d.var not in at:
            return None
        v = d.at(at[d.var])
        return int(v) if isinstance(v, int) or v.denominator == 1 else None
    return d.value


def show(d: Dim, at: dict[str, int]) -> str:
    """How a user sees a dimension: its value, or its formula when the input is symbolic."""
    value = concrete(d, at)
    if value is not None:
        return str(value)
    return formula_text(d)


def equal(a: Dim, b: Dim) -> Verdict:
    """Where a == b: a bool for fixed sizes, a SizeSet for symbolic ones."""
    if isinstance(a, Opaque) or isinstance(b, Opaque):
        return None
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if isinstance(a, Affine):
        try:
            return a.where_equal(b)
        except OutOfFragment:
            return None
    if isinstance(b, Affine):
        return b.where_equal(a)
    return a == b


def at_least(a: Dim, bound: int) -> Verdict:
    if isinstance(a, Opaque):
        return None if a.value is None else a.value >= bound
    if isinstance(a, str):
        return True
    if isinstance(a, Affine):
        return a.where_at_least(bound)
    return a >= bound


def divisible(a: Dim, d: int) -> Verdict:
    if isinstance(a, Opaque):
        return None if a.value is None else a.value % d == 0
    if isinstance(a, str):
        return True
    if isinstance(a, Affine):
        try:
            return a.where_divisible(d)
        except OutOfFragment:
            return None
    return a % d == 0


def guarded(fn: Any, *dims: Dim, text: str, at: dict[str, int]) -> Dim:
    """Apply a size rule; where it leaves the exact fragment, keep the concrete value."""
    if Opaque in map(type, dims):  # any Opaque, without a generator (every strided layer)
        # Opaque arithmetic drops the value when it meets an Affine; the concrete
        # values of both are known here, so compute with them
        values = [concrete(d, at) for d in dims]
        if all(isinstance(v, int) for v in values):
            return Opaque(text, fn(*values))
    try:
        return fn(*dims)  # type: ignore[no-any-return]
    except OutOfFragment:
        values = [concrete(d, at) for d in dims]
        if all(isinstance(v, int) for v in values):
            return Opaque(text, fn(*values))
        return Opaque(text)


def scale_floor(d: Dim, factor: float, at: dict[str, int]) -> Dim:
    """``floor(d * factor)`` with torch's double-precision rule for interpolate's output size."""
    if isinstance(d, int):
        return int(float(d) * factor)
    exact = Fraction(factor)
    if isinstance(d, Affine) and exact.denominator <= 64:
        return (d * exact).floor()
    value = concrete(d, at)
    text = f"⌊{formula_text(d)}·{factor:g}⌋"
    return Opaque(text, int(float(value) * factor) if isinstance(value, int) else None)


def pool_ceil_fix(out: Dim, size: Dim, stride: int, pad: int) -> Dim:
    """torch: in ceil mode the last window must start inside the input (or left padding)."""
    if isinstance(out, int) and isinstance(size, int):
        return out - 1 if (out - 1) * stride >= size + pad else out
    if isinstance(out, Affine) and isinstance(size, (int, Affine)):
        gap = (out - 1) * stride - (size + pad)
        return out - gap.step_nonnegative()
    return Opaque(f"{formula_text(out)}*", None)
