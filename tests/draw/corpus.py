"""Everything the drawing tests draw: every shipped spec and every model the importer tests
import (tests/torch/test_import*.py), imported here the same way.

Which of them are encoder-decoders is said here by hand, from what each model is (its
paper or its code), not from anything skipcheck computes: the test that the U layout is
chosen for each of them needs a referee of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import SPECS

SHIPPED = sorted(p.name for p in SPECS.glob("*.yaml"))

# down, then back up with long skips between equal resolutions
SHIPPED_U = {
    "attention_unet.yaml",
    "attention_unet_gate.yaml",
    "fcn8s.yaml",
    "fpn_resnet50.yaml",
    "fpn_resnet50_outputs.yaml",
    "linknet.yaml",
    "unet3d.yaml",
    "unet_add_broken.yaml",
    "unet_original.yaml",
    "unet_padded.yaml",
    "unet_stated_channels.yaml",
    "vnet.yaml",
    "vnet_tile.yaml",
}


MONAI_UNET = {
    "spatial_dims": 2,
    "in_channels": 1,
    "out_channels": 2,
    "channels": [16, 32, 64, 128, 256],
    "strides": [2, 2, 2, 2],
}


def imported_models() -> dict[str, tuple[Callable[[], Any], tuple[int, ...], bool]]:
    """name → (a factory for the torch model, its example input, whether it is a U)."""
    import torch
    from torch import nn

    from tests.torch import tv_models as tv
    from tests.torch import unet_models

    models: dict[str, tuple[Callable[[], Any], tuple[int, ...], bool]] = {
        "torchvision-resnet18": (tv.resnet18, (1, 3, 224, 224), False),
        "torchvision-resnet50": (tv.resnet50, (1, 3, 224, 224), False),
        "resnet18-fpn-segmentation": (tv.ResNetFPNSegmentation, (1, 3, 224, 224), True),
        "resnet18-fpn": (tv.ResNetFPN, (1, 3, 224, 224), True),
        "milesial-unet": (lambda: unet_models.UNet(bilinear=False), (1, 3, 256, 256), True),
        "milesial-unet-bilinear": (lambda: unet_models.UNet(bilinear=True), (1, 3, 256, 256), True),
    }

    class Net(nn.Module):
        """test_import.py's MODEL_FILE: one level down, one up, a concat across."""

        def __init__(self, width: int = 8) -> None:
            super().__init__()
            self.enc = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU())
            self.down = nn.MaxPool2d(2)
            self.mid = nn.Conv2d(width, width, 3, padding=1)
            self.up = nn.Upsample(scale_factor=2)
            self.head = nn.Conv2d(2 * width, 2, 1)

        def forward(self, x: Any) -> Any:
            e = self.enc(x)
            y = self.up(self.mid(self.down(e)))
            return self.head(torch.cat([y, e], dim=1))

    models["file-net"] = (Net, (1, 3, 32, 32), True)

    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(3, 4, 1)
            self.b = nn.Conv2d(3, 4, 1)

        def forward(self, x: Any) -> Any:
            return self.a(x), self.b(x)

    models["two-outputs"] = (Two, (1, 3, 8, 8), False)
    try:
        from monai.networks import nets
    except ImportError:
        return models
    models.update(
        {
            "monai-unet": (lambda: nets.UNet(**MONAI_UNET), (1, 1, 256, 256), True),
            "monai-unet-res2": (
                lambda: nets.UNet(**MONAI_UNET, num_res_units=2),
                (1, 1, 256, 256),
                True,
            ),
            "monai-attention-unet": (
                lambda: nets.AttentionUnet(
                    **{**MONAI_UNET, "channels": [16, 32, 64, 128], "strides": [2, 2, 2]}
                ),
                (1, 1, 256, 256),
                True,
            ),
            "monai-segresnet": (
                lambda: nets.SegResNet(spatial_dims=2, in_channels=1, out_channels=2),
                (1, 1, 256, 256),
                True,
            ),
        }
    )
    return models


def import_all(folder: Path) -> dict[str, tuple[Path, bool]]:
    """Import every model into ``folder``: name → (the spec's path, whether it is a U)."""
    from skipcheck.torch.importer import import_model

    out: dict[str, tuple[Path, bool]] = {}
    for name, (factory, shape, is_u) in imported_models().items():
        got = import_model(factory(), shape, name=name, source="test")
        path = folder / f"{name}.yaml"
        path.write_text(got.text, encoding="utf-8")
        out[name] = (path, is_u)
    return out
