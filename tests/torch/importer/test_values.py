"""`skipcheck import` on the ways real networks compute with their own parameters and sizes:
a layer scale (``x * self.gamma[:, None, None]``), layers called functionally with a module's
own weights, TensorFlow's 'SAME' padding computed at run time, layers in a channels-last view
(torchvision's ``Permute``), channel splits, ShuffleNet's channel shuffle, and MONAI's
``torch.as_tensor`` around a channel pad. Each is a small hand-written model in the style of
the library it stands for, with torch as the referee: the import succeeds, the parameter
count is the model's, the heights ``skipcheck sizes`` derives are the heights where torch
runs the original model, and the output shapes are torch's."""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from skipcheck.check import Options, check_spec  # noqa: E402
from skipcheck.torch.importer import import_model  # noqa: E402
from skipcheck.torch.importer.capture import CannotMap  # noqa: E402
from tests.torch.import_reference import spec_heights  # noqa: E402

HI = 72  # heights 1..HI, brute force (the width held at the example's)


def _zeros(model: nn.Module, *shape: int) -> torch.Tensor:
    # the import leaves the model on the meta device
    return torch.zeros(*shape, device=next(model.parameters()).device)


def _torch_heights(model: nn.Module, shape: tuple[int, ...]) -> set[int]:
    runs = set()
    with torch.no_grad():
        for h in range(1, HI + 1):
            try:
                out = model(_zeros(model, shape[0], shape[1], h, *shape[3:]))
            except (RuntimeError, ValueError, IndexError):
                continue
            if out.numel() > 0:
                runs.add(h)
    return runs


def _referee(model: nn.Module, shape: tuple[int, ...]) -> str:
    """Import ``model`` and hold the spec against torch; the spec's text."""
    model = model.eval()
    got = import_model(model, shape, name="m", source="test")
    assert got.parameters == sum(p.numel() for p in model.parameters())
    heights = _torch_heights(model, shape)
    assert heights, "the model runs at no height: the example is wrong"
    assert spec_heights(got.text, HI) == heights
    ordered = sorted(heights)
    for h in {ordered[0], ordered[len(ordered) // 2], ordered[-1]}:
        at = (shape[0], shape[1], h, *shape[3:])
        result = check_spec("m", Options(input_shape=at), text=got.text)
        with torch.no_grad():
            want = tuple(model(_zeros(model, *at)).shape)
        assert result.output_shape() == "×".join(map(str, want)), h
    return got.text


# -- 1. a module's own parameters used as values -------------------------------------------


class _LayerNorm2d(nn.LayerNorm):
    """timm's LayerNorm2d."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x.permute(0, 2, 3, 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, 3, 1, 2)


class _ConvNeXtBlock(nn.Module):
    """timm's ConvNeXtBlock (conv_mlp, convnext_atto): ``x.mul(self.gamma.reshape(1, -1, 1, 1))``;
    ``style`` picks another way models write the same layer scale."""

    def __init__(self, c: int, style: str) -> None:
        super().__init__()
        self.style = style
        self.conv_dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = _LayerNorm2d(c, eps=1e-6)
        self.fc1 = nn.Conv2d(c, 4 * c, 1)
        self.fc2 = nn.Conv2d(4 * c, c, 1)
        shape = (c, 1, 1) if style == "torchvision" else (c,)
        self.gamma = nn.Parameter(1e-6 * torch.ones(shape))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc2(F.gelu(self.fc1(self.norm(self.conv_dw(x)))))
        if self.style == "reshape":
            y = y.mul(self.gamma.reshape(1, -1, 1, 1))
        elif self.style == "index":
            y = y * self.gamma[:, None, None]
        elif self.style == "torchvision":
            y = self.gamma * y
        else:  # timm's LayerScale2d, in place
            y = y.mul_(self.gamma.view(1, -1, 1, 1))
        return y + x


class _TimmLinear(nn.Linear):
    """timm's Linear: ``F.linear(x, self.weight, self.bias)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class _BatchNormAct2d(nn.BatchNorm2d):
    """timm's BatchNormAct2d: ``F.batch_norm`` with the module's own statistics and weights."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.batch_norm(
            x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.1, self.eps
        )
        return F.relu(x)


class _FunctionalConv(nn.Conv2d):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, self.stride, self.padding, 1, self.groups)


class _FunctionalGroupNorm(nn.GroupNorm):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.group_norm(x, self.num_groups, self.weight, self.bias, self.eps)


class _LayerScaleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = _FunctionalConv(3, 8, 4, stride=4)
        self.bn = _BatchNormAct2d(8)
        self.blocks = nn.Sequential(
            *(_ConvNeXtBlock(8, s) for s in ("reshape", "index", "torchvision", "inplace"))
        )
        self.gn = _FunctionalGroupNorm(2, 8)
        self.head = _TimmLinear(8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.gn(self.blocks(self.bn(self.stem(x))))
        return self.head(x.mean((2, 3)))


def test_a_layer_scale_and_functional_layers_with_the_modules_own_weights() -> None:
    text = _referee(_LayerScaleNet(), (1, 3, 32, 32))
    assert text.count("- channel_scale") == 4
    assert "- linear: {in_features: 8, out_features: 5}  # head (torch.linear)" in text
    assert "- batchnorm: {num_features: 8}  # bn (F.batch_norm)" in text
    assert "- groupnorm: {num_groups: 2}  # gn (F.group_norm)" in text


class _ScalarGate(nn.Module):
    """SAGAN's attention gate: ``self.gamma * y`` with one learnable number."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.gamma = nn.Parameter(torch.zeros(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gamma * self.conv(x)


def test_a_parameter_that_is_not_one_value_per_channel_is_refused_with_its_shape() -> None:
    with pytest.raises(CannotMap) as caught:
        import_model(_ScalarGate(), (1, 3, 16, 16), name="m", source="test")
    message = str(caught.value)
    assert "the tensor gamma in the model itself (_ScalarGate)" in message
    assert "a parameter of shape [1] multiplies a tensor of shape [1, 4, 16, 16]" in message
    assert "channel_scale" in message


class _BufferScale(nn.Module):
    """A fixed per-channel factor kept as a buffer: no learnable value, no channel_scale."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.register_buffer("factor", torch.ones(4, 1, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) * self.factor


def test_a_buffer_times_a_tensor_is_refused_as_a_buffer() -> None:
    with pytest.raises(CannotMap, match=r"a buffer of shape \[4, 1, 1\] multiplies"):
        import_model(_BufferScale(), (1, 3, 16, 16), name="m", source="test")


# -- 2. TensorFlow's 'SAME' padding computed at run time -----------------------------------


def _get_same_padding(x: int, kernel_size: int, stride: int, dilation: int) -> int:
    """timm's get_same_padding, as timm writes it."""
    return max((math.ceil(x / stride) - 1) * stride + (kernel_size - 1) * dilation + 1 - x, 0)


def _pad_same(
    x: torch.Tensor,
    kernel_size: tuple[int, ...],
    stride: tuple[int, ...],
    dilation: tuple[int, ...] = (1, 1),
    value: float = 0,
) -> torch.Tensor:
    """timm's pad_same."""
    ih, iw = x.size()[-2:]
    pad_h = _get_same_padding(ih, kernel_size[0], stride[0], dilation[0])
    pad_w = _get_same_padding(iw, kernel_size[1], stride[1], dilation[1])
    return F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2), value=value)


class _Conv2dSame(nn.Conv2d):
    """timm's Conv2dSame (tf_efficientnet_*, tf_mixnet_*)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _pad_same(x, self.weight.shape[-2:], self.stride, self.dilation)
        return F.conv2d(x, self.weight, self.bias, self.stride, (0, 0), self.dilation, self.groups)


class _MaxPool2dSame(nn.MaxPool2d):
    """timm's MaxPool2dSame: pads with -inf."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = _pad_same(x, (self.kernel_size,) * 2, (self.stride,) * 2, value=-float("inf"))
        return F.max_pool2d(x, self.kernel_size, self.stride, (0, 0), 1, self.ceil_mode)


class _SameNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = _Conv2dSame(3, 8, 3, stride=2, bias=False)
        self.dw = _Conv2dSame(8, 8, 5, stride=2, groups=8)
        self.pw = _Conv2dSame(8, 8, 1, stride=2)  # a window smaller than its stride
        self.dilated = _Conv2dSame(8, 8, 3, dilation=2)
        self.even = _Conv2dSame(8, 8, (4, 2), stride=3)
        self.pool = _MaxPool2dSame(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.dilated(self.pw(self.dw(self.stem(x))))
        return self.pool(self.even(x))


def test_tf_same_padding_is_pad_same_and_its_sizes_are_torchs() -> None:
    text = _referee(_SameNet(), (1, 3, 40, 37))
    assert "- pad_same: {kernel_size: 3, stride: 2}  # stem (F.pad)" in text
    assert "- pad_same: {kernel_size: 5, stride: 2}" in text
    assert "- pad_same: {kernel_size: [4, 2], stride: 3}" in text
    assert "- pad_same: {kernel_size: 3, dilation: 2}" in text
    assert "- pad_same: {kernel_size: 1, stride: 2}" in text
    assert "- pad_same: {kernel_size: 3, stride: 2, fill: lowest}  # pool (F.pad)" in text
    assert "require:" not in text  # max(pad, 0) is the rule, not a condition on the input


class _OtherPad(nn.Module):
    """Padding from the size by another rule (to a multiple of 3)."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        return self.conv(F.pad(x, (0, (3 - w % 3) % 3, 0, (3 - h % 3) % 3)))


def test_padding_from_the_size_by_another_rule_is_refused() -> None:
    with pytest.raises(CannotMap, match="by a rule other than TensorFlow's 'SAME'"):
        import_model(_OtherPad(), (1, 3, 16, 16), name="m", source="test")


# -- 3. layers in a channels-last view (torchvision's ConvNeXt) -----------------------------


class _Permute(nn.Module):
    """torchvision.ops.misc.Permute."""

    def __init__(self, dims: list[int]) -> None:
        super().__init__()
        self.dims = dims

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.permute(x, self.dims)


class _StochasticDepth(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class _CNBlock(nn.Module):
    """torchvision's CNBlock: Permute → LayerNorm → Linear → GELU → Linear → Permute, times a
    layer scale of shape (C, 1, 1)."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.block = nn.Sequential(
            nn.Conv2d(c, c, 7, padding=3, groups=c),
            _Permute([0, 2, 3, 1]),
            nn.LayerNorm(c, eps=1e-6),
            nn.Linear(c, 4 * c),
            nn.GELU(),
            nn.Linear(4 * c, c),
            _Permute([0, 3, 1, 2]),
        )
        self.layer_scale = nn.Parameter(torch.ones(c, 1, 1) * 1e-6)
        self.stochastic_depth = _StochasticDepth()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stochastic_depth(self.layer_scale * self.block(x)) + x


class _TimmMlpBlock(nn.Module):
    """timm's ConvNeXtBlock without conv_mlp: ``x.permute(0, 2, 3, 1)``, a LayerNorm that calls
    F.layer_norm, an Mlp of Linears, the permute back, then the layer scale."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv_dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.norm = _TimmLayerNorm(c, eps=1e-6)
        self.fc1 = nn.Linear(c, 2 * c)
        self.act = nn.GELU()
        self.fc2 = _TimmLinear(2 * c, c)
        self.gamma = nn.Parameter(torch.ones(c))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv_dw(x).permute(0, 2, 3, 1)
        y = self.fc2(self.act(self.fc1(self.norm(y))))
        y = y.permute(0, 3, 1, 2)
        return y.mul(self.gamma.reshape(1, -1, 1, 1)) + x


class _TimmLayerNorm(nn.LayerNorm):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)


class _ChannelsLastNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 4, stride=4)
        self.cn = _CNBlock(8)
        self.down = nn.Conv2d(8, 16, 2, stride=2)
        self.mlp = _TimmMlpBlock(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mlp(self.down(self.cn(self.stem(x))))


def test_layers_in_a_channels_last_view_are_the_layers_on_the_channels() -> None:
    text = _referee(_ChannelsLastNet(), (1, 3, 32, 32))
    assert "- channel_layernorm: {eps: 1.0e-06}  # cn.block.2 (LayerNorm)" in text
    assert (
        "- conv: {in_channels: 8, out_channels: 32, kernel_size: 1}  # cn.block.3 (Linear)" in text
    )
    assert (
        "- conv: {in_channels: 32, out_channels: 16, kernel_size: 1}  # mlp.fc2 (torch.linear)"
        in text
    )
    assert text.count("- channel_scale") == 2


class _TokenMix(nn.Module):
    """A softmax over the positions of a channels-last view: not a layer on the channels."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.softmax(x.permute(0, 2, 3, 1), dim=1).permute(0, 3, 1, 2)


def test_what_mixes_positions_in_a_channels_last_view_is_refused() -> None:
    with pytest.raises(CannotMap, match="reads a channels-last view"):
        import_model(_TokenMix(), (1, 3, 8, 8), name="m", source="test")


# -- 4. channel splits and ShuffleNet's channel shuffle ------------------------------------


def _channel_shuffle(x: torch.Tensor, groups: int) -> torch.Tensor:
    """torchvision's channel_shuffle."""
    batchsize, num_channels, height, width = x.size()
    channels_per_group = num_channels // groups
    x = x.view(batchsize, groups, channels_per_group, height, width)
    x = torch.transpose(x, 1, 2).contiguous()
    return x.view(batchsize, num_channels, height, width)


class _ShuffleUnit(nn.Module):
    """torchvision's InvertedResidual (stride 1): chunk, a branch on one half, cat, shuffle."""

    def __init__(self, c: int) -> None:
        super().__init__()
        half = c // 2
        self.branch2 = nn.Sequential(
            nn.Conv2d(half, half, 1),
            nn.Conv2d(half, half, 3, padding=1, groups=half),
            nn.ReLU(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1, x2 = x.chunk(2, dim=1)
        return _channel_shuffle(torch.cat((x1, self.branch2(x2)), dim=1), 2)


class _CrossStage(nn.Module):
    """timm's CrossStage (cspresnet): split, blocks on one part, cat; and a slice."""

    def __init__(self, c: int) -> None:
        super().__init__()
        self.blocks = nn.Sequential(nn.Conv2d(c // 2, c // 2, 3, padding=1), nn.ReLU())
        self.transition = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        xs, xb = x.split(x.shape[1] // 2, dim=1)
        y = self.transition(torch.cat([xs, self.blocks(xb)], dim=1))
        return y[:, : y.shape[1] // 2] + y.narrow(1, 4, 4)


class _ShuffleNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.unit = _ShuffleUnit(8)
        self.shuffle = nn.ChannelShuffle(4)
        self.stage = _CrossStage(8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stage(self.shuffle(self.unit(self.stem(x))))


def test_channel_splits_and_shuffles_are_channel_slice_and_channel_shuffle() -> None:
    text = _referee(_ShuffleNet(), (1, 3, 32, 32))
    assert "- channel_shuffle: {groups: 2}" in text
    assert "- channel_shuffle: {groups: 4}  # shuffle (ChannelShuffle)" in text
    assert "channel_slice: {stop: 4}" in text
    assert "channel_slice: {start: 4, stop: 8}" in text


class _GhostModule(nn.Module):
    """timm's GhostModule: a primary conv, a cheap depthwise conv on its output, both
    concatenated and cut to ``out_chs`` with ``out[:, :self.out_chs, :, :]`` — every channel
    where ``out_chs`` is even, all but the last where it is odd."""

    def __init__(self, cin: int, out_chs: int) -> None:
        super().__init__()
        self.out_chs = out_chs
        init = math.ceil(out_chs / 2)
        self.primary_conv = nn.Sequential(nn.Conv2d(cin, init, 1, bias=False), nn.ReLU())
        self.cheap_operation = nn.Sequential(
            nn.Conv2d(init, init, 3, padding=1, groups=init, bias=False), nn.ReLU()
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x1 = self.primary_conv(x)
        x2 = self.cheap_operation(x1)
        out = torch.cat([x1, x2], dim=1)
        return out[:, : self.out_chs, :, :]


class _GhostNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, stride=2)
        self.ghost1 = _GhostModule(8, 8)  # every channel: the value itself
        self.ghost2 = _GhostModule(8, 7)  # 8 made, 7 kept: a channel slice
        self.tail = nn.Sequential(nn.Conv2d(2, 4, 3, stride=2), nn.Conv2d(4, 2, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s = self.stem(x)
        return self.tail(s[:, 1:3, ...] + self.ghost2(self.ghost1(s))[:, 5:, :, :])


def test_channel_slices_written_with_whole_spatial_slices_are_channel_slices() -> None:
    # `out[:, :c, :, :]` and `x[:, a:b, ...]` index the channels only
    text = _referee(_GhostNet(), (1, 3, 32, 32))
    assert "channel_slice: {stop: 7}  # ghost2" in text
    assert "channel_slice: {start: 5, stop: 7}" in text
    assert "channel_slice: {start: 1, stop: 3}" in text
    assert "# ghost1 (operator.getitem)" not in text  # all 8 of 8 channels: nothing to write


class _TokenView(nn.Module):
    """A view of the channels as groups, used as such: not a shuffle."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.size()
        return x.view(n, 2, c // 2, h, w).sum(1)


def test_a_view_as_groups_that_is_not_a_shuffle_is_refused() -> None:
    with pytest.raises(CannotMap):
        import_model(_TokenView(), (1, 4, 8, 8), name="m", source="test")


# -- 5. MONAI's HighResBlock: torch.as_tensor around a channel pad ---------------------------


class _ChannelPad(nn.Module):
    """MONAI's ChannelPad (mode "pad"): zero channels to match the residual's."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        p1 = (c_out - c_in) // 2
        self.pad = (0, 0, 0, 0, p1, c_out - c_in - p1, 0, 0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pad(x, self.pad)


class _HighResBlock(nn.Module):
    def __init__(self, c_in: int, c_out: int, dilation: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            nn.BatchNorm2d(c_in),
            nn.ReLU(),
            nn.Conv2d(c_in, c_out, 3, padding=dilation, dilation=dilation),
        )
        self.chn_pad = _ChannelPad(c_in, c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_conv: torch.Tensor = self.layers(x)
        return x_conv + torch.as_tensor(self.chn_pad(x))


class _HighResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(1, 4, 3, padding=1)
        self.blocks = nn.Sequential(_HighResBlock(4, 4, 1), _HighResBlock(4, 9, 2))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.blocks(self.stem(x))


def test_as_tensor_of_a_tensor_is_that_tensor_and_a_channel_pad_is_channel_pad() -> None:
    text = _referee(_HighResNet(), (1, 1, 24, 24))
    assert "- channel_pad: {before: 2, after: 3}" in text
