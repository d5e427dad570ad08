"""Periodic-affine sizes: the exact symbolic arithmetic of conv/pool/upsample networks.

Every spatial size in such a network is a function of the input size x built
from ``+ c``, ``* r`` (r rational) and floor division by integers. On each
residue class ``x = M*q + r`` such a function is exactly ``a_r*q + b_r``. We
keep the modulus M and the (a_r, b_r) pairs; equality and ``>= 1`` then become
exact, decidable questions per residue class (see :mod:`skipcheck.shapes.sizeset`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from skipcheck.shapes.sizeset import SizeSet

MAX_MODULUS = 1 << 16

Number = int | Fraction


class OutOfFragment(Exception):
    """The size is no longer periodic-affine within the modulus cap."""


@dataclass(frozen=True)
class Affine:
    """``f(M*q + r) = a[r]*q + b[r]`` for the input-size symbol ``var``.

    >>> h = Affine.symbol("H")
    >>> half = h // 2
    >>> half.at(255), half.modulus
    (127, 2)
    """

    var: str
    modulus: int
    pieces: tuple[tuple[Fraction, Fraction], ...]

    @staticmethod
    def symbol(var: str) -> Affine:
        return Affine(var, 1, ((Fraction(1), Fraction(0)),))

    # -- evaluation -------------------------------------------------------
    def at(self, x: int) -> Number:
        q, r = divmod(x, self.modulus)
        a, b = self.pieces[r]
        value = a * q + b
        return int(value) if value.denominator == 1 else value

    def lift(self, modulus: int) -> Affine:
        """The same function written over a multiple of the modulus."""
        if modulus == self.modulus:
            return self
        if modulus % self.modulus:
            raise ValueError("lift needs a multiple of the modulus")
        if modulus > MAX_MODULUS:
            raise OutOfFragment(f"the period of {self.var} would exceed {MAX_MODULUS}")
        k = modulus // self.modulus
        pieces = []
        for r2 in range(modulus):
            j, r = divmod(r2, self.modulus)
            a, b = self.pieces[r]
            pieces.append((a * k, a * j + b))
        return Affine(self.var, modulus, tuple(pieces))

    def simplify(self) -> Affine:
        """The smallest modulus that writes the same function."""
        for m in _divisors(self.modulus):
            if m == self.modulus:
                break
            candidate = Affine(self.var, m, self.pieces[:m]).lift(self.modulus)
            if candidate.pieces == self.pieces:
                return Affine(self.var, m, self.pieces[:m])
        return self

    def _align(self, other: Affine) -> tuple[Affine, Affine]:
        if other.var != self.var:
            raise OutOfFragment(f"a size mixes {self.var} and {other.var}")
        m = math.lcm(self.modulus, other.modulus)
        return self.lift(m), other.lift(m)

    # -- arithmetic ---------------------------------------------------------
    def __add__(self, other: object) -> Affine:
        if isinstance(other, Affine):
            x, y = self._align(other)
            return Affine(
                x.var,
                x.modulus,
                tuple((a + c, b + d) for (a, b), (c, d) in zip(x.pieces, y.pieces, strict=False)),
            )
        if isinstance(other, (int, Fraction)):
            return Affine(self.var, self.modulus, tuple((a, b + other) for a, b in self.pieces))
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> Affine:
        return Affine(self.var, self.modulus, tuple((-a, -b) for a, b in self.pieces))

    def __sub__(self, other: object) -> Affine:
        if isinstance(other, (Affine, int, Fraction)):
            return self + (-other)
        return NotImplemented

    def __rsub__(self, other: object) -> Affine:
        return (-self) + other

    def __mul__(self, other: object) -> Affine:
        if isinstance(other, (int, Fraction)):
            return Affine(
                self.var, self.modulus, tuple((a * other, b * other) for a, b in self.pieces)
            )
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Affine:
        if isinstance(other, int) and other != 0:
            return self * Fraction(1, other)
        return NotImplemented

    def __floordiv__(self, other: object) -> Affine:
        if not isinstance(other, int) or other <= 0:
            return NotImplemented
        d = other
        k = 1
        for a, _ in self.pieces:
            k = math.lcm(k, (a / d).denominator)
        lifted = self.lift(self.modulus * k)
        pieces = []
        for a, b in lifted.pieces:
            pieces.append((a / d, Fraction(math.floor(b / d))))
        return Affine(self.var, lifted.modulus, tuple(pieces)).simplify()

    def floor(self) -> Affine:
        return self // 1

    def step_nonnegative(self) -> Affine:
        """1 where the value is >= 0, else 0 — exact only for purely periodic values."""
        if any(a != 0 for a, _ in self.pieces):
            raise OutOfFragment("a comparison that is not periodic in the input size")
        return Affine(
            self.var,
            self.modulus,
            tuple((Fraction(0), Fraction(int(b >= 0))) for _, b in self.pieces),
        )

    # -- sets ------------------------------------------------------------
    def where_at_least(self, bound: int) -> SizeSet:
        """Exactly the x >= 1 with f(x) >= bound."""
        intervals: list[tuple[int, int | None] | None] = []
        for r, (a, b) in enumerate(self.pieces):
            lo = 1 if r == 0 else 0  # x = M*q + r >= 1
            hi: int | None = None
            if a > 0:
                lo = max(lo, math.ceil((bound - b) / a))
            elif a < 0:
                hi = math.floor((bound - b) / a)
            elif b < bound:
                intervals.append(None)
                continue
            intervals.append((lo, hi) if hi is None or hi >= lo else None)
        return SizeSet(self.var, self.modulus, tuple(intervals))

    def where_equal(self, other: Affine | int) -> SizeSet:
        """Exactly the x >= 1 with f(x) == g(x)."""
        diff = self - other
        intervals: list[tuple[int, int | None] | None] = []
        for r, (a, b) in enumerate(diff.pieces):
            lo = 1 if r == 0 else 0
            if a == 0:
                intervals.append((lo, None) if b == 0 else None)
                continue
            q = -b / a
            ok = q.denominator == 1 and q >= lo
            intervals.append((int(q), int(q)) if ok else None)
        return SizeSet(diff.var, diff.modulus, tuple(intervals))

    def where_divisible(self, d: int) -> SizeSet:
        """Exactly the x >= 1 where f(x) is a multiple of d."""
        return self.where_equal((self // d) * d)

    def is_constant(self) -> bool:
        return all(a == 0 for a, _ in self.pieces) and len({b for _, b in self.pieces}) == 1

    def __str__(self) -> str:
        return self.formula()

    def formula(self) -> str:
        """A readable formula where one exists (``H``, ``H/2``, ``⌊H/2⌋ - 4``), else a case split."""
        s = self.simplify()
        if s.modulus == 1:
            a, b = s.pieces[0]
            return _linear(s.var, a, b)
        m = s.modulus
        slopes = {a for a, _ in s.pieces}
        if len(slopes) == 1:
            a = next(iter(slopes))
            # f(M*q + r) = a*q + b_r; with q = floor(x/M): a*floor(x/M) + b_r
            offsets = {b for _, b in s.pieces}
            if len(offsets) == 1:
                inner = f"⌊{s.var}/{m}⌋"
                return _linear(inner, a, next(iter(offsets)))
        return f"{s.var}-periodic({m})"


def _linear(name: str, a: Fraction, b: Fraction) -> str:
    if a == 0:
        return _num(b)
    if a == 1:
        head = name
    elif a.denominator == 1:
        head = f"{_num(a)}·{name}"
    elif a.numerator == 1:
        head = f"{name}/{a.denominator}"
    else:
        head = f"{_num(a.numerator)}·{name}/{a.denominator}"
    if b == 0:
        return head
    return f"{head} + {_num(b)}" if b > 0 else f"{head} - {_num(-b)}"


def _num(v: Fraction | int) -> str:
    v = Fraction(v)
    return str(v.numerator) if v.denominator == 1 else f"{v.numerator}/{v.denominator}"


def _divisors(n: int) -> Iterator[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    large = [n // d for d in reversed(small) if d * d != n]
    yield from small
    yield from large
