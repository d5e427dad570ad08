"""The ops that state what real networks do with their channels and with TensorFlow's
'SAME' padding: ``pad_same``'s rule against timm's at every size, exact as a symbolic size;
a channel shuffle whose groups do not divide the channels is a finding at its line."""

from __future__ import annotations

import math

import pytest

from skipcheck.check import Options, check_spec
from skipcheck.check.valid import valid_sizes


def _timm_same(i: int, k: int, s: int, d: int) -> int:
    """timm's get_same_padding, as timm writes it."""
    return max((math.ceil(i / s) - 1) * s + (k - 1) * d + 1 - i, 0)


@pytest.mark.parametrize("k", [1, 2, 3, 5])
@pytest.mark.parametrize("s", [1, 2, 3])
@pytest.mark.parametrize("d", [1, 2])
def test_pad_same_then_a_conv_is_ceil_of_size_over_stride_symbolically_and_exactly(
    k: int, s: int, d: int
) -> None:
    text = (
        "skipcheck: 1.1\ninput: [1, 2, H, 8]\nlayers:\n"
        f"  - pad_same: {{kernel_size: {k}, stride: {s}, dilation: {d}}}\n"
        f"  - conv: {{out_channels: 2, kernel_size: {k}, stride: {s}, dilation: {d}}}\n"
    )
    result = check_spec("t", text=text)
    assert result.error is None, result.error
    report = valid_sizes(result, bound=(1, 96))
    assert report.exact, report.inexact  # a periodic size, no size-by-size fallback
    axis = next(a for a in report.axes if 0 in a.axes)
    assert [n for n in range(1, 97) if n in axis.runs] == list(range(1, 97))
    for i in range(1, 97):
        at = check_spec("t", Options(input_shape=(1, 2, i, 8)), text=text)
        padded = i + _timm_same(i, k, s, d)
        assert at.table is not None and at.table.shape_of(1).split("×")[2] == str(padded)
        assert at.output_shape().split("×")[2] == str(-(-i // s))


def test_a_channel_shuffle_whose_groups_do_not_divide_the_channels_is_a_finding_at_its_line() -> (
    None
):
    text = "skipcheck: 1.1\ninput: [1, 6, 8, 8]\nlayers:\n  - conv: {out_channels: 4, kernel_size: 1}\n  - channel_shuffle: 3\n"
    result = check_spec("t", text=text)
    assert result.table is not None
    (finding,) = result.table.errors
    assert finding.code == "SC104"
    assert finding.pos.line == 5
    assert "channel_shuffle with groups=3 needs channels divisible by 3" in finding.message


def test_a_channel_slice_past_the_channels_is_refused_where_torch_would_clamp() -> None:
    text = "skipcheck: 1.1\ninput: [1, 4, 8, 8]\nlayers:\n  - channel_slice: {start: 2, stop: 6}\n"
    result = check_spec("t", text=text)
    assert result.table is not None
    assert [d.code for d in result.table.errors] == ["SC106"]
    assert "takes channels 2..5 but gets 4 channels" in result.table.errors[0].message
