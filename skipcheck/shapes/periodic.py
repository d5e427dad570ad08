"""Periodic-affine sizes: the exact symbolic arithmetic of conv/pool/upsample networks.

Every spatial size in such a network is a function of the input size x built
from ``+ c``, ``* r`` (r rational) and floor division by integers. On each
residue class ``x = M*q + r`` such a function is exactly ``a_r*q + b_r``. We
keep the modulus M and the (a_r, b_r) pairs; equality and ``>= 1`` then become
exact, decidable questions per residue class (see :mod:`skipcheck.shapes.sizeset`).
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, TypeVar

from skipcheck.shapes.sizeset import OutOfFragment as OutOfFragment
from skipcheck.shapes.sizeset import SizeSet, Work

# The exact method keeps one (a, b) pair per residue class: every operation costs
# O(modulus). 2^12 covers twelve halvings (any real network's stride) and keeps a
# layer's arithmetic within milliseconds; past it a size is Opaque and the report says so.
MAX_MODULUS = 1 << 12

Number = int | Fraction


R = TypeVar("R")
_MEMO: dict[tuple[Any, ...], Any] = {}
MEMO_SIZE = 1 << 16  # entries; emptied when full
# The same results by the size's identity, for a number operand (most operations): no hash
# of the size's pieces and no comparison of them. Each entry holds its size, so no id is
# reused while it stands.
_BY_ID: dict[tuple[str, int, int], tuple[Any, Any]] = {}
# Entries; emptied when full. Smaller than _MEMO's: its keys are objects, which each file
# makes anew, so it fills as a run goes on (its hits are within a file and its repeats), and
# what it holds stays alive: at 1 << 16 a run of 3,000 files kept 8 MB of sizes more than one
# of 100 files; at 1 << 12 it keeps 2 MB more, in the same CPU time (bench_jobs).
BY_ID_SIZE = 1 << 12


def _memoized(method: Callable[[Affine, Any], R]) -> Callable[[Affine, Any], R]:
    """Remember the results of an operation on immutable values. The same sizes recur
    all through a network (every padded conv maps H to H) and across the specs of a run
    (they all start from the symbol H), and a result handed out twice is one object, so
    later comparisons of it end at ``is``."""
    name = method.__name__

    @functools.wraps(method)
    def run(self: Affine, other: Any) -> R:
        number = type(other) is int
        if number:
            known = _BY_ID.get((name, id(self), other))
            if known is not None:
                return known[1]  # type: ignore[no-any-return]
        key = (name, self, type(other), other)
        try:
            result = _MEMO[key]
        except KeyError:
            result = method(self, other)
            if len(_MEMO) >= MEMO_SIZE:
                _MEMO.clear()
            _MEMO[key] = result
        except TypeError:  # an unhashable operand: nothing to remember it by
            return method(self, other)
        if number:
            if len(_BY_ID) >= BY_ID_SIZE:
                _BY_ID.clear()
            _BY_ID[(name, id(self), other)] = (self, result)
        return result  # type: ignore[no-any-return]

    return run


@dataclass(frozen=True)
class Affine:
    """``f(M*q + r) = (a[r]*q + b[r]) / den`` for the input-size symbol ``var``.

    Coefficients are integers over one common denominator (1 for every size a
    layer produces; only rational scale factors and declared ``H/2`` need more),
    which keeps the arithmetic in plain ints.

    >>> h = Affine.symbol("H")
    >>> half = h // 2
    >>> half.at(255), half.modulus
    (127, 2)
    """

    var: str
    modulus: int
    pieces: tuple[tuple[int, int], ...]
    den: int = 1

    def __post_init__(self) -> None:
        Work.classes += self.modulus

    def __eq__(self, other: object) -> bool:
        # the dataclass's own comparison, without its two tuples: the operation memo
        # compares a key's sizes whenever an equal size was made anew
        if other.__class__ is not self.__class__:
            return NotImplemented
        o: Affine = other
        return self is o or (
            self.pieces == o.pieces
            and self.var == o.var
            and self.modulus == o.modulus
            and self.den == o.den
        )

    def __hash__(self) -> int:
        # computed once: an Affine is a key of the operation memo, and hashing its
        # pieces each time would cost what the memo saves
        try:
            return self._hash  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            cached = hash((self.var, self.modulus, self.pieces, self.den))
            object.__setattr__(self, "_hash", cached)
            return cached

    @staticmethod
    def symbol(var: str) -> Affine:
        return Affine(var, 1, ((1, 0),))

    @staticmethod
    def _make(var: str, modulus: int, pieces: tuple[tuple[int, int], ...], den: int) -> Affine:
        if den != 1:
            g = den
            for a, b in pieces:
                g = math.gcd(g, a, b)
                if g == 1:
                    break
            if g > 1:
                pieces = tuple([(a // g, b // g) for a, b in pieces])
                den //= g
        return Affine(var, modulus, pieces, den)

    # -- evaluation -------------------------------------------------------
    def at(self, x: int) -> Number:
        q, r = divmod(x, self.modulus)
        a, b = self.pieces[r]
        value = a * q + b
        if self.den == 1:
            return value
        return value // self.den if value % self.den == 0 else Fraction(value, self.den)

    def lift(self, modulus: int) -> Affine:
        """The same function written over a multiple of the modulus."""
        if modulus == self.modulus:
            return self
        if modulus % self.modulus:
            raise ValueError("lift needs a multiple of the modulus")
        if modulus > MAX_MODULUS:
            raise OutOfFragment(f"the period of {self.var} would exceed {MAX_MODULUS}")
        k = modulus // self.modulus
        # class j·M + r of the new modulus, in order: q_old = k·q + j (one comprehension,
        # not a store per class: a merge's crop margin lifts both sizes to thousands)
        out = [(a * k, a * j + b) for j in range(k) for a, b in self.pieces]
        return Affine(self.var, modulus, tuple(out), self.den)

    def simplify(self) -> Affine:
        """The smallest modulus that writes the same function (computed once per size)."""
        try:
            return self._simple  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            cached = self._simplest()
            object.__setattr__(self, "_simple", cached)
            return cached

    def _simplest(self) -> Affine:
        n = self.modulus
        pieces = self.pieces
        for m in _divisors(n):
            if m == n:
                break
            k = n // m
            if all(
                pieces[r2]
                == (pieces[r2 % m][0] * k, pieces[r2 % m][0] * (r2 // m) + pieces[r2 % m][1])
                for r2 in range(m, n)
            ):
                return Affine(self.var, m, pieces[:m], self.den)
        return self

    def _align(self, other: Affine) -> tuple[Affine, Affine]:
        if other.var != self.var:
            raise OutOfFragment(f"a size mixes {self.var} and {other.var}")
        m = math.lcm(self.modulus, other.modulus)
        return self.lift(m), other.lift(m)

    def _over(self, den: int) -> tuple[tuple[int, int], ...]:
        """The pieces rewritten over a multiple of the denominator."""
        k = den // self.den
        return self.pieces if k == 1 else tuple([(a * k, b * k) for a, b in self.pieces])

    # -- arithmetic ---------------------------------------------------------
    @_memoized
    def __add__(self, other: object) -> Affine:
        if isinstance(other, Affine):
            x, y = self._align(other)
            den = math.lcm(x.den, y.den)
            pieces = tuple(
                [(a + c, b + d) for (a, b), (c, d) in zip(x._over(den), y._over(den), strict=True)]
            )
            return Affine._make(x.var, x.modulus, pieces, den)
        if isinstance(other, int):
            if other == 0:
                return self  # immutable: a padded conv's "+ 2p - (k-1) - 1" often sums to 0
            c = other * self.den
            return Affine(
                self.var, self.modulus, tuple([(a, b + c) for a, b in self.pieces]), self.den
            )
        if isinstance(other, Fraction):
            den = math.lcm(self.den, other.denominator)
            c = other.numerator * (den // other.denominator)
            return Affine._make(
                self.var, self.modulus, tuple([(a, b + c) for a, b in self._over(den)]), den
            )
        return NotImplemented

    __radd__ = __add__

    def __neg__(self) -> Affine:
        # pieces are built as tuple([...]) throughout: a list comprehension makes them in
        # about half the time of a generator, and every size a layer makes is built so
        return Affine(self.var, self.modulus, tuple([(-a, -b) for a, b in self.pieces]), self.den)

    # subtraction and products remembered too: a merge's crop margin (skip - run) and a
    # window's tail (v - (v // s)·s) ask the same of the same sizes on every layer
    @_memoized
    def __sub__(self, other: object) -> Affine:
        if isinstance(other, (Affine, int, Fraction)):
            return self + (-other)
        return NotImplemented

    @_memoized
    def __rsub__(self, other: object) -> Affine:
        return (-self) + other

    @_memoized
    def __mul__(self, other: object) -> Affine:
        if isinstance(other, int):
            if other == 1:
                return self
            return Affine._make(
                self.var,
                self.modulus,
                tuple([(a * other, b * other) for a, b in self.pieces]),
                self.den,
            )
        if isinstance(other, Fraction):
            p, d = other.numerator, other.denominator
            return Affine._make(
                self.var,
                self.modulus,
                tuple([(a * p, b * p) for a, b in self.pieces]),
                self.den * d,
            )
        return NotImplemented

    __rmul__ = __mul__

    def __truediv__(self, other: object) -> Affine:
        if isinstance(other, int) and other != 0:
            return self * Fraction(1, other)
        return NotImplemented

    @_memoized
    def __floordiv__(self, other: object) -> Affine:
        if not isinstance(other, int) or other <= 0:
            return NotImplemented
        if other == 1 and self.den == 1:
            return self  # integer-valued already (stride 1): nothing to lift or simplify
        d = self.den * other
        k = 1
        for a, _ in self.pieces:
            k = math.lcm(k, d // math.gcd(a, d))
        lifted = self.lift(self.modulus * k)
        pieces = tuple([(a // d, b // d) for a, b in lifted.pieces])
        return Affine(self.var, lifted.modulus, pieces).simplify()

    def floor(self) -> Affine:
        return self // 1

    def step_nonnegative(self) -> Affine:
        """1 where the value is >= 0, else 0 — exact only for purely periodic values."""
        try:
            return self._step  # type: ignore[attr-defined,no-any-return]
        except AttributeError:  # once per size: every ceil-mode pool asks of its last window
            pass
        if any(a != 0 for a, _ in self.pieces):
            raise OutOfFragment("a comparison that is not periodic in the input size")
        cached = Affine(self.var, self.modulus, tuple([(0, int(b >= 0)) for _, b in self.pieces]))
        object.__setattr__(self, "_step", cached)
        return cached

    # -- sets ------------------------------------------------------------
    @_memoized
    def where_at_least(self, bound: int) -> SizeSet:
        """Exactly the x >= 1 with f(x) >= bound."""
        target = bound * self.den
        pieces = self.pieces
        # No slope below zero: each class is smallest at its first member (q = 1 in class 0,
        # else q = 0). Most sizes are at least the bound there, everywhere: the answer without
        # a loop over the classes — counted as the classes it would write.
        if (
            min(pieces)[0] >= 0
            and sum(pieces[0]) >= target
            and (len(pieces) == 1 or min(pieces[1:], key=_offset)[1] >= target)
        ):
            Work.classes += self.modulus
            return SizeSet.everything(self.var)
        intervals: list[tuple[int, int | None] | None] = []
        for r, (a, b) in enumerate(pieces):
            lo = 1 if r == 0 else 0  # x = M*q + r >= 1
            hi: int | None = None
            if a > 0:
                lo = max(lo, -((b - target) // a))  # ceil((target - b) / a)
            elif a < 0:
                hi = (b - target) // (-a)  # floor((b - target) / -a)
            elif b < target:
                intervals.append(None)
                continue
            intervals.append((lo, hi) if hi is None or hi >= lo else None)
        result = SizeSet(self.var, self.modulus, tuple(intervals))
        # most "size >= 1" checks hold everywhere: say so at modulus 1, so that
        # intersecting them later costs nothing
        return SizeSet.everything(self.var) if result.covers_all() else result

    @_memoized
    def where_equal(self, other: Affine | int) -> SizeSet:
        """Exactly the x >= 1 with f(x) == g(x)."""
        if other is self or other == self:
            return SizeSet.everything(self.var)  # a skip whose size no layer changed
        diff = self - other
        intervals: list[tuple[int, int | None] | None] = []
        for r, (a, b) in enumerate(diff.pieces):
            lo = 1 if r == 0 else 0
            if a == 0:
                intervals.append((lo, None) if b == 0 else None)
                continue
            q, rem = divmod(-b, a)
            intervals.append((q, q) if rem == 0 and q >= lo else None)
        result = SizeSet(diff.var, diff.modulus, tuple(intervals))
        return SizeSet.everything(diff.var) if result.covers_all() else result

    @_memoized
    def where_tail_read(self, stride_pad: tuple[int, int]) -> SizeSet:
        """Exactly the x >= 1 where windows of ``stride`` over ``self + 1`` positions leave
        at most ``pad`` positions unread (``self mod stride <= pad``): a strided layer's
        tail, asked once per size (every strided conv and pool asks)."""
        stride, pad = stride_pad
        return (pad - (self - (self // stride) * stride)).where_at_least(0)

    def where_divisible(self, d: int) -> SizeSet:
        """Exactly the x >= 1 where f(x) is a multiple of d."""
        return self.where_equal((self // d) * d)

    def __str__(self) -> str:
        return self.formula()

    def formula(self) -> str:
        """A readable formula where one exists (``H``, ``H/2``, ``⌊H/2⌋ - 4``), else a case split."""
        # written once per value: every check's message shows the sizes it compares
        cached: str | None = self.__dict__.get("_formula")
        if cached is None:
            cached = self._formula()
            object.__setattr__(self, "_formula", cached)
        return cached

    def _formula(self) -> str:
        s = self.simplify()
        fr = [(Fraction(a, s.den), Fraction(b, s.den)) for a, b in s.pieces]
        if s.modulus == 1:
            a, b = fr[0]
            return _linear(s.var, a, b)
        m = s.modulus
        slopes = {a for a, _ in fr}
        offsets = {b for _, b in fr}
        if len(slopes) == 1 and len(offsets) == 1:
            # f(M*q + r) = a*q + b for every r: a*floor(x/M) + b
            return _linear(f"⌊{s.var}/{m}⌋", next(iter(slopes)), next(iter(offsets)))
        if len(slopes) == 1:
            shifted = _shifted_floor(s.var, m, next(iter(slopes)), [b for _, b in fr])
            if shifted is not None:
                return shifted
        return f"a size that depends on {s.var} mod {m}"


def _shifted_floor(var: str, m: int, a: Fraction, offsets: list[Fraction]) -> str | None:
    """``a·⌊(x + c)/M⌋ + b`` where one shift ``c`` gives every residue's offset
    (f(M·q + r) = a·q + a·⌊(r + c)/M⌋ + b); ``c = M - 1`` reads as a ceiling.

    ⌊(r + c)/M⌋ is 0 below r = M - c and 1 from there: the offsets are ``b`` up to one
    step of ``a`` — found in one pass (trying every c made a period of 4096 take seconds).
    """
    b = offsets[0]
    step = next((r for r, o in enumerate(offsets) if o != b), None)
    if step is None or a == 0:
        return None
    if any(o != b for o in offsets[:step]) or any(o != b + a for o in offsets[step:]):
        return None
    c = m - step
    name = f"⌈{var}/{m}⌉" if c == m - 1 else f"⌊({var} + {c})/{m}⌋"
    return _linear(name, a, b)


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


_offset = operator.itemgetter(1)  # a piece's b


def _divisors(n: int) -> Iterator[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    large = [n // d for d in reversed(small) if d * d != n]
    yield from small
    yield from large
