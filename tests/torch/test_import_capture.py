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
    from skipcheck.core.errors import SkipcheckError
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
    from skipcheck.core.errors import SkipcheckError
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


class _EvenAfterHalving(nn.Module):
    """MONAI RegUNet's RegistrationDownSampleBlock: ``if i % 2 != 0: raise`` on the input and
    again on the halved map, so H % 4 is 0 or 1 — a set of residues, one `%!=` per residue
    excluded."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = nn.Conv2d(4, 4, 2, stride=2)

    @staticmethod
    def _even(x: torch.Tensor) -> None:
        for i in x.shape[2:]:
            if i % 2 != 0:
                raise ValueError("expecting x spatial dimensions be even")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._even(x)
        x = self.down(self.stem(x))
        self._even(x)
        return x


PATTERNS = {
    "divisible_check": (_DivisibleBy16, ["H % 16 == 0", "W % 16 == 0"]),
    "len_shape": (_LenShape, []),
    "shape_arithmetic": (_ShapeArithmetic, []),
    "numpy_shape": (_NumpyShape, []),
    "as_tensor_check": (_AsTensorCheck, ["H % 8 == 0", "W % 8 == 0"]),
    "size_compare": (_SizeCompare, ["H % 2 == 0", "W % 2 == 0"]),
    "minimum_size": (_MinimumSize, ["H >= 24", "W >= 24"]),
    "even_after_halving": (
        _EvenAfterHalving,
        ["H % 2 == 0", "W % 2 == 0", "H % 4 != 2", "H % 4 != 3", "W % 4 != 2", "W % 4 != 3"],
    ),
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
        sp = [0, 0, 0, 0]
        for i in range(2):
            if x.shape[-i - 1] != y.shape[-i - 1]:
                sp[i * 2 + 1] = 1
        y = F.pad(y, sp, "replicate")
        return torch.cat([x, y], dim=1)


def test_a_pad_chosen_by_the_sizes_is_align_pad_proven_on_both_sides() -> None:
    got = import_model(_PadIfOdd(), (1, 3, 64, 64), name="m", source="test")
    assert "align: pad" in got.text and "require:" not in got.text
    # traced where the pad is taken (an odd size), proven at 64 as well
    assert "input: [1, 3, 65, 65]" in got.text
    assert any(line.startswith("1x3x64x64: both run") for line in got.report)
    assert _spec_heights(got.text, 80) == _meta_heights(_PadIfOdd(), 3, 65, 80)


class _BigOrSmall(nn.Module):
    """A path the spec cannot follow: the size picks a layer with other channels."""

    def __init__(self) -> None:
        super().__init__()
        self.small = nn.Conv2d(3, 4, 3, padding=1)
        self.big = nn.Conv2d(3, 8, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.shape[-1] > 100:
            return self.big(x)
        return self.small(x)


def test_a_branch_on_the_input_size_is_refused_at_the_users_line() -> None:
    from skipcheck.torch.importer import CannotMap

    with pytest.raises(CannotMap) as caught:
        import_model(_BigOrSmall(), (1, 3, 64, 64), name="m", source="test")
    message = str(caught.value)
    line = _line_of(_BigOrSmall, "if x.shape[-1] > 100")
    assert f"at test_import_capture.py:{line} in _BigOrSmall.forward" in message
    assert "the model branches on its input size" in message
    assert "at 1x3x64x101 the model runs another" in message


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
    from skipcheck.draw import picture
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
    # draw finds the U in the graph (down in resolution and back up, long skips between
    # equal resolutions): the sections are for the reader
    assert picture(result).kind == "u"


def test_a_classifier_keeps_layers() -> None:
    from tests.torch import tv_models as tv

    got = import_model(tv.resnet18(width=4), (1, 3, 64, 64), name="r", source="test")
    assert "\nlayers:\n" in got.text and "\nencoder:\n" not in got.text


class _ResizeIfUNet(nn.Module):
    """aladdinpersson's U-Net: ``if x.shape != skip.shape: x = resize(x, skip.shape[2:])``.
    At sizes where the shapes agree the trace takes the short path; the importer traces the
    other side too, where the resize is taken, and keeps the spec that agrees with both."""

    def __init__(self) -> None:
        super().__init__()
        self.enc = nn.Conv2d(3, 4, 3, padding=1)
        self.pool = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(4, 4, 3, padding=1)
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)
        self.dec = nn.Conv2d(8, 2, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.enc(x)
        y = self.up(self.mid(self.pool(skip)))
        if y.shape != skip.shape:
            y = F.interpolate(y, size=skip.shape[2:])
        return self.dec(torch.cat([skip, y], dim=1))


def test_an_if_on_sizes_whose_other_side_is_general_imports_that_side() -> None:
    model = _ResizeIfUNet()
    got = import_model(model, (1, 3, 64, 64), name="m", source="test")
    assert "align: interpolate" in got.text
    assert "require:" not in got.text  # a path, not a requirement
    assert any("(the other side of test_import_capture.py:" in line for line in got.report)
    assert _spec_heights(got.text, 80) == _meta_heights(_ResizeIfUNet(), 3, 64, 80)


class _CropUp(nn.Module):
    """jvanvugt/pytorch-unet's up block: the bridge cropped, centred, to the upsampled size."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.up = nn.ConvTranspose2d(c_in, c_out, kernel_size=2, stride=2)
        self.conv = nn.Conv2d(c_in, c_out, 3)

    def center_crop(self, layer: torch.Tensor, target_size: torch.Size) -> torch.Tensor:
        _, _, layer_height, layer_width = layer.size()
        diff_y = (layer_height - target_size[0]) // 2
        diff_x = (layer_width - target_size[1]) // 2
        return layer[:, :, diff_y : (diff_y + target_size[0]), diff_x : (diff_x + target_size[1])]

    def forward(self, x: torch.Tensor, bridge: torch.Tensor) -> torch.Tensor:
        up = self.up(x)
        return self.conv(torch.cat([up, self.center_crop(bridge, up.shape[2:])], 1))


class _CropUNet(nn.Module):
    """The original U-Net's unpadded convs: every level loses pixels, the skip is cropped."""

    def __init__(self) -> None:
        super().__init__()
        self.enc1 = nn.Conv2d(1, 4, 3)
        self.enc2 = nn.Conv2d(4, 8, 3)
        self.pool = nn.MaxPool2d(2)
        self.up = _CropUp(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        e1 = self.enc1(x)
        return self.up(self.enc2(self.pool(e1)), e1)


def test_a_skip_cropped_to_the_running_size_is_align_center_crop() -> None:
    model = _CropUNet()
    got = import_model(model, None, name="m", source="test")
    assert "align: center_crop" in got.text
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert _spec_heights(got.text, 80) == _meta_heights(_CropUNet(), 1, 64, 80)


class _EinopsFlatten(nn.Module):
    """What einops' ``rearrange(x, 'b c h w -> b (c h w)')`` runs on torch: a reshape to sizes
    computed from the tensor's own (einops itself is not a dependency of the tests)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(2)
        self.fc = nn.Linear(16, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.pool(self.conv(x))
        b, c, h, w = y.shape
        return self.fc(y.reshape([b, c * h * w]))


def test_an_einops_style_flatten_is_flatten() -> None:
    model = _EinopsFlatten()
    got = import_model(model, None, name="m", source="test")
    assert "- flatten" in got.text
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert _spec_heights(got.text, 64) == _meta_heights(_EinopsFlatten(), 3, 64, 64)


def test_the_cli_imports_without_an_input_size(tmp_path: object) -> None:
    from pathlib import Path

    from typer.testing import CliRunner

    from skipcheck.cli import app

    folder = Path(str(tmp_path))
    source = folder / "net.py"
    source.write_text(
        "import torch\n"
        "from torch import nn\n\n"
        "class Net(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3, padding=1)\n\n"
        "    def forward(self, x):\n"
        "        h, w = x.shape[2:]\n"
        "        if h % 32 or w % 32:\n"
        "            raise ValueError('multiples of 32')\n"
        "        return self.conv(x)\n"
    )
    out = folder / "net.yaml"
    result = CliRunner().invoke(app, ["import", f"{source}:Net", "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert "input: [1, 3, 256, 256]" in text
    assert (
        '- {condition: "H % 32 == 0", source: "net.py:11 in Net.forward: if h % 32 or w % 32:"}'
        in text
    )
    checked = CliRunner().invoke(app, ["validate", str(out), "--input", "1x3x250x256"])
    assert checked.exit_code == 1
    assert "SC108 the model requires H % 32 == 0 (net.py:11 in Net.forward" in checked.output


class _StackSum(nn.Module):
    """smp's FPN MergeBlock (policy "add"): ``torch.stack(features).sum(dim=0)``."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Conv2d(3, 4, 3, padding=1)
        self.b = nn.Conv2d(3, 4, 1)
        self.c = nn.Conv2d(3, 4, 5, padding=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.stack([self.a(x), self.b(x), self.c(x)]).sum(dim=0)


def test_a_sum_of_stacked_feature_maps_is_one_add() -> None:
    model = _StackSum()
    got = import_model(model, None, name="m", source="test")
    assert "add:" in got.text
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert _spec_heights(got.text, 40) == _meta_heights(_StackSum(), 3, 40, 40)


class _PatchTokens(nn.Module):
    """A ViT's patch embedding: conv, then ``flatten(2).transpose(1, 2)`` into tokens."""

    def __init__(self) -> None:
        super().__init__()
        self.proj = nn.Conv2d(3, 8, 4, stride=4)
        self.norm = nn.LayerNorm(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.norm(self.proj(x).flatten(2).transpose(1, 2))


def test_a_token_layout_is_refused_with_the_reason() -> None:
    from skipcheck.torch.importer import CannotMap

    with pytest.raises(CannotMap) as caught:
        import_model(_PatchTokens(), (1, 3, 32, 32), name="m", source="test")
    message = str(caught.value)
    assert "Tensor.transpose in the model itself (_PatchTokens)" in message
    assert "a token layout (ViT's patches, Swin's windows)" in message


class _FixedGrid(nn.Module):
    """A transformer's fixed patch grid: timm's ``_assert(H == self.img_size[0], ...)``."""

    def __init__(self) -> None:
        super().__init__()
        self.img_size = (224, 224)
        self.proj = nn.Conv2d(3, 8, 16, stride=16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        _, _, h, w = x.shape
        if h != self.img_size[0] or w != self.img_size[1]:
            raise ValueError(f"Input size ({h}*{w}) doesn't match model ({self.img_size}).")
        return self.proj(x)


def test_a_fixed_input_size_is_found_and_required() -> None:
    got = import_model(_FixedGrid(), None, name="vit", source="test")
    assert "input: [1, 3, 224, 224]" in got.text  # 256 does not run: the next size tried
    assert '- {condition: "H == 224"' in got.text and '- {condition: "W == 224"' in got.text
    assert _spec_heights(got.text, 300) == _meta_heights(_FixedGrid(), 3, 224, 300) == {224}
