"""Each op's shape rule as a table of (spec layer, input, expected output), cross-checked
against torch's own layers on the meta device when torch is installed."""

from __future__ import annotations

import pytest

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate

CASES = [
    # (layer yaml, input shape, expected output shape)
    ("conv: {out_channels: 8, kernel_size: 3}", [1, 3, 32, 32], [1, 8, 30, 30]),
    (
        "conv: {out_channels: 8, kernel_size: 3, padding: 1, stride: 2}",
        [1, 3, 33, 32],
        [1, 8, 17, 16],
    ),
    (
        "conv: {out_channels: 8, kernel_size: [3, 5], padding: [1, 2]}",
        [2, 3, 20, 21],
        [2, 8, 20, 21],
    ),
    ("conv: {out_channels: 8, kernel_size: 3, dilation: 2}", [1, 3, 20, 20], [1, 8, 16, 16]),
    ("conv: {out_channels: 8, kernel_size: 4, padding: same}", [1, 3, 19, 20], [1, 8, 19, 20]),
    ("conv: {out_channels: 8, kernel_size: 3, padding: valid}", [1, 3, 19], [1, 8, 17]),
    ("conv: {out_channels: 6, kernel_size: 3, groups: 3}", [1, 3, 9, 9, 9], [1, 6, 7, 7, 7]),
    (
        "conv_transpose: {out_channels: 4, kernel_size: 2, stride: 2}",
        [1, 8, 28, 28],
        [1, 4, 56, 56],
    ),
    (
        "conv_transpose: {out_channels: 4, kernel_size: 3, stride: 2, padding: 1, output_padding: 1}",
        [1, 8, 7, 7],
        [1, 4, 14, 14],
    ),
    ("conv_transpose: {out_channels: 4, kernel_size: 3, dilation: 2}", [1, 8, 5], [1, 4, 9]),
    ("maxpool: 2", [1, 3, 255, 255], [1, 3, 127, 127]),
    ("maxpool: {kernel_size: 3, stride: 2, padding: 1}", [1, 3, 112, 112], [1, 3, 56, 56]),
    ("maxpool: {kernel_size: 2, ceil_mode: true}", [1, 3, 255, 255], [1, 3, 128, 128]),
    ("maxpool: {kernel_size: 3, stride: 2, ceil_mode: true}", [1, 3, 6, 6], [1, 3, 3, 3]),
    ("maxpool: {kernel_size: 2, stride: 2, padding: 1, ceil_mode: true}", [1, 1, 5], [1, 1, 3]),
    ("maxpool: {kernel_size: 3, dilation: 2}", [1, 3, 11, 11], [1, 3, 3, 3]),
    ("avgpool: {kernel_size: 3, stride: 1, padding: 1}", [1, 3, 10, 10], [1, 3, 10, 10]),
    ("avgpool: {kernel_size: 2, ceil_mode: true}", [1, 3, 7, 7, 7], [1, 3, 4, 4, 4]),
    ("adaptive_avgpool: [7, 7]", [1, 3, 30, 20], [1, 3, 7, 7]),
    ("adaptive_maxpool: 3", [1, 3, 30], [1, 3, 3]),
    ("global_avgpool", [1, 3, 30, 20], [1, 3, 1, 1]),
    ("upsample: {scale_factor: 2}", [1, 3, 63, 64], [1, 3, 126, 128]),
    ("upsample: {scale_factor: 1.5, mode: bilinear}", [1, 3, 7, 9], [1, 3, 10, 13]),
    ("upsample: {scale_factor: 0.5, mode: nearest}", [1, 3, 7, 9], [1, 3, 3, 4]),
    (
        "upsample: {size: [10, 12], mode: bicubic, align_corners: true}",
        [1, 3, 7, 9],
        [1, 3, 10, 12],
    ),
    ("upsample: {scale_factor: 2, mode: trilinear}", [1, 3, 4, 5, 6], [1, 3, 8, 10, 12]),
    ("pixel_shuffle: 2", [1, 12, 8, 8], [1, 3, 16, 16]),
    ("pixel_unshuffle: 2", [1, 3, 8, 8], [1, 12, 4, 4]),
    ("batchnorm", [1, 3, 8, 8], [1, 3, 8, 8]),
    ("groupnorm: 2", [1, 4, 8, 8], [1, 4, 8, 8]),
    ("layernorm", [1, 4, 8, 8], [1, 4, 8, 8]),
    ("flatten", [2, 4, 8, 8], [2, 256]),
    ("crop: 2", [1, 4, 8, 9], [1, 4, 4, 5]),
    ("pad: [1, 2, 3, 4]", [1, 4, 8, 9], [1, 4, 15, 12]),
    ("prelu: 4", [1, 4, 8, 8], [1, 4, 8, 8]),
]


def run(spec_file, layer: str, shape: list[int]):
    text = f"skipcheck: 1\ninput: {shape}\nlayers:\n  - {layer}\n"
    table = propagate(graph_of(spec_file(text)))
    return table


@pytest.mark.parametrize(("layer", "shape", "expected"), CASES)
def test_shape_rule(spec_file, layer: str, shape: list[int], expected: list[int]) -> None:
    table = run(spec_file, layer, shape)
    assert not table.errors, table.errors
    assert table.shape_of(1) == "×".join(map(str, expected))


ERRORS = [
    ("conv: {out_channels: 8, kernel_size: 5}", [1, 3, 4, 8], "SC103"),
    ("conv: {out_channels: 8, kernel_size: 3, groups: 2}", [1, 3, 8, 8], "SC104"),
    ("conv: {out_channels: 8, kernel_size: 3, stride: 2, padding: same}", [1, 3, 8, 8], "SC106"),
    (
        "conv_transpose: {out_channels: 8, kernel_size: 3, stride: 2, output_padding: 2}",
        [1, 3, 8, 8],
        "SC106",
    ),
    ("maxpool: {kernel_size: 2, padding: 2}", [1, 3, 8, 8], "SC106"),
    ("maxpool: 4", [1, 3, 3, 8], "SC103"),
    ("groupnorm: 3", [1, 4, 8, 8], "SC104"),
    ("pixel_shuffle: 2", [1, 6, 8, 8], "SC104"),
    ("pixel_unshuffle: 2", [1, 3, 7, 8], "SC106"),
    ("upsample: {scale_factor: 2, mode: bilinear}", [1, 3, 8], "SC106"),
    ("upsample: {scale_factor: 2, align_corners: true}", [1, 3, 8, 8], "SC106"),
    ("upsample: {scale_factor: 0.1}", [1, 3, 8, 8], "SC103"),
    ("prelu: 3", [1, 4, 8, 8], "SC106"),
]


@pytest.mark.parametrize(("layer", "shape", "code"), ERRORS)
def test_errors(spec_file, layer: str, shape: list[int], code: str) -> None:
    table = run(spec_file, layer, shape)
    assert [d.code for d in table.errors] == [code]


def _torch_layer(torch, layer: str, shape: list[int]):
    """The torch module (or function) the spec layer stands for."""
    import yaml

    ((name, args),) = yaml.safe_load(layer if ":" in layer else f"{layer}: null").items()
    nn = torch.nn
    rank = len(shape) - 2
    c = shape[1]
    if not isinstance(args, dict):
        args = {} if args is None else {"_": args}
    if name == "conv":
        return getattr(nn, f"Conv{rank}d")(c, **args)
    if name == "conv_transpose":
        return getattr(nn, f"ConvTranspose{rank}d")(c, **args)
    if name in ("maxpool", "avgpool"):
        cls = getattr(nn, f"{'Max' if name == 'maxpool' else 'Avg'}Pool{rank}d")
        return cls(**args) if "_" not in args else cls(args["_"])
    if name in ("adaptive_avgpool", "adaptive_maxpool"):
        return getattr(nn, f"Adaptive{'Avg' if 'avg' in name else 'Max'}Pool{rank}d")(args["_"])
    if name == "global_avgpool":
        return getattr(nn, f"AdaptiveAvgPool{rank}d")(1)
    if name == "upsample":
        return nn.Upsample(**args)
    if name == "pixel_shuffle":
        return nn.PixelShuffle(args["_"])
    if name == "pixel_unshuffle":
        return nn.PixelUnshuffle(args["_"])
    if name == "batchnorm":
        return getattr(nn, f"BatchNorm{rank}d")(c)
    if name == "groupnorm":
        return nn.GroupNorm(args["_"], c)
    if name == "layernorm":
        return nn.LayerNorm(shape[1:])
    if name == "flatten":
        return nn.Flatten()
    if name == "crop":
        m = args["_"]
        return lambda x: x[..., m:-m, m:-m]
    if name == "pad":
        return nn.ConstantPad2d(tuple(args["_"]), 0.0)
    if name == "prelu":
        return nn.PReLU(args["_"])
    raise AssertionError(name)


@pytest.mark.parametrize(("layer", "shape", "expected"), CASES)
def test_torch_agrees(layer: str, shape: list[int], expected: list[int]) -> None:
    torch = pytest.importorskip("torch")
    module = _torch_layer(torch, layer, shape)
    with torch.device("meta"):
        if isinstance(module, torch.nn.Module):
            module = module.to("meta")
        out = module(torch.empty(*shape, device="meta"))
    assert list(out.shape) == expected


@pytest.mark.parametrize(("layer", "shape", "code"), ERRORS)
def test_torch_refuses_too(layer: str, shape: list[int], code: str) -> None:
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, ValueError, NotImplementedError)):
        module = _torch_layer(torch, layer, shape)
        x = torch.empty(*shape, device="cpu")
        module(x)
