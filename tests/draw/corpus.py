"""Everything the drawing tests draw: every shipped spec and every model the importer tests
import (tests/torch/test_import*.py), imported here the same way.

Which of them are encoder-decoders is said here by hand, from what each model is (its
paper or its code), not from anything skipcheck computes: the test that the U layout is
chosen for each of them needs a referee of its own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
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


ENCODER_DECODERS_FROM_MONAI = {"UNet", "UNet-res2", "AttentionUnet", "SegResNet"}


def imported_models() -> dict[str, tuple[Callable[[], Any], tuple[int, ...], bool]]:
    """name → (a factory for the torch model, its example input, whether it is a U).

    The models and their arguments are the importer tests' own (tests/torch)."""
    import pytest

    from tests.torch import tv_models as tv
    from tests.torch import unet_models

    models: dict[str, tuple[Callable[[], Any], tuple[int, ...], bool]] = {
        "torchvision-resnet18": (tv.resnet18, (1, 3, 224, 224), False),
        "torchvision-resnet50": (tv.resnet50, (1, 3, 224, 224), False),
        "resnet18-fpn-segmentation": (tv.ResNetFPNSegmentation, (1, 3, 224, 224), True),
        "resnet18-fpn": (tv.ResNetFPN, (1, 3, 224, 224), True),
        "milesial-unet": (partial(unet_models.UNet, bilinear=False), (1, 3, 256, 256), True),
        "milesial-unet-bilinear": (
            partial(unet_models.UNet, bilinear=True),
            (1, 3, 256, 256),
            True,
        ),
    }
    try:
        from tests.torch.test_import_models import MODELS
    except pytest.skip.Exception:  # MONAI is not installed
        return models
    for name, (cls, args, _, _) in MODELS.items():
        models[f"monai-{name}"] = (
            partial(cls, **args),
            (1, 1, 256, 256),
            name in ENCODER_DECODERS_FROM_MONAI,
        )
    return models


def import_all(folder: Path) -> dict[str, tuple[Path, bool]]:
    """Import every model into ``folder``: name → (the spec's path, whether it is a U).
    test_import.py's model file goes through the CLI, as that test imports it."""
    from typer.testing import CliRunner

    from skipcheck.cli import app
    from skipcheck.torch.importer import import_model
    from tests.torch.test_import import MODEL_FILE

    out: dict[str, tuple[Path, bool]] = {}
    for name, (factory, shape, is_u) in imported_models().items():
        got = import_model(factory(), shape, name=name, source="test")
        path = folder / f"{name}.yaml"
        path.write_text(got.text, encoding="utf-8")
        out[name] = (path, is_u)
    source, spec = folder / "models.py", folder / "file-net.yaml"
    source.write_text(MODEL_FILE, encoding="utf-8")
    done = CliRunner().invoke(
        app, ["import", f"{source}:build_model", "--input", "1x3x32x32", "-o", str(spec)]
    )
    assert done.exit_code == 0, done.output
    out["file-net"] = (spec, True)  # one level down, one up, a concat across
    return out
