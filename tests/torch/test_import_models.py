"""Real models from MONAI, imported and proven: the parameter count equals the model's, and
the valid heights `skipcheck sizes` derives equal brute force with torch over 1..512.

The brute force runs a narrow copy of each model (the same class and structure with fewer
channels) on the CPU: channel counts do not change which spatial sizes run, and the narrow
copy is what makes 512 sizes per model take a second or two instead of minutes. The copy
is imported too, and its spec is the one compared, so the comparison is exact.
"""

from __future__ import annotations

from typing import Any

import pytest

pytest.importorskip("torch")
nets = pytest.importorskip("monai.networks.nets")

from tests.torch.import_reference import assert_sizes_match, imported  # noqa: E402

UNET = {
    "spatial_dims": 2,
    "in_channels": 1,
    "out_channels": 2,
    "channels": [16, 32, 64, 128, 256],
    "strides": [2, 2, 2, 2],
}
MODELS: dict[str, tuple[Any, dict[str, Any], dict[str, Any], int]] = {
    # name: (class, the arguments, the narrow copy's changes, parameters)
    "UNet": (nets.UNet, UNET, {"channels": [2, 4, 4, 4, 4]}, 660_282),
    "UNet-res2": (
        nets.UNet,
        {**UNET, "num_res_units": 2},
        {"channels": [2, 4, 4, 4, 4]},
        1_625_161,
    ),
    "AttentionUnet": (
        nets.AttentionUnet,
        {**UNET, "channels": [16, 32, 64, 128], "strides": [2, 2, 2]},
        {"channels": [2, 4, 4, 4]},
        493_990,
    ),
    "SegResNet": (
        nets.SegResNet,
        {"spatial_dims": 2, "in_channels": 1, "out_channels": 2},
        {"init_filters": 2, "norm": ("GROUP", {"num_groups": 1})},
        394_986,
    ),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_parameters_equal_the_models(name: str) -> None:
    cls, args, _, parameters = MODELS[name]
    got = imported(cls, (1, 1, 256, 256), **args)
    assert got.parameters == parameters
    assert got.report[0] == f"parameters: spec {parameters:,} · model {parameters:,} — equal"


@pytest.mark.parametrize("name", list(MODELS))
def test_sizes_equal_brute_force_on_the_original(name: str) -> None:
    cls, args, narrow, _ = MODELS[name]
    shape = (1, 1, 32, 32)
    got = imported(cls, shape, **{**args, **narrow})
    assert_sizes_match(got.text, cls(**{**args, **narrow}), shape)


def test_basic_unet_imports_its_pad_if_odd_as_align_pad() -> None:
    # UpCat pads by one row where the skip is odd (`if x_e.shape[-i - 1] != ...`): the
    # importer traces that side too, writes `align: pad`, and proves both sides
    args = {"spatial_dims": 2, "in_channels": 1, "out_channels": 2}
    got = imported(nets.BasicUNet, (1, 1, 64, 64), **args)
    assert got.parameters == 1_978_466
    assert "align: pad" in got.text
    narrow = {**args, "features": (2, 2, 2, 2, 2, 2)}
    small = imported(nets.BasicUNet, (1, 1, 32, 32), **narrow)
    assert_sizes_match(small.text, nets.BasicUNet(**narrow), (1, 1, 32, 32), hi=160)
