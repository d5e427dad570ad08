"""Exact sets of input sizes: per residue class of x mod M, an interval of q (x = M*q + r).

Intersections stay exact, and the set can be printed in closed form
("H ≡ 12 (mod 16), H ≥ 188").
"""

from __future__ import annotations

import heapq
import itertools
import math
from collections.abc import Iterator
from dataclasses import dataclass

Interval = tuple[int, int | None]  # q from lo to hi (None: no upper bound), inclusive


# Two sets of different periods intersect over the lcm of the periods: a set may be
# finer than one size (2^12), but not without bound.
MAX_SET_MODULUS = 1 << 16


class Work:
    """How much exact arithmetic has been done: residue classes written, in every set and
    size made (each operation costs about one per class of its result). A count, not a
    time: proofs of fixes budget with it (``skipcheck.check.fixes.prove``), the same on every
    machine."""

    classes = 0


_AND: dict[tuple[int, int], tuple[SizeSet, SizeSet, SizeSet]] = {}  # see SizeSet.__and__
# entries; emptied when full (kept small as periodic.BY_ID_SIZE, for the same reason)
AND_SIZE = 1 << 12


class OutOfFragment(Exception):
    """The size is no longer periodic-affine within the modulus cap."""


@dataclass(frozen=True)
class SizeSet:
    """The input sizes x >= 1 (for the symbol ``var``) that satisfy some constraints."""

    var: str
    modulus: int
    intervals: tuple[Interval | None, ...]

    def __post_init__(self) -> None:
        Work.classes += self.modulus

    @staticmethod
    def everything(var: str) -> SizeSet:
        return SizeSet(var, 1, ((1, None),))

    @staticmethod
    def nothing(var: str) -> SizeSet:
        return SizeSet(var, 1, (None,))

    def lift(self, modulus: int) -> SizeSet:
        if modulus == self.modulus:
            return self
        if modulus > MAX_SET_MODULUS:
            raise OutOfFragment(f"the period of {self.var} would exceed {MAX_SET_MODULUS}")
        k = modulus // self.modulus
        out: list[Interval | None] = []
        append = out.append
        floor = 1  # x = M*q + r >= 1: q >= 1 in class 0 only
        # class r2 = j*M_old + r of the new modulus, in order (plain loops: no divmod, no max)
        for j in range(k):
            for iv in self.intervals:
                if iv is None:
                    append(None)
                    floor = 0
                    continue
                lo, hi = iv
                # q_old = k*q_new + j
                nlo = -(-(lo - j) // k)
                if nlo < floor:
                    nlo = floor
                floor = 0
                nhi = None if hi is None else (hi - j) // k
                append(None if nhi is not None and nhi < nlo else (nlo, nhi))
        return SizeSet(self.var, modulus, tuple(out))

    def covers_all(self) -> bool:
        """Whether every x >= 1 is a member, read off the intervals as written (a set
        written otherwise gets the exact answer from ``is_everything``)."""
        try:
            return self._all  # type: ignore[attr-defined,no-any-return]
        except AttributeError:  # once per set (an attribute read costs less than a lookup)
            first, *rest = self.intervals
            cached = first == (1, None) and all(iv == (0, None) for iv in rest)
            object.__setattr__(self, "_all", cached)
            return cached

    def __and__(self, other: SizeSet) -> SizeSet:
        # most constraints restrict nothing: skip the lift and the simplify then
        if other is self or other.covers_all():
            return self
        if self.covers_all():
            return other
        # The sets a network asks about are mostly the same objects (the size arithmetic
        # hands out one object per result), file after file: remember each intersection by
        # its operands' identity. The entry holds both operands, so no id is reused while
        # it stands.
        key = (id(self), id(other))
        known = _AND.get(key)
        if known is not None:
            return known[2]
        result = self._intersect(other)
        if len(_AND) >= AND_SIZE:
            _AND.clear()
        _AND[key] = (self, other, result)
        return result

    def meets_within_cap(self, other: SizeSet) -> None:
        """Raise OutOfFragment exactly where ``self & other`` would (the periods together
        past the cap), without intersecting: a check at a given size needs no more."""
        if other is self or other.covers_all() or self.covers_all():
            return
        m = math.lcm(self.modulus, other.modulus)
        if m > MAX_SET_MODULUS:
            self.lift(m)  # raises, with the intersection's own message

    def _intersect(self, other: SizeSet) -> SizeSet:
        m = math.lcm(self.modulus, other.modulus)
        a, b = self.lift(m), other.lift(m)
        out: list[Interval | None] = []
        for x, y in zip(a.intervals, b.intervals, strict=False):
            if x is None or y is None:
                out.append(None)
                continue
            (xlo, xhi), (ylo, yhi) = x, y
            lo = xlo if xlo >= ylo else ylo
            hi = yhi if xhi is None else (xhi if yhi is None or xhi <= yhi else yhi)
            out.append(None if hi is not None and hi < lo else (lo, hi))
        result = tuple(out)
        # one side inside the other (a chain of convs, each asking a little more than the
        # one before): that side is the answer, with nothing to simplify
        if result == a.intervals:
            return self
        if result == b.intervals:
            return other
        return SizeSet(self.var, m, result).simplify()

    def union(self, other: SizeSet) -> SizeSet | None:
        """The sizes in either set, where one interval per class can write them (else None).

        Two intervals of a class with a gap between them have no exact form here; the
        caller then decides at the given size only.
        """
        m = math.lcm(self.modulus, other.modulus)
        if m > MAX_SET_MODULUS:
            return None
        out: list[Interval | None] = []
        for x, y in zip(self.lift(m).intervals, other.lift(m).intervals, strict=True):
            if x is None or y is None:
                out.append(x if y is None else y)
                continue
            (a, b), (c, d) = sorted((x, y), key=lambda iv: iv[0])
            if b is not None and c > b + 1:
                return None  # a gap: not one interval
            out.append((a, None if b is None or d is None else max(b, d)))
        return SizeSet(self.var, m, tuple(out)).simplify()

    def __contains__(self, x: object) -> bool:
        if not isinstance(x, int) or x < 1:
            return False
        q, r = divmod(x, self.modulus)
        iv = self.intervals[r]
        return iv is not None and iv[0] <= q and (iv[1] is None or q <= iv[1])

    def implies(self, other: SizeSet) -> bool:
        """Whether every member is in ``other`` (False where the periods are too fine to tell)."""
        m = math.lcm(self.modulus, other.modulus)
        if m > MAX_SET_MODULUS:
            return False
        # class by class at one modulus: lifted intervals are tight, so containment of the
        # intervals is containment of the sizes (no intersection, no simplification)
        for x, y in zip(self.lift(m).intervals, other.lift(m).intervals, strict=True):
            if x is None:
                continue
            if y is None or y[0] > x[0]:
                return False
            if y[1] is not None and (x[1] is None or x[1] > y[1]):
                return False
        return True

    def is_empty(self) -> bool:
        # asked of every condition a layer records, often of the same set: computed once
        try:
            return self._empty  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            cached = all(iv is None for iv in self.intervals)
            object.__setattr__(self, "_empty", cached)
            return cached

    def is_everything(self) -> bool:
        return self.simplify().intervals == ((1, None),) and self.simplify().modulus == 1

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SizeSet):
            return NotImplemented
        # at one modulus the tight per-class intervals are unique, so compare them directly
        a, b = self.simplify(), other.simplify()
        if a.modulus == b.modulus:
            return a.intervals == b.intervals
        m = math.lcm(a.modulus, b.modulus)
        if m > MAX_SET_MODULUS:
            return False  # only ever asked to merge equal notes: "different" is safe
        return a.lift(m).intervals == b.lift(m).intervals

    def __hash__(self) -> int:
        s = self.simplify()
        return hash((s.modulus, s.intervals))

    def simplify(self) -> SizeSet:
        """The same set over the smallest modulus found (computed once per set)."""
        try:
            return self._simple  # type: ignore[attr-defined,no-any-return]
        except AttributeError:
            cached = self._simplest()
            object.__setattr__(self, "_simple", cached)
            return cached

    def _simplest(self) -> SizeSet:
        n = self.modulus
        intervals = self.intervals
        unbounded = all(iv is None or iv[1] is None for iv in intervals)
        for m in _divisors(n):
            if m == n:
                break
            # Without upper bounds, which classes are empty repeats with any period the set
            # has: a cheap test that rejects most candidates before the exact one.
            if unbounded and any(
                (intervals[r] is None) != (intervals[r % m] is None) for r in range(m, n)
            ):
                continue
            candidate = self._coarsen(m)
            if candidate is not None:
                return candidate
        return self

    def _coarsen(self, m: int) -> SizeSet | None:
        """The same set written mod m, if that is exact."""
        out: list[Interval | None] = []
        n, intervals = self.modulus, self.intervals
        for s in range(m):
            # the least and greatest member over the classes r ≡ s (mod m); None: unbounded
            xlo: int | None = None
            xhi: int | None = None
            unbounded = False
            for r in range(s, n, m):
                iv = intervals[r]
                if iv is None:
                    continue
                lo = iv[0] * n + r
                if xlo is None or lo < xlo:
                    xlo = lo
                if iv[1] is None:
                    unbounded = True
                else:
                    hi = iv[1] * n + r
                    if xhi is None or hi > xhi:
                        xhi = hi
            if xlo is None:
                out.append(None)
                continue
            qlo = (xlo - s) // m
            qhi = None if unbounded or xhi is None else (xhi - s) // m
            out.append((qlo, qhi))
        candidate = SizeSet(self.var, m, tuple(out))
        return candidate if candidate.lift(self.modulus).intervals == self.intervals else None

    def smallest(self) -> int | None:
        lows = [iv[0] * self.modulus + r for r, iv in enumerate(self.intervals) if iv is not None]
        return min(lows) if lows else None

    def members(self, lo: int, hi: int) -> Iterator[int]:
        """The members in [lo, hi], ascending.

        Each class is walked from its first member in the range, so the cost follows the
        members found, not the width of the range (a declared size may be 2^62).
        """
        m = self.modulus
        firsts: list[tuple[int, int]] = []  # (next member, last member of its class)
        for r, iv in enumerate(self.intervals):
            if iv is None:
                continue
            first = max(iv[0] * m + r, _first_at_least(max(lo, 1), r, m))
            last = hi if iv[1] is None else min(hi, iv[1] * m + r)
            if first <= last:
                firsts.append((first, last))
        heapq.heapify(firsts)
        while firsts:
            x, last = heapq.heappop(firsts)
            yield x
            if x + m <= last:
                heapq.heappush(firsts, (x + m, last))

    def nearest(self, x: int) -> tuple[int | None, int | None]:
        """The nearest members at or below and at or above x (None where there is none)."""
        below: int | None = None
        above: int | None = None
        m = self.modulus
        for r, iv in enumerate(self.intervals):
            if iv is None:
                continue
            first = iv[0] * m + r
            last = None if iv[1] is None else iv[1] * m + r
            # the member of this class at or below x, clamped to the interval
            down = x - ((x - r) % m)
            if last is not None:
                down = min(down, last)
            if down >= first and down >= 1 and (below is None or down > below):
                below = down
            up = max(x + ((r - x) % m), first)
            if (last is None or up <= last) and (above is None or up < above):
                above = up
        return below, above

    def _bounded_above(self) -> int | None:
        highs = []
        for r, iv in enumerate(self.intervals):
            if iv is None:
                continue
            if iv[1] is None:
                return None
            highs.append(iv[1] * self.modulus + r)
        return max(highs) if highs else 0

    def needs(self) -> str:
        """``needs H ≥ 3`` — or ``no H works`` where the set is empty (never "needs no H")."""
        if self.simplify().is_empty():
            return f"no {self.var} works"
        return f"needs {self.describe()}"

    def describe(self) -> str:
        """Closed form, e.g. ``H ≡ 12 (mod 16), H ≥ 188`` or ``every H ≥ 188``."""
        s = self.simplify()
        v = s.var
        if s.is_empty():
            return f"no {v}"
        top = s._bounded_above()
        if top is not None:
            # nine members are enough to know it is not a short list: stop counting there
            few = list(itertools.islice(s.members(1, top), 9))
            if len(few) <= 8:
                return f"{v} ∈ {{{', '.join(str(x) for x in few)}}}"
        m = s.modulus
        classes = []  # (first member, last member, residue)
        for r, iv in enumerate(s.intervals):
            if iv is not None:
                classes.append((iv[0] * m + r, None if iv[1] is None else iv[1] * m + r, r))
        # Residues share one phrase "H ≥ T" when one threshold T gives each its first member;
        # a class without a real bound (its first member is its smallest) fits any T up to it.
        groups: list[tuple[int, int, int | None, list[int]]] = []  # (T low, T high, xhi, residues)
        for xlo, xhi, r in sorted(classes, key=lambda c: c[0]):
            for k, (tlo, thi, ghi, residues) in enumerate(groups):
                if ghi == xhi and max(tlo, xlo - m + 1) <= min(thi, xlo):
                    groups[k] = (max(tlo, xlo - m + 1), min(thi, xlo), ghi, [*residues, r])
                    break
            else:
                groups.append((xlo - m + 1, xlo, xhi, [r]))
        parts = []
        for tlo, thi, xhi, residues in groups:
            first = min(_first_at_least(thi, r, m) for r in residues)
            bound = [] if tlo <= 1 else [f"{v} ≥ {first}"]
            bound += [f"{v} ≤ {xhi}"] if xhi is not None else []
            if m == 1:
                parts.append("every " + (", ".join(bound) if bound else v))
            else:
                cond = f"{v} ≡ {_residues(sorted(residues))} (mod {m})"
                parts.append(", ".join([cond, *bound]))
        return " or ".join(parts)


def _residues(values: list[int]) -> str:
    """``0, 1, 2, 3, 12`` → ``0–3, 12``: long residue lists stay readable."""
    runs: list[list[int]] = []
    for v in values:
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}–{r[-1]}" if len(r) > 3 else ", ".join(map(str, r)) for r in runs)


def _first_at_least(x: int, r: int, m: int) -> int:
    """The smallest member of r (mod m) that is >= x."""
    return x + ((r - x) % m)


def _divisors(n: int) -> Iterator[int]:
    small = [d for d in range(1, math.isqrt(n) + 1) if n % d == 0]
    large = [n // d for d in reversed(small) if d * d != n]
    yield from small
    yield from large
