"""ValidSizes: the closed forms, their sources, and the bounded fallback."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skipcheck.check import Options, check_spec
from skipcheck.check.valid import Enumerated, parse_bound, ranges, valid_sizes
from skipcheck.shapes.sizeset import SizeSet
from tests.conftest import SPECS

FLAT = """skipcheck: 1
name: flat
input: [1, 3, 32, 32]
layers:
  - conv: {out_channels: 4, kernel_size: 3, padding: 1}
  - maxpool: 2
  - flatten
  - linear: 10
"""

ANISO = """skipcheck: 1
name: aniso
input: [1, 1, 20, 64, 48]
layers:
  - maxpool: {kernel_size: [1, 2, 4]}
  - conv: {out_channels: 2, kernel_size: 3, padding: 1}
  - upsample: {scale_factor: [1, 2, 4]}
  - add: {skip: input}
"""


def test_unet_original() -> None:
    report = valid_sizes(check_spec("specs/unet_original.yaml"))
    h, w = report.axes
    assert (h.var, w.var) == ("H", "W")
    assert h.runs.describe() == "every H ≥ 188"
    assert h.clean.describe() == "H ≡ 12 (mod 16), H ≥ 188"
    assert h.neighbours(h.clean) == (556, 588)
    assert report.ok and report.exact
    assert h.same_answer(w)
    assert [s.what for s in h.deciding() if s.kind == "runs"] == ["conv in dec3, line 12"]


def test_unet_add_broken_names_the_merges() -> None:
    report = valid_sizes(check_spec("specs/unet_add_broken.yaml"))
    h = report.axes[0]
    # its channel errors hold at every size: no size runs; spatially, these do
    assert h.runs.is_empty() and h.spatial_runs is not None
    assert h.spatial_runs == SizeSet(h.var, 4, ((1, None), None, None, None))
    assert h.spatial_runs.smallest() == 4
    assert h.neighbours(h.spatial_runs) == (252, 256)
    shown = [str(s) for s in h.deciding()]
    assert "add e2 in d2, line 20: needs H ≡ 0, 1 (mod 4)" in shown
    assert "add e1 in d1, line 25: needs H ≡ 0 (mod 4)" in shown
    assert not report.ok
    assert {d.code for d in report.size_free} == {"SC101"}


def test_near_replaces_the_spec_size() -> None:
    report = valid_sizes(check_spec("specs/unet_add_broken.yaml"), near=500)
    spatial = report.axes[0].spatial_runs
    assert spatial is not None and 500 in spatial  # its channel errors hold at every size
    assert 500 not in report.axes[0].runs
    assert not report.ok and [d.code for d in report.size_free] == ["SC101", "SC101"]
    assert report.axes[0].neighbours(spatial) == (496, 504)


def test_anisotropic_3d_gets_one_answer_per_axis() -> None:
    report = valid_sizes(check_spec("aniso.yaml", text=ANISO))
    d, h, w = report.axes
    # the add merges 2 channels with the input's 1 (no size runs): the spatial sets
    assert [a.runs.describe() for a in report.axes] == ["no D", "no H", "no W"]
    assert [str(a.spatial_runs and a.spatial_runs.describe()) for a in (d, h, w)] == [
        "every D",
        "H ≡ 0 (mod 2)",
        "W ≡ 0 (mod 4)",
    ]


def test_shared_symbol_shares_an_answer() -> None:
    report = valid_sizes(
        check_spec("specs/unet_add_broken.yaml", Options(input_shape=(1, 3, "S", "S")))
    )
    assert [a.var for a in report.axes] == ["S"]
    assert report.axes[0].axes == (0, 1)
    spatial = report.axes[0].spatial_runs
    assert report.axes[0].value is None and spatial is not None and not spatial.is_empty()


def test_flatten_into_linear_falls_back_to_a_stated_bound() -> None:
    report = valid_sizes(check_spec("flat.yaml", text=FLAT), bound=(1, 64))
    assert not report.exact
    assert any("flatten" in why for why in report.inexact)
    h = report.axes[0]
    assert isinstance(h.runs, Enumerated)
    # maxpool floors 32 and 33 alike; the linear layer was built for 4·16·16 features
    assert list(h.runs.members(1, 64)) == [32, 33]
    assert list(h.clean.members(1, 64)) == [32]
    assert h.runs.describe() == "H ∈ {32, 33} (searched 1..64)"
    assert h.fixed == (("W", 32),)


def test_linear_on_one_symbolic_axis_pins_it_exactly() -> None:
    text = FLAT.replace("[1, 3, 32, 32]", "[1, 3, 32]").replace("  - flatten\n", "")
    report = valid_sizes(check_spec("l.yaml", text=text))
    assert report.exact
    assert report.axes[0].runs.describe() == "L ∈ {32, 33}"


def test_parse_bound_and_ranges() -> None:
    assert parse_bound("1..1024") == (1, 1024)
    assert ranges([1, 2, 3, 7, 8, 10]) == "1–3, 7, 8, 10"
    for bad in ("0..4", "5..4", "1-4", "a..b"):
        try:
            parse_bound(bad)
        except Exception as exc:
            assert "expected" in str(exc)
        else:
            raise AssertionError(bad)


@settings(max_examples=200, deadline=None)
@given(
    st.integers(1, 64),
    st.lists(st.tuples(st.integers(0, 63), st.integers(0, 8), st.integers(0, 8)), max_size=6),
    st.integers(1, 3000),
)
def test_nearest_matches_a_scan(m: int, spec: list[tuple[int, int, int]], x: int) -> None:
    intervals: list[tuple[int, int | None] | None] = [None] * m
    for r, lo, span in spec:
        r %= m
        lo = max(lo, 1 if r == 0 else 0)
        intervals[r] = (lo, None if span == 8 else lo + span)
    s = SizeSet("H", m, tuple(intervals))
    members = [v for v in range(1, 4000) if v in s]
    below = max((v for v in members if v <= x), default=None)
    above = min((v for v in members if v >= x), default=None)
    if s._bounded_above() is None and above is None:
        return  # an unbounded class's member past the scanned range
    assert s.nearest(x) == (below, above)


def test_describe_compacts_long_residue_runs() -> None:
    s = SizeSet(
        "H",
        16,
        tuple((1 if r == 0 else 0, None) if r in (0, 1, 2, 3, 12) else None for r in range(16)),
    )
    assert s.describe() == "H ≡ 0–3, 12 (mod 16)"


def test_implied_lower_bounds_are_grouped() -> None:
    """A 3D U-Net has a lower bound per conv; only the binding one (and the first that
    fails, where torch stops) is listed — the rest are counted."""
    result = check_spec("specs/unet3d.yaml", Options.parse(None, "1x1x8x8x8"))
    axis = valid_sizes(result).axes[0]
    shown = [str(s) for s in axis.deciding() if s.kind == "runs"]
    assert shown == [
        "conv in a2, line 26: needs every D ≥ 10",
        "conv in s2, line 26: needs every D ≥ 92",
    ]
    assert len(axis.implied()) == 12
    assert len(axis.deciding()) + len(axis.implied()) == len(axis.sources)


def test_an_empty_requirement_reads_as_such() -> None:
    assert SizeSet.nothing("L").needs() == "no L works"
    assert SizeSet.everything("L").needs() == "needs every L"


def _implied_pairwise(sources: tuple) -> set[int]:  # type: ignore[type-arg]
    """The definition, one pair of layers at a time: another source of the same kind asks at
    least as much (an equal one written earlier, or a stricter one anywhere)."""
    out = set()
    for k, s in enumerate(sources):
        for j, o in enumerate(sources):
            if j == k or o.kind != s.kind:
                continue
            inside = (o.sizes & s.sizes) == o.sizes
            if inside and (j < k or (s.sizes & o.sizes) != s.sizes):
                out.add(k)
                break
    return out


@pytest.mark.parametrize("spec", sorted(p.name for p in SPECS.glob("*.yaml")))
def test_grouping_by_distinct_sets_keeps_the_pairwise_answer(spec: str) -> None:
    # the grouping compares each distinct set once (a 400-layer mutant took 3 s pairwise);
    # it must show exactly what the pairwise definition shows, at the spec's size and off it
    for options in (Options(), Options.parse(None, "1x3x97x61")):
        result = check_spec(str(SPECS / spec), options)
        if result.error is not None:
            continue  # the second size fits 2D specs only
        for axis in valid_sizes(result).axes:
            hidden = _implied_pairwise(axis.sources)
            first_fail = next(
                (s for s in axis.sources if s.kind == "runs" and axis.value not in s.sizes), None
            )
            if axis.value is None:
                first_fail = None  # a symbolic input: nothing fails "at" it
            expected = [
                id(s) for k, s in enumerate(axis.sources) if k not in hidden or s is first_fail
            ]
            assert [id(s) for s in axis.deciding()] == expected
            assert len(axis.deciding()) + len(axis.implied()) == len(axis.sources)
