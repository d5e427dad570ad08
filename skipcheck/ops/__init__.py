"""The op registry: a plain dict from the name a spec writes to the op."""

from __future__ import annotations

from skipcheck.ops.activation import ACTIVATIONS, ChannelScale, PReLU
from skipcheck.ops.base import Op
from skipcheck.ops.conv import Conv, ConvTranspose
from skipcheck.ops.linear import (
    ChannelPad,
    ChannelShuffle,
    ChannelSlice,
    Crop,
    Flatten,
    Linear,
    Pad,
    PadSame,
    Tile,
)
from skipcheck.ops.merge import MERGE_OPS as MERGE_OPS
from skipcheck.ops.merge import MERGES
from skipcheck.ops.norm import BatchNorm, ChannelLayerNorm, GroupNorm, InstanceNorm, LayerNorm
from skipcheck.ops.pool import (
    AdaptiveMaxPool,
    AdaptivePool,
    AvgPool,
    GlobalAvgPool,
    GlobalMaxPool,
    MaxPool,
)
from skipcheck.ops.require import Require
from skipcheck.ops.resize import PixelShuffle, PixelUnshuffle, ResizeTo, Upsample

_CLASSES: tuple[type[Op], ...] = (
    Conv,
    ConvTranspose,
    MaxPool,
    AvgPool,
    AdaptivePool,
    AdaptiveMaxPool,
    GlobalAvgPool,
    GlobalMaxPool,
    Upsample,
    ResizeTo,
    PixelShuffle,
    PixelUnshuffle,
    BatchNorm,
    InstanceNorm,
    GroupNorm,
    LayerNorm,
    ChannelLayerNorm,
    *ACTIVATIONS,
    PReLU,
    ChannelScale,
    Flatten,
    Linear,
    Crop,
    Pad,
    PadSame,
    Tile,
    ChannelShuffle,
    ChannelSlice,
    ChannelPad,
    Require,
    *MERGES,
)

OPS: dict[str, Op] = {}
for _cls in _CLASSES:
    _op = _cls()
    OPS[_op.name] = _op
    for _alias in _op.aliases:
        OPS[_alias] = _op
