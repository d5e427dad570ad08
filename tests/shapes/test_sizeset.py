"""Size sets: an intersection remembered by its operands is the one computed afresh."""

from __future__ import annotations

import pytest

from skipcheck.shapes import sizeset
from skipcheck.shapes.periodic import Affine
from skipcheck.shapes.sizeset import SizeSet


def _sets() -> list[SizeSet]:
    h = Affine.symbol("H")
    out = [h.where_at_least(k) for k in (1, 5, 40)]
    out += [(h // 2).where_at_least(3), (h // 4 * 4).where_equal(h), (h // 3 * 3).where_equal(h)]
    out += [SizeSet("H", 4, ((2, 9), None, (0, None), (1, 1)))]
    return out


def test_a_remembered_intersection_is_the_one_computed_afresh() -> None:
    sets = _sets()
    for a in sets:
        for b in sets:
            fresh = a._intersect(b) if not (b is a or a.covers_all() or b.covers_all()) else a & b
            first, again = a & b, a & b
            assert first is again  # the second answer is the remembered one
            assert (first.modulus, first.intervals) == (fresh.modulus, fresh.intervals)
            for x in range(1, 200):
                assert (x in first) == (x in a and x in b)


def test_the_memory_of_intersections_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sizeset, "AND_SIZE", 4)
    monkeypatch.setattr(sizeset, "_AND", {})
    sets = _sets()
    for a in sets:
        for b in sets:
            a & b
            assert len(sizeset._AND) <= 4
