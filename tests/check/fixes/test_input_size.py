"""The input-size fix picks a size where the model runs and its declared shapes hold."""

from __future__ import annotations

from typing import Any

import pytest

from skipcheck.check import Options, check_spec

# Two poolings need H ≡ 0, 1 (mod 4) for the merge; the expect on e2 says the spec meant a
# 96×96 input (110 → 55 → 27 → 54 against 55 fails; 109 and 112 run but break the expect).
PINNED = """\
skipcheck: 1
input: [1, 3, 110, 110]
encoder:
  - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}]}
  - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 8, kernel_size: 3, padding: 1}}], expect: [1, 8, 48, 48]}
  - {stage: e3, layers: [{maxpool: 2}]}
decoder:
  - {stage: d2, layers: [{upsample: 2}, {add: e2}]}
"""


def input_fixes(spec_file: Any, text: str) -> list[Any]:
    result = check_spec(spec_file(text), Options(fixes=True))
    assert [d.code for d in result.errors] == ["SC102"]
    return [f for _, fixes in result.fixes for f in fixes if f.title.startswith("change the input")]


def titles(fixes: list[Any]) -> list[str]:
    return [f.title.split(" — ")[0] for f in fixes]


def test_the_size_the_declared_shapes_name_is_offered_and_proven(spec_file: Any) -> None:
    fixes = input_fixes(spec_file, PINNED)
    assert titles(fixes) == [
        "change the input to 1×3×96×96 (nearest size below where no layer drops a row and "
        "the declared shapes hold)",
        "change the input to 1×3×97×97 (nearest valid size below where the declared shapes hold)",
    ]
    for fix in fixes:
        again = check_spec("fixed.yaml", Options(), text=fix.text)
        assert not again.errors and not fix.partial


def test_without_a_declared_shape_the_nearest_sizes_that_run(spec_file: Any) -> None:
    free = PINNED.replace(", expect: [1, 8, 48, 48]", "")
    assert titles(input_fixes(spec_file, free))[:2] == [
        "change the input to 1×3×108×108 (nearest size below where no layer drops a row)",
        "change the input to 1×3×109×109 (nearest valid size below)",
    ]


def test_a_declaration_no_running_size_meets_narrows_nothing(spec_file: Any) -> None:
    # e2 is 47 only at H = 94 or 95, where the merge fails (it needs H ≡ 0, 1 (mod 4)): the
    # expect narrows nothing, the nearest sizes that run are tried, and their proofs refuse
    # them (each breaks the expect): no input size mends the model as declared
    odd = PINNED.replace("expect: [1, 8, 48, 48]", "expect: [1, 8, 47, 47]")
    assert input_fixes(spec_file, odd) == []
    result = check_spec(spec_file(odd), Options(fixes=True))
    assert result.fixes  # the merge's own fixes (crop, pad, interpolate) stand


def test_torch_runs_the_declared_size_and_matches_the_expect() -> None:
    """The referee: the same layers in torch at 96 (the fix) and at 110 (as written)."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    e1 = nn.Conv2d(3, 8, 3, padding=1)
    e2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 8, 3, padding=1))
    e3 = nn.MaxPool2d(2)
    up = nn.Upsample(scale_factor=2)
    for size, runs in ((96, True), (110, False)):
        x = e1(torch.zeros(1, 3, size, size))
        skip = e2(x)
        if runs:
            assert tuple(skip.shape) == (1, 8, 48, 48)  # the expect holds
            assert tuple((up(e3(skip)) + skip).shape) == (1, 8, 48, 48)
        else:
            with pytest.raises(RuntimeError):
                up(e3(skip)) + skip
