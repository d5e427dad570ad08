"""torch modules and functions → spec layers, as plain data (op name + params).

Only what a spec op states exactly is mapped; anything else is ``None`` here and
becomes a "cannot be mapped" error naming the module path and the op.
Parameters equal to the spec's defaults are left out, so the spec reads like code.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from skipcheck.ops import OPS
from skipcheck.ops.activation import ACTIVATIONS, Softmax

Layer = tuple[str, dict[str, Any]]


def compact(value: Any) -> Any:
    """(3, 3) → 3; tuples → lists; torch's sizes as plain ints."""
    if isinstance(value, (tuple, list)):
        items = [compact(v) for v in value]
        if items and all(v == items[0] for v in items):
            return items[0]
        return items
    return value


def _minimal(op: str, params: dict[str, Any]) -> dict[str, Any]:
    defaults = {p.name: p.default for p in OPS[op].params}
    out: dict[str, Any] = {}
    for key, value in params.items():
        value = compact(value)
        if key in defaults and value == defaults[key] and type(value) is type(defaults[key]):
            continue
        out[key] = value
    return out


def layer(op: str, **params: Any) -> Layer:
    return op, _minimal(op, params)


def _conv(m: Any) -> Layer | None:
    padding = m.padding if isinstance(m.padding, str) else compact(m.padding)
    return layer(
        "conv",
        in_channels=m.in_channels,
        out_channels=m.out_channels,
        kernel_size=m.kernel_size,
        stride=m.stride,
        padding=padding,
        dilation=m.dilation,
        groups=m.groups,
        bias=m.bias is not None,
        padding_mode=m.padding_mode,
    )


def _conv_transpose(m: Any) -> Layer | None:
    if m.padding_mode != "zeros":
        return None
    return layer(
        "conv_transpose",
        in_channels=m.in_channels,
        out_channels=m.out_channels,
        kernel_size=m.kernel_size,
        stride=m.stride,
        padding=m.padding,
        output_padding=m.output_padding,
        dilation=m.dilation,
        groups=m.groups,
        bias=m.bias is not None,
    )


def _maxpool(m: Any) -> Layer | None:
    if m.return_indices:
        return None
    return layer(
        "maxpool",
        kernel_size=m.kernel_size,
        stride=m.stride,
        padding=m.padding,
        dilation=m.dilation,
        ceil_mode=bool(m.ceil_mode),
    )


def _avgpool(m: Any) -> Layer | None:
    return layer(
        "avgpool",
        kernel_size=m.kernel_size,
        stride=m.stride,
        padding=m.padding,
        ceil_mode=bool(m.ceil_mode),
        count_include_pad=bool(m.count_include_pad),
    )


def _adaptive(op: str) -> Callable[[Any], Layer | None]:
    def make(m: Any) -> Layer | None:
        if getattr(m, "return_indices", False):
            return None
        size = m.output_size
        sizes = size if isinstance(size, tuple) else (size,)
        if all(s == 1 for s in sizes):
            return layer(f"global_{op}")
        return layer(f"adaptive_{op}", output_size=list(size) if isinstance(size, tuple) else size)

    return make


def _upsample(m: Any) -> Layer | None:
    return upsample(m.size, m.scale_factor, m.mode, m.align_corners)


def upsample(size: Any, scale: Any, mode: str, align_corners: Any) -> Layer | None:
    if size is not None:
        return layer("upsample", size=list(size) if isinstance(size, tuple) else size, mode=mode)
    if scale is None:
        return None
    scale = compact(scale)
    if isinstance(scale, float) and scale.is_integer():
        scale = int(scale)
    params: dict[str, Any] = {"scale_factor": scale, "mode": mode}
    if align_corners is not None:
        params["align_corners"] = bool(align_corners)
    return layer("upsample", **params)


def _dropout(m: Any) -> Layer | None:
    return layer("dropout", p=float(m.p))


def _linear(m: Any) -> Layer | None:
    return layer(
        "linear", in_features=m.in_features, out_features=m.out_features, bias=m.bias is not None
    )


def _const_pad(m: Any) -> Layer | None:
    return layer("pad", padding=list(m.padding), value=float(m.value))


def _mode_pad(mode: str) -> Callable[[Any], Layer | None]:
    def make(m: Any) -> Layer | None:
        return layer("pad", padding=list(m.padding), mode=mode)

    return make


def _simple(op: str, *attrs: str) -> Callable[[Any], Layer | None]:
    def make(m: Any) -> Layer | None:
        return layer(op, **{a: getattr(m, a) for a in attrs})

    return make


_STATS = ("eps", "momentum", "affine", "track_running_stats")
_NORM = {
    "batchnorm": _simple("batchnorm", "num_features", *_STATS),
    "instancenorm": _simple("instancenorm", *_STATS),
}

MODULES: dict[type, Callable[[Any], Layer | None]] = {
    nn.Conv1d: _conv,
    nn.Conv2d: _conv,
    nn.Conv3d: _conv,
    nn.ConvTranspose1d: _conv_transpose,
    nn.ConvTranspose2d: _conv_transpose,
    nn.ConvTranspose3d: _conv_transpose,
    nn.MaxPool1d: _maxpool,
    nn.MaxPool2d: _maxpool,
    nn.MaxPool3d: _maxpool,
    nn.AvgPool1d: _avgpool,
    nn.AvgPool2d: _avgpool,
    nn.AvgPool3d: _avgpool,
    nn.AdaptiveAvgPool1d: _adaptive("avgpool"),
    nn.AdaptiveAvgPool2d: _adaptive("avgpool"),
    nn.AdaptiveAvgPool3d: _adaptive("avgpool"),
    nn.AdaptiveMaxPool1d: _adaptive("maxpool"),
    nn.AdaptiveMaxPool2d: _adaptive("maxpool"),
    nn.AdaptiveMaxPool3d: _adaptive("maxpool"),
    nn.Upsample: _upsample,
    nn.UpsamplingNearest2d: _upsample,
    nn.UpsamplingBilinear2d: lambda m: upsample(m.size, m.scale_factor, "bilinear", True),
    nn.PixelShuffle: _simple("pixel_shuffle", "upscale_factor"),
    nn.PixelUnshuffle: _simple("pixel_unshuffle", "downscale_factor"),
    nn.ChannelShuffle: _simple("channel_shuffle", "groups"),
    nn.BatchNorm1d: _NORM["batchnorm"],
    nn.BatchNorm2d: _NORM["batchnorm"],
    nn.BatchNorm3d: _NORM["batchnorm"],
    nn.InstanceNorm1d: _NORM["instancenorm"],
    nn.InstanceNorm2d: _NORM["instancenorm"],
    nn.InstanceNorm3d: _NORM["instancenorm"],
    nn.GroupNorm: _simple("groupnorm", "num_groups", "eps", "affine"),
    nn.Identity: _simple("identity"),
    nn.ReLU: _simple("relu"),
    nn.ReLU6: _simple("relu6"),
    nn.LeakyReLU: _simple("leaky_relu", "negative_slope"),
    nn.ELU: _simple("elu", "alpha"),
    nn.GELU: _simple("gelu", "approximate"),
    nn.SiLU: _simple("silu"),
    nn.Sigmoid: _simple("sigmoid"),
    nn.Tanh: _simple("tanh"),
    nn.Hardswish: _simple("hardswish"),
    nn.Hardsigmoid: _simple("hardsigmoid"),
    nn.Mish: _simple("mish"),
    nn.Softplus: _simple("softplus", "beta", "threshold"),
    nn.Softmax: _simple("softmax", "dim"),
    nn.LogSoftmax: _simple("log_softmax", "dim"),
    nn.PReLU: _simple("prelu", "num_parameters"),
    nn.Dropout: _dropout,
    nn.Dropout1d: _dropout,
    nn.Dropout2d: _dropout,
    nn.Dropout3d: _dropout,
    nn.AlphaDropout: _dropout,
    nn.Flatten: _simple("flatten", "start_dim", "end_dim"),
    nn.Linear: _linear,
    nn.ZeroPad1d: _const_pad,
    nn.ZeroPad2d: _const_pad,
    nn.ZeroPad3d: _const_pad,
    nn.ConstantPad1d: _const_pad,
    nn.ConstantPad2d: _const_pad,
    nn.ConstantPad3d: _const_pad,
    nn.ReflectionPad1d: _mode_pad("reflect"),
    nn.ReflectionPad2d: _mode_pad("reflect"),
    nn.ReflectionPad3d: _mode_pad("reflect"),
    nn.ReplicationPad1d: _mode_pad("replicate"),
    nn.ReplicationPad2d: _mode_pad("replicate"),
    nn.ReplicationPad3d: _mode_pad("replicate"),
    nn.CircularPad1d: _mode_pad("circular"),
    nn.CircularPad2d: _mode_pad("circular"),
    nn.CircularPad3d: _mode_pad("circular"),
}


def module_layer(module: Any) -> Layer | None:
    """The spec layer for a leaf module, or None where no spec op states it exactly."""
    make = MODULES.get(type(module))
    if make is None:
        return None
    return make(module)


# functions that act on one tensor and keep its shape, with the spec op that says so
ACTIVATION_FUNCTIONS: dict[Any, str] = {
    F.relu: "relu",
    torch.relu: "relu",
    torch.relu_: "relu",
    F.relu6: "relu6",
    F.gelu: "gelu",
    F.silu: "silu",
    F.mish: "mish",
    F.elu: "elu",
    F.leaky_relu: "leaky_relu",
    F.hardswish: "hardswish",
    F.hardsigmoid: "hardsigmoid",
    torch.sigmoid: "sigmoid",
    F.sigmoid: "sigmoid",
    torch.tanh: "tanh",
    F.tanh: "tanh",
    F.softplus: "softplus",
}
ACTIVATION_METHODS = {
    "relu": "relu",
    "relu_": "relu",
    "sigmoid": "sigmoid",
    "sigmoid_": "sigmoid",
    "tanh": "tanh",
    "tanh_": "tanh",
}
# a tensor passed through unchanged in shape and meaning for a shape checker
PASS_METHODS = {"contiguous", "clone", "detach", "float", "half", "double", "to", "type_as"}
# torch.as_tensor of a tensor is that tensor (MONAI's HighResBlock: ``torch.as_tensor(self.chn_pad(x))``)
PASS_FUNCTIONS: set[Any] = {torch.clone, torch.as_tensor}
ADD = {operator.add, operator.iadd, torch.add}
ADD_METHODS = {"add", "add_", "__add__", "__iadd__"}
MUL = {operator.mul, operator.imul, torch.mul}
MUL_METHODS = {"mul", "mul_", "__mul__", "__imul__"}
SUB = {operator.sub, operator.isub, torch.sub}
SUB_METHODS = {"sub", "sub_", "__sub__", "__isub__"}
MAXIMUM = {torch.maximum}
CAT = {torch.cat, torch.concat, torch.concatenate}

# modules that are the identity in eval mode (stochastic depth, drop path, drop block),
# by class name: torchvision, timm and MONAI each define their own
EVAL_IDENTITIES = {"StochasticDepth", "DropPath", "DropBlock2d", "DropBlock3d", "DropPath2d"}
# functions that compute a layer from a module's own parameters, by the layer they are
FUNCTIONAL_LAYERS: dict[Any, str] = {
    F.conv1d: "conv",
    F.conv2d: "conv",
    F.conv3d: "conv",
    torch.conv1d: "conv",
    torch.conv2d: "conv",
    torch.conv3d: "conv",
    F.linear: "linear",
    F.batch_norm: "batchnorm",
    F.group_norm: "groupnorm",
}
# what attention over tokens uses: refused with that reason (no spec op states tokens)
TOKEN_METHODS = {"transpose", "permute", "matmul", "bmm", "unflatten", "softmax"}
TOKEN_FUNCTIONS: set[Any] = {torch.matmul, torch.bmm, torch.transpose, torch.einsum}
# views of a module's own parameter that keep its values (a layer scale's
# ``self.gamma.reshape(1, -1, 1, 1)``, ``self.gamma[:, None, None]``): read by the op that
# applies the parameter (``channel_scale``)
PARAM_VIEW_METHODS = {"reshape", "view", "unsqueeze", "squeeze", "flatten", *PASS_METHODS}
PARAM_VIEWS: set[Any] = {operator.getitem, torch.reshape, torch.unsqueeze, torch.squeeze}
# a tensor in parts along the channels: each part a ``channel_slice``
SPLIT_METHODS = {"split", "chunk", "tensor_split"}
SPLIT_FUNCTIONS: set[Any] = {torch.split, torch.chunk, torch.tensor_split}
# ops that act on each value alone (every activation but the softmaxes, which read an axis;
# dropout, identity): the same on a channels-last view as on channels first
ELEMENTWISE_OPS = {cls.name for cls in ACTIVATIONS if not issubclass(cls, Softmax)}
