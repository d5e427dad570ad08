"""`skipcheck import` on models that compute with their own sizes in Python, the lines of the
model's source behind every spec line, and the mappings real models need — each a small
hand-written torch model, with torch as the referee."""

from __future__ import annotations

import inspect

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from skipcheck.torch.importer import Origin, import_model  # noqa: E402


class _Skip(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.down(x))
        return torch.cat([y, x], dim=1)  # the merge's own line


def _line_of(cls: type, text: str) -> int:
    lines, first = inspect.getsourcelines(cls)
    return first + next(k for k, line in enumerate(lines) if text in line)


def test_every_layer_and_merge_names_the_users_source_line() -> None:
    got = import_model(_Skip(), (1, 3, 32, 32), name="m", source="test")
    lines = got.text.splitlines()
    concat = next(k for k, line in enumerate(lines, 1) if "- concat:" in line)
    origin = got.origins[concat]
    assert origin == Origin(
        file=__file__,
        line=_line_of(_Skip, "torch.cat([y, x]"),
        function="_Skip.forward",
        code="return torch.cat([y, x], dim=1)  # the merge's own line",
        module="",
    )
    conv = next(k for k, line in enumerate(lines, 1) if "- conv:" in line)
    assert got.origins[conv].module == "down"
    assert got.origins[conv].code == "y = self.up(self.down(x))"
    assert str(origin).startswith("test_import_capture.py:")


def _raising_factory(width: int = 4) -> nn.Module:
    weight = torch.empty(width, 3)
    return nn.Linear(3, width).to(weight @ torch.empty(2, 2))  # shapes cannot be multiplied


def test_a_factory_that_raises_shows_the_python_error_and_the_users_frame() -> None:
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch.importer import instantiate

    with pytest.raises(SkipcheckError) as caught:
        instantiate(_raising_factory, {})
    message = str(caught.value)
    assert message.startswith("calling _raising_factory(**args) raised RuntimeError: mat1")
    assert "frame #" not in message and "Exception raised from" not in message
    line = _line_of_function(_raising_factory, "weight @ torch.empty")
    assert f"(at test_import_capture.py:{line} in _raising_factory: return nn.Linear" in message


def _line_of_function(fn: object, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)  # type: ignore[arg-type]
    return first + next(k for k, line in enumerate(lines) if text in line)


def _cpp_error_factory() -> nn.Module:
    # what torch's c10 errors read like with TORCH_SHOW_CPP_STACKTRACES (torchvision's
    # "operator torchvision::nms does not exist" printed 60 frames of this)
    frames = "\n".join(f"frame #{k}: c10::fn{k}() + 0x{k:x}" for k in range(60))
    raise RuntimeError(
        "operator torchvision::nms does not exist\n"
        f"Exception raised from findSchemaOrThrow at dispatch.cpp:12 (most recent call first):\n{frames}"
    )


def test_a_cpp_backtrace_is_cut_to_the_python_message() -> None:
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch.importer import instantiate

    with pytest.raises(SkipcheckError) as caught:
        instantiate(_cpp_error_factory, {})
    message = str(caught.value)
    assert message.startswith(
        "calling _cpp_error_factory(**args) raised RuntimeError: operator torchvision::nms "
        "does not exist (at test_import_capture.py:"
    )
    assert "frame #" not in message and "c10::" not in message
    assert "in _cpp_error_factory: raise RuntimeError(" in message


# -- Python on sizes: each pattern in a small U-Net-like model, torch as the referee --------


def _meta_heights(model: nn.Module, channels: int, width: int, hi: int) -> set[int]:
    """The heights in 1..hi where torch runs the model (CPU, zeros, eval)."""
    runs = set()
    with torch.no_grad():
        for h in range(1, hi + 1):
            try:
                out = model.eval()(torch.zeros(1, channels, h, width))
            except (RuntimeError, ValueError, IndexError, AssertionError):
                continue
            if isinstance(out, dict):
                out = next(iter(out.values()))
            if isinstance(out, tuple):
                out = out[0]
            if out.numel() > 0:
                runs.add(h)
    return runs


def _spec_heights(text: str, hi: int) -> set[int]:
    from tests.torch.import_reference import spec_heights

    return spec_heights(text, hi)


class _Down(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(torch.relu(self.conv(x)))


class _DivisibleBy16(nn.Module):
    """smp's base model: ``if h % output_stride != 0 or w % output_stride != 0: raise``."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % 16 != 0 or w % 16 != 0:
            raise ValueError(f"sizes must be divisible by 16, got {h}x{w}")
        x = self.stem(x)
        return torch.cat([self.up(self.down(x)), x], dim=1)


class _LenShape(nn.Module):
    """MONAI's UpCat: ``dimensions = len(x.shape) - 2`` picks the code path."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        dimensions = len(x.shape) - 2
        y = self.down(x)
        mode = "bilinear" if dimensions == 2 else "trilinear"
        return torch.cat([x, F.interpolate(y, scale_factor=2, mode=mode)], dim=1)


class _ShapeArithmetic(nn.Module):
    """Sizes unpacked and used in Python: ``h, w = skip.shape[2:]``, then ``size=(h, w)``."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.stem(x)
        h, w = skip.shape[2:]
        y = F.interpolate(self.down(skip), size=(h, w), mode="nearest")
        return y + skip


class _NumpyShape(nn.Module):
    """``np.array(x.shape)`` for the size to resize to."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = nn.Conv2d(4, 4, 3, stride=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import numpy as np

        skip = self.stem(x)
        size = np.array(skip.shape[2:])
        y = F.interpolate(self.down(skip), size=tuple(size))
        return torch.cat([y, skip], dim=1)


class _AsTensorCheck(nn.Module):
    """``torch.as_tensor`` of a size, checked in Python."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (torch.as_tensor(x.shape[2:]) % 8 != 0).any():
            raise ValueError("the input must be a multiple of 8")
        x = self.stem(x)
        return x + F.interpolate(self.down(x), scale_factor=2)


class _SizeCompare(nn.Module):
    """``if out.size() != skip.size(): raise`` — the model's own check of its skip: even sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.stem(x)
        out = self.up(self.down(skip))
        if out.size() != skip.size():
            raise ValueError(f"{out.size()} != {skip.size()}")
        return torch.cat([out, skip], dim=1)


class _MinimumSize(nn.Module):
    """A bound: ``if h < 24 or w < 24: raise``."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        if h < 24 or w < 24:
            raise ValueError("too small")
        return self.stem(x)


PATTERNS = {
    "divisible_check": (_DivisibleBy16, ["H % 16 == 0", "W % 16 == 0"]),
    "len_shape": (_LenShape, []),
    "shape_arithmetic": (_ShapeArithmetic, []),
    "numpy_shape": (_NumpyShape, []),
    "as_tensor_check": (_AsTensorCheck, ["H % 8 == 0", "W % 8 == 0"]),
    "size_compare": (_SizeCompare, ["H % 2 == 0", "W % 2 == 0"]),
    "minimum_size": (_MinimumSize, ["H >= 24", "W >= 24"]),
}


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_python_on_sizes_imports_and_sizes_equal_brute_force(pattern: str) -> None:
    cls, requires = PATTERNS[pattern]
    model = cls()
    got = import_model(model, None, name=pattern, source="test")  # no example size given
    assert got.parameters == sum(p.numel() for p in model.parameters())
    stated = [line for line in got.text.splitlines() if line.startswith("  - {condition:")]
    assert [line.split('"')[1] for line in stated] == requires
    hi = 80
    assert _spec_heights(got.text, hi) == _meta_heights(cls(), 3, 256, hi)


def test_a_requirement_names_the_models_source_line() -> None:
    got = import_model(_DivisibleBy16(), None, name="m", source="test")
    lines = got.text.splitlines()
    at = next(k for k, line in enumerate(lines, 1) if '"H % 16 == 0"' in line)
    origin = got.origins[at]
    assert origin.function == "_DivisibleBy16.forward"
    assert origin.code == "if h % 16 != 0 or w % 16 != 0:"
    assert origin.line == _line_of(_DivisibleBy16, "if h % 16 != 0")
    assert (
        f'source: "test_import_capture.py:{origin.line} in _DivisibleBy16.forward' in lines[at - 1]
    )
    # the other sizes of the proof: where the model's own check refuses, the spec's too
    assert any(line.startswith("1x3x257x257: both fail") for line in got.report)


class _PadIfOdd(nn.Module):
    """MONAI's UpCat: ``if x_e.shape[-1] != x_0.shape[-1]: pad`` — the size picks a path."""

    def __init__(self) -> None:
        super().__init__()
        self.down = _Down(3)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.down(x))
        if y.shape[-1] != x.shape[-1]:
            y = F.pad(y, [0, 1])
        return torch.cat([x, y], dim=1)


def test_a_branch_on_the_input_size_is_refused_at_the_users_line() -> None:
    from skipcheck.torch.importer import CannotMap

    with pytest.raises(CannotMap) as caught:
        import_model(_PadIfOdd(), (1, 3, 64, 64), name="m", source="test")
    message = str(caught.value)
    line = _line_of(_PadIfOdd, "if y.shape[-1] != x.shape[-1]")
    assert f"at test_import_capture.py:{line} in _PadIfOdd.forward" in message
    assert "the model branches on its input size" in message
    assert "at 1x3x64x65 the model runs another" in message


# -- what real models use: each mapping in a small model, torch as the referee ------------


class _BatchNormAct2d(nn.BatchNorm2d):
    """timm's BatchNormAct2d: F.batch_norm with the module's own parameters, then an act."""

    def __init__(self, c: int) -> None:
        super().__init__(c)
        self.act = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.1, self.eps
        )
        return self.act(x)


class _Conv2dSame(nn.Conv2d):
    """efficientnet-pytorch's Conv2dStaticSamePadding: a pad module, then F.conv2d with the
    module's own weight."""

    def __init__(self, cin: int, cout: int, k: int, stride: int) -> None:
        super().__init__(cin, cout, k, stride=stride, bias=False)
        p = max(k - stride, 0)
        self.static_padding = nn.ZeroPad2d((p // 2, p - p // 2, p // 2, p - p // 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.static_padding(x)
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, self.dilation)


class _LayerNorm2dTorchvision(nn.LayerNorm):
    """torchvision's LayerNorm2d: permute → F.layer_norm → permute."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class _LayerNorm2dTimm(nn.LayerNorm):
    """timm's LayerNorm2d, written as one expression."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(
            x.permute(0, 2, 3, 1), self.normalized_shape, self.weight, self.bias, self.eps
        ).permute(0, 3, 1, 2)


class _StochasticDepth(nn.Module):
    """torchvision's StochasticDepth (a module by that name): the identity in eval."""

    def __init__(self, p: float) -> None:
        super().__init__()
        self.p = p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training or self.p == 0.0:
            return x
        keep = torch.empty(x.shape[0], 1, 1, 1).bernoulli_(1 - self.p)
        return x * keep / (1 - self.p)


class _DropPath(_StochasticDepth):
    """timm's DropPath."""


class _Mappings(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = _Conv2dSame(2, 8, 3, stride=2)
        self.repeat = 4  # V-Net's input transition: x.repeat(1, 4, 1, 1) of the input
        self.bn = _BatchNormAct2d(8)
        self.ln1 = _LayerNorm2dTorchvision(8, eps=1e-6)
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.ln2 = _LayerNorm2dTimm(8)
        self.sd = _StochasticDepth(0.2)
        self.dp = _DropPath(0.1)
        self.gn = nn.GroupNorm(2, 8)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None]:
        x = self.stem(x)
        tiled = x[:, :2].repeat(1, self.repeat, 1, 1) if False else None
        x = self.bn(x)
        y = self.ln1(x)
        y = self.ln2(self.conv(y))
        x = x + self.sd(y)
        x = x + self.dp(y)
        x = F.group_norm(x, 2, self.gn.weight, self.gn.bias, self.gn.eps)
        return x, tiled  # None: an output the model leaves empty in eval


class _Tile(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(2, 8, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) + x.repeat(1, 4, 1, 1)


def _outputs(model: nn.Module, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    with torch.no_grad():
        out = model.eval()(torch.zeros(*shape))
    items = out if isinstance(out, tuple) else (out,)
    return [tuple(t.shape) for t in items if t is not None]


@pytest.mark.parametrize("cls", [_Mappings, _Tile], ids=["functional_norms_identities", "tile"])
def test_mappings_import_with_torch_as_referee(cls: type) -> None:
    from skipcheck.check import Options, check_spec

    model = cls()
    got = import_model(model, None, name="m", source="test")
    assert got.parameters == sum(p.numel() for p in model.parameters())
    # the sizes skipcheck derives are torch's, height by height
    assert _spec_heights(got.text, 64) == _meta_heights(cls(), 2, 64, 64)
    # output shapes equal where both run
    for h in (17, 32, 41):
        result = check_spec("m", Options(input_shape=(1, 2, h, 64)), text=got.text)
        assert result.output_shape() == "×".join(map(str, _outputs(cls(), (1, 2, h, 64))[0]))


def test_functional_layers_and_eval_identities_are_written_as_spec_ops() -> None:
    got = import_model(_Mappings(), (1, 2, 32, 32), name="m", source="test")
    text = got.text
    assert "- pad: {padding: [0, 1, 0, 1]}  # stem.static_padding (ZeroPad2d)" in text
    assert (
        "- conv: {in_channels: 2, out_channels: 8, kernel_size: 3, stride: 2, bias: false}  # stem (torch.conv2d)"
        in text
    )
    assert "- batchnorm: {num_features: 8}  # bn (F.batch_norm)" in text
    assert "- channel_layernorm: {eps: 1.0e-06}  # ln1 (LayerNorm2d)" in text
    assert "- channel_layernorm: {}  # ln2 (LayerNorm2d)\n        name: ln2" in text
    assert "- groupnorm: {num_groups: 2}  # gn (F.group_norm)" in text
    assert "# sd" not in text and "# dp" not in text  # eval identities: nothing written
    assert "- tile: {repeats: 4}" in import_model(_Tile(), (1, 2, 8, 8), name="m", source="t").text


# -- resizes to another tensor's size with no merge right after -----------------------------


class _FCN(nn.Module):
    """torchvision's FCN: the head's output resized to the input's size, as the output."""

    def __init__(self) -> None:
        super().__init__()
        self.backbone = nn.Sequential(
            nn.Conv2d(3, 8, 3, stride=2, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 3, stride=2)
        )
        self.classifier = nn.Conv2d(8, 2, 1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        input_shape = x.shape[-2:]
        y = self.classifier(self.backbone(x))
        return {"out": F.interpolate(y, size=input_shape, mode="bilinear", align_corners=False)}


class _ASPPPooling(nn.Sequential):
    def __init__(self) -> None:
        super().__init__(nn.AdaptiveAvgPool2d(1), nn.Conv2d(8, 4, 1), nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        size = x.shape[-2:]
        for mod in self:
            x = mod(x)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)


class _ASPP(nn.Module):
    """DeepLab's ASPP: the pooled branch resized to the input's size, concatenated with four."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.convs = nn.ModuleList(
            [nn.Conv2d(8, 4, 1)] + [nn.Conv2d(8, 4, 3, padding=r, dilation=r) for r in (2, 3)]
        )
        self.pool = _ASPPPooling()
        self.project = nn.Conv2d(16, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        res = [conv(x) for conv in self.convs] + [self.pool(x)]
        return self.project(torch.cat(res, dim=1))


class _SmpLastBlock(nn.Module):
    """smp's Unet decoder: each block resizes to a target size; the last has no skip."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.enc2 = nn.Conv2d(8, 8, 3, stride=2, padding=1)
        self.dec1 = nn.Conv2d(16, 8, 3, padding=1)
        self.dec2 = nn.Conv2d(8, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        shapes = [x.shape[2:]]
        f1 = self.enc1(x)
        shapes.append(f1.shape[2:])
        f2 = self.enc2(f1)
        h, w = shapes[1]
        y = F.interpolate(f2, size=(h, w), mode="nearest")
        y = self.dec1(torch.cat([y, f1], dim=1))
        h, w = shapes[0]
        y = F.interpolate(y, size=(h, w), mode="nearest")  # no skip: resize, then convs
        return self.dec2(y)


@pytest.mark.parametrize(
    "cls", [_FCN, _ASPP, _SmpLastBlock], ids=["fcn_output", "aspp_pooling", "smp_last_block"]
)
def test_resizes_without_a_merge_import_as_resize_to(cls: type) -> None:
    from skipcheck.check import Options, check_spec

    model = cls()
    got = import_model(model, None, name="m", source="test")
    assert "resize_to:" in got.text
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert _spec_heights(got.text, 80) == _meta_heights(cls(), 3, 64, 80)
    for h in (17, 32, 45):
        result = check_spec("m", Options(input_shape=(1, 3, h, 64)), text=got.text)
        out = _outputs_any(cls(), (1, 3, h, 64))
        assert result.output_shape() == "×".join(map(str, out))


def _outputs_any(model: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    with torch.no_grad():
        out = model.eval()(torch.zeros(*shape))
    if isinstance(out, dict):
        out = next(iter(out.values()))
    return tuple(out.shape)


# -- readable specs: an encoder-decoder gets sections, and draw shows a U -------------------


def test_an_encoder_decoder_is_written_in_sections_and_drawn_as_a_u() -> None:
    from skipcheck.check import check_spec
    from skipcheck.draw import sections
    from skipcheck.draw.layout import layout
    from tests.torch.unet_models import UNet

    got = import_model(UNet(3, 2), (1, 3, 64, 64), name="unet", source="test")
    text = got.text
    assert "\nlayers:\n" not in text
    order = [text.index(f"\n{s}:\n") for s in ("encoder", "decoder", "head")]
    assert order == sorted(order)
    assert "encoder:\n  - stage: inc\n" in text
    assert "decoder:\n  - stage: up1\n" in text
    assert "head:\n  - stage: outc\n" in text
    result = check_spec("unet.yaml", text=text)
    assert result.graph is not None and result.table is not None
    found = sections(result.graph, result.lines)
    assert found["down4"] == "encoder" and found["up4"] == "decoder" and found["outc"] == "head"
    assert "decoder" in set(found.values())  # the U layout's condition
    picture = layout(result.graph, result.table, result.diagnostics, found)
    assert picture.kind == "u"


def test_a_classifier_keeps_layers() -> None:
    from tests.torch import tv_models as tv

    got = import_model(tv.resnet18(width=4), (1, 3, 64, 64), name="r", source="test")
    assert "\nlayers:\n" in got.text and "\nencoder:\n" not in got.text
