"""Each op's shape rule against torch's own layers, over a sweep of input sizes.

For every case and every input size, torch (CPU, tiny tensors) and skipcheck must
agree on the output shape and on whether the layer runs: torch raises exactly
where skipcheck reports an error finding (SC103, SC104, SC106) and nowhere else.
Where the input is symbolic, the exact set of valid sizes skipcheck derives must
be exactly the sizes torch accepts.
"""

from __future__ import annotations

import pytest

from skipcheck.check import graph_of
from skipcheck.shapes.propagate import propagate

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")

from tests.torch.referee import referee  # noqa: E402

ALL, FLAT, IMAGE = (1, 2, 3), (1, 2), (2,)
CASES: list[tuple[str, tuple[int, ...], int]] = [
    # (layers, ranks, input channels)
    ("conv: {out_channels: 4, kernel_size: 3}", ALL, 3),
    ("conv: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1}", ALL, 3),
    ("conv: {out_channels: 4, kernel_size: 4, stride: 3, padding: 2, dilation: 2}", ALL, 3),
    ("conv: {out_channels: 4, kernel_size: 3, padding: same}", ALL, 3),
    ("conv: {out_channels: 4, kernel_size: 4, padding: same, dilation: 3}", ALL, 3),
    ("conv: {out_channels: 4, kernel_size: 3, padding: valid, stride: 2}", ALL, 3),
    ("conv: {out_channels: 4, kernel_size: 3, padding: same, stride: 2}", ALL, 3),  # SC106
    ("conv: {out_channels: 4, kernel_size: 3, groups: 2}", ALL, 4),
    ("conv: {out_channels: 4, kernel_size: 3, groups: 2}", ALL, 3),  # SC104
    ("conv: {out_channels: 3, kernel_size: 1, groups: 3}", ALL, 3),  # SC104 for out... fine
    ("conv: {out_channels: 4, kernel_size: [3, 1], stride: [2, 1], padding: [0, 2]}", IMAGE, 3),
    ("conv: {out_channels: 4, kernel_size: 3, padding: [1, 0]}", IMAGE, 3),
    ("conv_transpose: {out_channels: 4, kernel_size: 2, stride: 2}", ALL, 3),
    (
        "conv_transpose: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}",
        ALL,
        3,
    ),
    ("conv_transpose: {out_channels: 4, kernel_size: 3, padding: 3}", ALL, 3),  # SC103 when small
    ("conv_transpose: {out_channels: 4, kernel_size: 3, dilation: 2, output_padding: 1}", ALL, 3),
    ("conv_transpose: {out_channels: 4, kernel_size: 3, stride: 2, output_padding: 2}", ALL, 3),
    ("conv_transpose: {out_channels: 4, kernel_size: 3, groups: 2}", ALL, 4),
    ("maxpool: 2", ALL, 2),
    ("maxpool: {kernel_size: 3, stride: 2, padding: 1}", ALL, 2),
    ("maxpool: {kernel_size: 3, stride: 2, ceil_mode: true}", ALL, 2),
    ("maxpool: {kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}", ALL, 2),
    ("maxpool: {kernel_size: 3, dilation: 2}", ALL, 2),
    ("maxpool: {kernel_size: 3, dilation: 2, padding: 1, stride: 2, ceil_mode: true}", ALL, 2),
    ("maxpool: {kernel_size: 2, padding: 2}", ALL, 2),  # SC106
    ("maxpool: {kernel_size: 3, padding: 2, dilation: 2}", ALL, 2),  # SC106: dilation no help
    ("avgpool: 2", ALL, 2),
    ("avgpool: {kernel_size: 3, stride: 2, padding: 1, ceil_mode: true}", ALL, 2),
    ("avgpool: {kernel_size: 3, stride: 1, padding: 1, count_include_pad: false}", ALL, 2),
    ("adaptive_avgpool: 3", ALL, 2),
    ("adaptive_maxpool: 2", ALL, 2),
    ("global_avgpool", ALL, 2),
    ("upsample: {scale_factor: 2}", ALL, 2),
    ("upsample: {scale_factor: 1.5}", ALL, 2),
    ("upsample: {scale_factor: 0.5}", ALL, 2),
    ("upsample: {scale_factor: 0.3}", ALL, 2),
    ("upsample: {scale_factor: 2.5, mode: linear}", (1,), 2),
    ("upsample: {scale_factor: 1.5, mode: bilinear, align_corners: true}", IMAGE, 2),
    ("upsample: {scale_factor: 0.75, mode: bicubic}", IMAGE, 2),
    ("upsample: {scale_factor: 1.25, mode: trilinear}", (3,), 2),
    ("upsample: {scale_factor: 0.5, mode: area}", ALL, 2),
    ("upsample: {scale_factor: 1.5, mode: nearest-exact}", ALL, 2),
    ("upsample: {scale_factor: [2, 0.5]}", IMAGE, 2),
    ("upsample: {size: 7}", ALL, 2),
    ("upsample: {size: [5, 9], mode: bilinear}", IMAGE, 2),
    ("upsample: {scale_factor: 2, mode: bilinear}", (1, 3), 2),  # SC106: wrong rank
    ("pixel_shuffle: 2", IMAGE, 8),
    ("pixel_shuffle: 2", IMAGE, 6),  # SC104
    ("pixel_unshuffle: 2", IMAGE, 3),
    ("pixel_unshuffle: 3", IMAGE, 1),
    ("batchnorm", ALL, 3),
    ("instancenorm", ALL, 3),
    ("instancenorm: {affine: true, track_running_stats: true}", ALL, 3),
    ("groupnorm: 2", ALL, 4),
    ("groupnorm: 2", ALL, 3),  # SC104
    ("groupnorm: 4", ALL, 4),  # one value per group at size 1: SC106
    ("layernorm", ALL, 3),
    ("prelu: 3", ALL, 3),
    ("flatten\n  - linear: 5", ALL, 2),
    ("global_avgpool\n  - flatten\n  - linear: 5", ALL, 2),
    ("crop: 1", ALL, 2),
    ("pad: 1", ALL, 2),
    ("pad: [1, 2]", (1,), 2),
    ("pad: [0, 1, 2, 0]", IMAGE, 2),
]

SIZES = {1: range(1, 14), 2: range(1, 12), 3: range(1, 7)}
PARAMS = [
    pytest.param(layers, rank, c, id=f"{layers.splitlines()[0]}-{rank}d-c{c}")
    for layers, ranks, c in CASES
    for rank in ranks
]


def spec(layers: str, dims: list[int | str]) -> str:
    return f"skipcheck: 1\ninput: {dims}\nlayers:\n  - {layers}\n".replace("'", "")


@pytest.mark.parametrize(("layers", "rank", "channels"), PARAMS)
def test_torch_agrees_at_every_size(layers: str, rank: int, channels: int) -> None:
    outcomes = set()
    for size in SIZES[rank]:
        # the last axis one larger: catches a rule that mixes up axes
        dims = [1, channels, *([size] * (rank - 1)), size + (rank > 1)]
        problems, seen = referee(spec(layers, dims))
        assert problems == [], (dims, problems)
        outcomes.add(seen.failure is None)


@pytest.mark.parametrize(("layers", "rank", "channels"), [p for p in PARAMS if p.values[1] < 3])
def test_valid_sizes_are_exactly_where_torch_runs(layers: str, rank: int, channels: int) -> None:
    names = ["L"] if rank == 1 else ["H", "W"]
    table = propagate(graph_of("spec.yaml", text=spec(layers, [1, channels, *names])))
    valid = {var: table.valid_sizes(var) for var in names}
    for size in SIZES[rank]:
        _, seen = referee(spec(layers, [1, channels, *([size] * rank)]))
        claimed = not table.errors and all(size in v for v in valid.values())
        shown = (size, {k: v.describe() for k, v in valid.items()}, table.inexact)
        if table.inexact:
            # outside the exact fragment (a factor like 0.3): the claim may only be wider
            assert claimed or seen.failure is not None, shown
        else:
            assert claimed == (seen.failure is None), shown


def test_some_cases_fail_and_some_run() -> None:
    """The table covers both outcomes, so a referee that always agrees would be caught."""
    failing = [c for c in CASES if referee(spec(c[0], [1, c[2], *[1] * c[1][0]]))[1].failure]
    assert 10 < len(failing) < len(CASES)
