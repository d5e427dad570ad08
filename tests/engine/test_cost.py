"""Mult-adds and memory, with torch as the referee: each op's count against
FlopCounterMode on the same layer built directly in torch, and whole models built by hand."""

from __future__ import annotations

import math

import pytest

from skipcheck.check import check_spec
from skipcheck.engine.cost import activation_bytes, compact, totals
from tests.conftest import SPECS
from tests.ops.test_shape_table import CASES, _torch_layer, run

LINEAR = [
    ("linear: 10", [4, 3, 32], [4, 3, 10]),
    ("linear: {out_features: 10, bias: false}", [2, 3, 5, 32], [2, 3, 5, 10]),
]


def _counted(torch, module, shape: list[int]) -> tuple[int, int]:
    """(FLOPs as torch counts them, bytes of the output) of one forward pass on meta."""
    from torch.utils.flop_counter import FlopCounterMode

    with torch.device("meta"):
        if isinstance(module, torch.nn.Module):
            module = module.to("meta")
        x = torch.empty(*shape, device="meta")
        with FlopCounterMode(display=False) as counter:
            out = module(x)
    return counter.get_total_flops(), out.numel() * out.element_size()


@pytest.mark.parametrize(("layer", "shape", "expected"), CASES + LINEAR)
def test_each_op_costs_what_torch_counts(
    spec_file, layer: str, shape: list[int], expected: list[int]
) -> None:
    torch = pytest.importorskip("torch")
    table = run(spec_file, layer, shape)
    if layer.startswith("linear"):
        module = torch.nn.Linear(shape[-1], expected[-1], bias="bias: false" not in layer)
    else:
        module = _torch_layer(torch, layer, shape)
    flops, out_bytes = _counted(torch, module, shape)
    assert table.mult_adds[1] * 2 == flops
    assert activation_bytes(table, 1) == out_bytes


def test_symbolic_input_has_no_cost(spec_file) -> None:
    path = spec_file(
        "skipcheck: 1\ninput: [1, 3, H, W]\nlayers:\n  - conv: {out_channels: 8, kernel_size: 3}\n"
    )
    t = totals(check_spec(path).table)
    assert t.params == 224 and t.mult_adds is None and t.activations is None


def test_known_model_totals() -> None:
    # resnet50 at 224×224: 4.09 G mult-adds and 25.6 M parameters, as published
    t = totals(check_spec(str(SPECS / "resnet50.yaml")).table)
    assert (t.params, t.mult_adds) == (25_557_032, 4_089_184_256)
    assert t.param_bytes == 4 * 25_557_032 and t.input_bytes == 3 * 224 * 224 * 4


def test_compact() -> None:
    assert compact(4_089_184_256) == "4.09G"
    assert compact(118_013_952) == "118M"
    assert compact(3_211_264, "B") == "3.21 MB"
    assert compact(512, "B") == "512 B" and compact(0) == "0" and compact(None) == "?"


def _unet(torch, base: int):
    """Ronneberger's U-Net (specs/unet_original.yaml), written directly in torch."""
    nn = torch.nn

    def double(c_in: int, c: int):
        return nn.Sequential(nn.Conv2d(c_in, c, 3), nn.ReLU(), nn.Conv2d(c, c, 3), nn.ReLU())

    def crop(t, like):
        dh, dw = (t.shape[2] - like.shape[2]) // 2, (t.shape[3] - like.shape[3]) // 2
        return t[:, :, dh : dh + like.shape[2], dw : dw + like.shape[3]]

    class UNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            widths = [base, base * 2, base * 4, base * 8, base * 16]
            self.down = nn.ModuleList(
                double(c_in, c) for c_in, c in zip([1, *widths[:-1]], widths, strict=True)
            )
            self.pool = nn.MaxPool2d(2)
            self.up = nn.ModuleList(
                nn.ConvTranspose2d(c * 2, c, 2, stride=2) for c in widths[3::-1]
            )
            self.dec = nn.ModuleList(double(c * 2, c) for c in widths[3::-1])
            self.head = nn.Conv2d(base, 2, 1)

        def forward(self, x):
            skips = []
            for k, block in enumerate(self.down):
                x = block(x if k == 0 else self.pool(x))
                skips.append(x)
            for up, dec, skip in zip(self.up, self.dec, skips[-2::-1], strict=True):
                x = up(x)
                x = dec(torch.cat([crop(skip, x), x], 1))
            return self.head(x)

    return UNet()


def test_unet_totals_equal_torch_on_a_model_built_by_hand() -> None:
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    model = _unet(torch, base=8)
    x = torch.zeros(1, 1, 188, 188)
    outputs: list[int] = []

    def keep(module, args, out) -> None:
        outputs.append(out.numel() * out.element_size())

    for m in model.modules():
        if not list(m.children()):
            m.register_forward_hook(keep)
    with FlopCounterMode(display=False) as counter:
        model(x)
    result = check_spec(
        str(SPECS / "unet_original.yaml"),
        _options(["base=8"], "1x1x188x188"),
    )
    t = totals(result.table)
    assert t.mult_adds is not None and t.mult_adds * 2 == counter.get_total_flops()
    assert t.params == sum(p.numel() for p in model.parameters())
    # every layer but the merges (torch.cat is not a module here): the same tensors
    assert result.table is not None and result.graph is not None
    merges = sum(
        activation_bytes(result.table, n.id) or 0 for n in result.graph.nodes if n.op == "concat"
    )
    assert t.activations == sum(outputs) + merges
    assert t.input_bytes == math.prod(x.shape) * 4


def _options(sets: list[str], shape: str):
    from skipcheck.check import Options

    return Options.parse(sets, shape)
