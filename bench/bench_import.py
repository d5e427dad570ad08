"""Whole-process CPU time of `skipcheck import` next to one `torch.export` of the same model.

    python bench/bench_import.py [--runs 3]

Each figure is one Python process that builds the model (on the meta device, as `import`
does) and then either imports it with skipcheck (capture with symbolic sizes, the
four-size proof, the check of the folded blocks) or exports it once with
``torch.export.export(..., strict=False)`` with every spatial size ``Dim.AUTO`` — the anchor
issue 21 asks for. Both include starting Python and importing torch (the third anchor).
Models: the tests' hand-written ones (milesial's U-Net, torchvision-style ResNet-18, a model
with its own `if h % 16: raise`), and MONAI's UNet where MONAI is installed.
"""

from __future__ import annotations

import argparse
import importlib.util

from measure import PYTHON, ROOT, header, median_run, row

MODELS = [
    ("milesial U-Net", "tests.torch.unet_models:UNet", "{'n_channels': 3, 'n_classes': 2}", 256),
    ("ResNet-18 (torchvision-style)", "tests.torch.tv_models:resnet18", "{}", 224),
    ("U-Net with `if h % 16: raise`", "tests.torch.test_import_capture:_DivisibleBy16", "{}", 256),
]
if importlib.util.find_spec("monai") is not None:
    MODELS.append(
        (
            "MONAI UNet",
            "monai.networks.nets:UNet",
            "{'spatial_dims': 2, 'in_channels': 1, 'out_channels': 2, "
            "'channels': (16, 32, 64, 128, 256), 'strides': (2, 2, 2, 2)}",
            256,
        )
    )

BUILD = """
import importlib, torch
module, _, name = {target!r}.partition(':')
factory = getattr(importlib.import_module(module), name)
with torch.device('meta'):
    model = factory(**{args}).eval()
channels = next(m for m in model.modules() if isinstance(m, torch.nn.Conv2d)).in_channels
shape = (1, channels, {size}, {size})
"""
IMPORT = """
from skipcheck.torch.importer import import_model
import_model(model, shape, name='m', source='bench')
"""
EXPORT = """
from torch.export import Dim, export
x = torch.empty(*shape, device='meta')
export(model, (x,), dynamic_shapes=({{2: Dim.AUTO, 3: Dim.AUTO}},), strict=False)
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    runs = parser.parse_args().runs
    header("skipcheck import vs torch.export (whole process)", runs)
    cpu, _ = median_run([PYTHON, "-c", "import torch"], runs)
    row(f"{cpu:.2f} s", "(anchor)", 'python -c "import torch"')
    for label, target, args, size in MODELS:
        build = BUILD.format(target=target, args=args, size=size)
        mine, _ = median_run([PYTHON, "-c", build + IMPORT], runs, cwd=ROOT)
        theirs, _ = median_run([PYTHON, "-c", build + EXPORT.format()], runs, cwd=ROOT)
        row(f"{mine:.2f} s", "(import)", f"{label} at {size}x{size}: skipcheck import")
        row(f"{theirs:.2f} s", "(anchor)", f"{label}: one torch.export, Dim.AUTO")


if __name__ == "__main__":
    main()
