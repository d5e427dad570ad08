"""The gold corpus: the fix a maintainer made, ranked first by skipcheck (see corpus.py)."""

from __future__ import annotations

from functools import cache

import pytest

from tests.check.fixes.corpus import CASES, Outcome, evaluate, load


@cache
def outcomes() -> tuple[Outcome, ...]:
    return tuple(evaluate(load(p)) for p in CASES)


def test_the_corpus_has_forty_real_bugs_each_with_a_clean_gold_edit() -> None:
    assert len(CASES) >= 40
    for o in outcomes():
        assert o.case.bug and o.case.gold, o.case.name
        assert o.gold_clean, o.case.name


def test_the_top_fix_is_the_gold_edit_in_four_of_five() -> None:
    found = [o for o in outcomes() if o.rank == 1]
    assert len(found) >= 0.8 * len(CASES), [o.case.name for o in outcomes() if o.rank != 1]


def test_the_gold_edit_is_among_the_proven_fixes_in_nineteen_of_twenty() -> None:
    found = [o for o in outcomes() if o.rank is not None]
    assert len(found) >= 0.95 * len(CASES), [o.case.name for o in outcomes() if o.rank is None]


def test_every_safe_fix_keeps_every_unbroken_use() -> None:
    assert [b for o in outcomes() for b in o.unsafe_breaks] == []


def test_no_title_states_a_number_its_diff_contradicts() -> None:
    assert [t for o in outcomes() for t in o.false_titles] == []


@pytest.mark.parametrize("name", ["r11_resnet34_issue_case", "u09_attention_gate_stride"])
def test_the_issue_cases_rank_the_reviewers_fix_first_and_call_it_safe(name: str) -> None:
    (o,) = [o for o in outcomes() if o.case.name == name]
    assert o.rank == 1 and o.fixes[0].safe


@pytest.mark.parametrize(
    "name",
    [
        "f03_fpn_odd_interpolate",  # no kernel mend on a 1x1 lateral; interpolate at an add
        "f05_fpn_lateral_missing",  # a trunk layer's width ranks after a projection
        "r08_hrnet_width_only",  # a block argument that sizes two convs too
        "r10_resunet_unit_stride",  # the mend that also clears the decoder's findings
        "u03_unet_valid_convs",  # the block wrong at every use: the common cause first
        "o12_deeplab_decoder_scale",  # not the third of four stride-2 convs
    ],
)
def test_a_reviewers_principle_ranks_the_gold_edit_first(name: str) -> None:
    (o,) = [o for o in outcomes() if o.case.name == name]
    assert o.rank == 1, [f.title for f in o.fixes[:3]]


def test_no_kernel_mend_widens_a_pointwise_conv() -> None:
    (o,) = [o for o in outcomes() if o.case.name == "f03_fpn_odd_interpolate"]
    assert not [f.title for f in o.fixes if f.title.startswith("kernel_size")]


def test_an_input_size_where_no_layer_drops_a_row_is_offered_before_one_that_runs() -> None:
    """Detectron pads its inputs to a multiple of the coarsest stride (192), not to the
    nearest size that merely runs (193)."""
    (o,) = [o for o in outcomes() if o.case.name == "f04_fpn_input_stride"]
    titles = [f.title.split(" — ")[0] for f in o.fixes if "change the input" in f.title]
    assert titles[:2] == [
        "change the input to 1×3×192×192 (nearest size below where no layer drops a row)",
        "change the input to 1×3×193×193 (nearest valid size below)",
    ]
    assert o.rank is not None
