"""Affine sizes and SizeSets agree with plain integer arithmetic, exactly."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from skipcheck.shapes.periodic import MAX_MODULUS, Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet

H = Affine.symbol("H")

# one step of a size chain: (name, affine function, integer function)
STEPS = st.one_of(
    st.tuples(st.just("add"), st.integers(-6, 6)),
    st.tuples(st.just("mul"), st.integers(1, 4)),
    st.tuples(st.just("floordiv"), st.integers(1, 5)),
    st.tuples(st.just("ceildiv"), st.integers(1, 5)),
)


def apply(value, step):
    kind, k = step
    if kind == "add":
        return value + k
    if kind == "mul":
        return value * k
    if kind == "floordiv":
        return value // k
    return -((-value) // k)


@settings(max_examples=300, deadline=None)
@given(st.lists(STEPS, min_size=1, max_size=7))
def test_affine_matches_integers(steps) -> None:
    f = H
    try:
        for step in steps:
            f = apply(f, step)
    except OutOfFragment:
        # the modulus cap: propagation falls back to concrete sizes there
        assert math.prod(k for kind, k in steps if kind in ("floordiv", "ceildiv")) > MAX_MODULUS
        return
    for x in range(1, 400):
        v = x
        for step in steps:
            v = apply(v, step)
        assert f.at(x) == v


@settings(max_examples=200, deadline=None)
@given(
    st.lists(STEPS, min_size=1, max_size=5),
    st.lists(STEPS, min_size=1, max_size=5),
    st.integers(-3, 20),
)
def test_sets_match_brute_force(a_steps, b_steps, bound) -> None:
    f, g = H, H
    try:
        for s in a_steps:
            f = apply(f, s)
        for s in b_steps:
            g = apply(g, s)
        equal = f.where_equal(g)
        at_least = f.where_at_least(bound)
        both = equal & at_least
    except OutOfFragment:
        # past the cap the method says so (propagation then decides at the given size)
        assert (
            math.lcm(f.modulus, g.modulus) > MAX_MODULUS
            or max(f.modulus, g.modulus) * 5 > MAX_MODULUS
        )
        return
    for x in range(1, 300):
        assert (x in equal) == (f.at(x) == g.at(x))
        assert (x in at_least) == (f.at(x) >= bound)
        assert (x in both) == (f.at(x) == g.at(x) and f.at(x) >= bound)


@settings(max_examples=200, deadline=None)
@given(st.lists(STEPS, min_size=1, max_size=5), st.integers(-3, 40), st.integers(1, 500))
def test_nearest_members(steps, bound, x) -> None:
    f = H
    try:
        for s in steps:
            f = apply(f, s)
        valid = f.where_at_least(bound) & f.where_divisible(2)
    except OutOfFragment:
        # past the cap the method says so; ×2 for the divisibility test itself
        assert (
            2 * math.prod(k for kind, k in steps if kind in ("floordiv", "ceildiv")) > MAX_MODULUS
        )
        return
    below, above = valid.nearest(x)
    members = [y for y in range(1, 2000) if y in valid]
    expect_below = max((y for y in members if y <= x), default=None)
    expect_above = min((y for y in members if y >= x), default=None)
    assert below == expect_below
    if expect_above is not None and expect_above < 1500:
        assert above == expect_above


def test_unet_original_closed_forms() -> None:
    def double_conv(h):
        return h - 4

    sizes = [double_conv(H)]
    for _ in range(4):
        sizes.append(double_conv(sizes[-1] // 2))
    runs = SizeSet.everything("H")
    for s in sizes:
        runs = runs & s.where_at_least(1)
    clean = runs
    for s in sizes[:-1]:
        clean = clean & s.where_divisible(2)
    assert [s.at(572) for s in sizes] == [568, 280, 136, 64, 28]
    assert clean.describe() == "H ≡ 12 (mod 16), H ≥ 140"
    assert [x for x in range(1, 400) if x in clean] == [x for x in range(140, 400) if x % 16 == 12]


def test_describe_forms() -> None:
    assert (H // 4 * 4).where_equal(H).describe() == "H ≡ 0 (mod 4)"
    assert ((H // 4) * 2).where_equal(H // 2).describe() == "H ≡ 0, 1 (mod 4)"
    assert (H - 10).where_at_least(1).describe() == "every H ≥ 11"
    assert SizeSet.nothing("H").describe() == "no H"
    assert (H * 2).where_equal(10).describe() == "H ∈ {5}"


def test_rational_scale_floor() -> None:
    from fractions import Fraction

    f = (H * Fraction(3, 2)).floor()
    assert all(f.at(x) == math.floor(x * 1.5) for x in range(1, 200))
    assert f.formula() != ""


def test_formulas_read_as_arithmetic_not_internal_words() -> None:
    h = Affine.symbol("H")
    assert str((h + 1) // 2) == "⌈H/2⌉"
    assert str((h + 2) // 4) == "⌊(H + 2)/4⌋"
    assert str(((h + 1) // 2 + 1) // 2) == "⌈H/4⌉"
    odd = (h // 2) * 3 + (h + 1) // 2
    assert str(odd) == "a size that depends on H mod 2"
    assert "periodic" not in str(odd)
