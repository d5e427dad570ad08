"""Reshaping and dense layers: flatten, linear, crop, pad, pad_same, tile, and the channel
ops: channel_shuffle, channel_slice, channel_pad."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer, as_torch, per_axis
from skipcheck.ops.conv import pad_fits
from skipcheck.ops.sizes import out_at_least_one, stated_input, taken
from skipcheck.rules import (
    ChannelSliceRange,
    FlattenAxes,
    FlattenBatch,
    FlattenOrder,
    GroupedChannels,
    PadModePairs,
    PadPairs,
)
from skipcheck.shapes.dims import Opaque, concrete, divisible, guarded
from skipcheck.shapes.periodic import Affine
from skipcheck.shapes.sizeset import OutOfFragment

PAD_LAYERS = {
    "constant": "ConstantPad",
    "reflect": "ReflectionPad",
    "replicate": "ReplicationPad",
    "circular": "CircularPad",
}

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context


def product(dims: Sequence[Any], at: dict[str, int]) -> Any:
    """C·H·W: exact while at most one factor is symbolic, else known only at the concrete input."""
    fixed = [d for d in dims if isinstance(d, int)]
    symbolic = [d for d in dims if not isinstance(d, int)]
    scale = math.prod(fixed)
    if not symbolic:
        return scale
    if len(symbolic) == 1 and isinstance(symbolic[0], Affine):
        return symbolic[0] * scale
    values = [concrete(d, at) for d in symbolic]
    text = "·".join([str(scale)] * (scale != 1) + [str(d) for d in symbolic])
    if all(isinstance(v, int) for v in values):
        return Opaque(text, scale * math.prod(v for v in values if isinstance(v, int)))
    return Opaque(text)


class Flatten(Op):
    name = "flatten"
    doc = "nn.Flatten(start_dim=1, end_dim=-1); the batch axis (start_dim 0) stays."
    params = (Param("start_dim", "int", 1), Param("end_dim", "int", -1))
    min_rank = 0

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        n = len(x)
        start, end = node.params["start_dim"], node.params["end_dim"]
        if not (-n <= start < n and -n <= end < n):
            ctx.check(
                [False],
                FlattenAxes(start, end, ctx.table.show(x), n),
                fatal=True,
            )
            return x
        start, end = start % n, end % n
        if start == 0:
            # torch runs it, but the batch axis is gone: every later layer would read
            # samples as channels (stricter than torch, see docs/torch.md)
            ctx.check(
                [False],
                FlattenBatch(ctx.table.show(x)),
                fatal=True,
            )
            return x
        if start > end:
            ctx.check([False], FlattenOrder(start, end), fatal=True)
            return x
        return (*x[:start], product(x[start : end + 1], ctx.at), *x[end + 1 :])

    def stricter_than_torch(self, node: Node, inputs: Sequence[Sizes]) -> str | None:
        n = len(inputs[0])
        if -n <= node.params["start_dim"] < n and node.params["start_dim"] % n == 0:
            return "torch flattens the batch axis too"
        return None

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("nn.Flatten", (), self.torch_kwargs(node, "start_dim", "end_dim"))


class Linear(Op):
    name = "linear"
    doc = "nn.Linear on the last axis; in_features inferred."
    params = (
        Param("out_features", "int", required=True, minimum=1),
        Param("bias", "bool", True),
        Param(
            "in_features",
            "int",
            None,
            minimum=1,
            doc="the features it takes (format 1.1; checked, SC107); inferred when absent",
            since="1.1",
        ),
    )
    primary = "out_features"
    min_rank = 0

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        stated_input(ctx, node, "in_features", x[-1])
        return (*x[:-1], node.params["out_features"])

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        f_in, f_out = taken(node, "in_features", inputs[0][-1]), node.params["out_features"]
        if not isinstance(f_in, int):
            return None
        return int(f_in * f_out + (f_out if node.params["bias"] else 0))

    def mult_adds(self, node: Node, inputs: Sequence[Sizes], out: Sizes) -> int:
        return math.prod(inputs[0]) * int(node.params["out_features"])

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        args = (taken(node, "in_features", inputs[0][-1]), node.params["out_features"])
        return TorchLayer("nn.Linear", args, self.torch_kwargs(node, "bias"))


class Crop(Op):
    name = "crop"
    doc = "Remove `margin` rows/columns from both ends of each spatial axis (tensor slicing)."
    params = (Param("margin", "ints", required=True, minimum=0),)
    primary = "margin"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        m = per_axis(node, "margin", len(x) - 2)
        out = (x[0], x[1], *(h - 2 * mm for h, mm in zip(x[2:], m, strict=False)))
        out_at_least_one(ctx, node, x, out)
        return out

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("Crop", (per_axis(node, "margin", len(inputs[0]) - 2),))


class Pad(Op):
    name = "pad"
    doc = (
        "nn.ConstantPad1d/2d/3d (ReflectionPad, ReplicationPad, CircularPad by `mode`): "
        "an int, or torch's (left, right, top, bottom, front, back) order; in mode constant, "
        "fewer pairs pad the last axes only (the other modes take a pair for every spatial axis)."
    )
    params = (
        Param("padding", "ints", required=True),
        Param("value", "number", 0.0),
        Param("mode", "choice", "constant", choices=tuple(PAD_LAYERS), since="1.1"),
    )
    primary = "padding"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        rank = len(x) - 2
        p = node.params["padding"]
        pairs = [(p, p)] * rank if isinstance(p, int) else None
        if pairs is None:
            if len(p) % 2 or len(p) > 2 * rank:
                # an odd count is torch's error too; more pairs than spatial axes would pad
                # the channels, which torch allows and skipcheck refuses (docs/torch.md)
                ctx.check(
                    [False],
                    PadPairs(rank, len(p)),
                    fatal=True,
                )
                return x
            # torch's order starts at the last axis; axes without a pair keep their size
            given = [(p[2 * i], p[2 * i + 1]) for i in range(len(p) // 2)]
            pairs = [(0, 0)] * (rank - len(given)) + given[::-1]
            mode = node.params["mode"]
            if mode != "constant" and len(given) < rank:
                # only constant padding leaves the first axes alone: torch's reflect,
                # replicate and circular pads take a pair for every spatial axis
                ctx.check(
                    [False],
                    PadModePairs(mode, node.where, rank, len(p)),
                    fatal=True,
                )
                return x
        mode = node.params["mode"]
        if mode != "constant":
            if any(v < 0 for pair in pairs for v in pair):
                raise SkipcheckError(
                    f"pad mode {mode} takes padding ≥ 0 here (negative padding crops: use `crop`)",
                    node.param_pos.get("padding", node.pos),
                )
            if not pad_fits(ctx, node, x, mode, [max(pair) for pair in pairs]):
                return x
        out = (
            x[0],
            x[1],
            *(
                guarded(lambda h, a=a, b=b: h + a + b, h, text="pad", at=ctx.at)
                for h, (a, b) in zip(x[2:], pairs, strict=False)
            ),
        )
        out_at_least_one(ctx, node, x, out)
        return out

    def stricter_than_torch(self, node: Node, inputs: Sequence[Sizes]) -> str | None:
        p = node.params["padding"]
        if isinstance(p, list) and len(p) % 2 == 0 and len(p) > 2 * (len(inputs[0]) - 2):
            return "torch pads the channel (and batch) axes with the extra pairs"
        return None

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        p = node.params
        layer = f"nn.{PAD_LAYERS[p['mode']]}{len(inputs[0]) - 2}d"
        if p["mode"] != "constant":
            return TorchLayer(layer, (as_torch(p["padding"]),))
        return TorchLayer(layer, (as_torch(p["padding"]), p["value"]))


class Tile(Op):
    name = "tile"
    doc = "Repeat the tensor `repeats` times along the channels (x.repeat(1, r, 1, 1); V-Net's input)."
    params = (Param("repeats", "int", required=True, minimum=1),)
    primary = "repeats"
    min_rank = 0
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        return (x[0], x[1] * node.params["repeats"], *x[2:])

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("Tile", (node.params["repeats"],))


def same_pad(i: int, k: int, s: int, d: int) -> int:
    """TensorFlow's 'SAME' padding of a size ``i`` (both sides together): what brings a window
    of ``k`` (dilation ``d``) at stride ``s`` with no padding to ``ceil(i / s)`` outputs."""
    return max((-(-i // s) - 1) * s + (k - 1) * d + 1 - i, 0)


def _padded_same(h: Any, k: int, s: int, d: int) -> Any:
    """``h`` plus its 'SAME' padding. The padding ``s·ceil(h/s) - h + (k-1)·d + 1 - s``
    depends only on ``h``'s residue: exact as a periodic size, clamped at 0 per residue."""
    if isinstance(h, int):
        return h + same_pad(h, k, s, d)
    gap = s * ((h + (s - 1)) // s) - h + ((k - 1) * d + 1 - s)
    if not isinstance(gap, Affine) or any(a != 0 for a, _ in gap.pieces):
        raise OutOfFragment("'SAME' padding that is not periodic in the input size")
    clamped = Affine(gap.var, gap.modulus, tuple((0, max(b, 0)) for _, b in gap.pieces), gap.den)
    return h + clamped


class PadSame(Op):
    name = "pad_same"
    doc = (
        "TensorFlow's 'SAME' padding, computed from the size at run time (timm's Conv2dSame, "
        "MaxPool2dSame: pad_same): pads max((ceil(H/stride) - 1)·stride + (kernel_size - 1)·"
        "dilation + 1 - H, 0), half before and the odd one after, so that a conv or pool with "
        "these kernel_size, stride, dilation and no padding gives ceil(H/stride)."
    )
    params = (
        Param("kernel_size", "ints", required=True, minimum=1),
        Param("stride", "ints", 1, minimum=1),
        Param("dilation", "ints", 1, minimum=1),
        Param(
            "fill",
            "choice",
            "zeros",
            choices=("zeros", "lowest"),
            doc="zeros (a conv's), or lowest: -inf, which a max pool never picks (MaxPool2dSame)",
        ),
    )
    primary = "kernel_size"
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        rank = len(x) - 2
        k, s, d = (per_axis(node, key, rank) for key in ("kernel_size", "stride", "dilation"))
        out = [x[0], x[1]]
        for a, h in enumerate(x[2:]):
            out.append(
                guarded(
                    lambda v, a=a: _padded_same(v, k[a], s[a], d[a]), h, text="pad_same", at=ctx.at
                )
            )
        return tuple(out)

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        rank = len(inputs[0]) - 2
        k, s, d = (per_axis(node, key, rank) for key in ("kernel_size", "stride", "dilation"))
        return TorchLayer("PadSame", (k, s, d), self.torch_kwargs(node, "fill"))


class ChannelShuffle(Op):
    name = "channel_shuffle"
    doc = (
        "nn.ChannelShuffle(groups): the channels as groups × C/groups, transposed "
        "(ShuffleNet's x.view(N, g, C/g, H, W).transpose(1, 2)); groups must divide the channels."
    )
    params = (Param("groups", "int", required=True, minimum=1),)
    primary = "groups"
    min_rank = 0
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        c, g = inputs[0][1], node.params["groups"]
        ctx.check(
            [divisible(c, g)], GroupedChannels(f"channel_shuffle with groups={g}", node.where, g, c)
        )
        return inputs[0]

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("nn.ChannelShuffle", (node.params["groups"],))


class ChannelSlice(Op):
    name = "channel_slice"
    doc = (
        "The channels start..stop-1 (x[:, start:stop]; one part of x.split(n, dim=1) or "
        "x.chunk(k, dim=1): CSPNet's and ShuffleNet's halves); the input needs at least stop "
        "channels."
    )
    params = (
        Param("start", "int", 0, minimum=0),
        Param("stop", "int", required=True, minimum=1),
    )
    primary = "stop"
    min_rank = 0
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        start, stop = node.params["start"], node.params["stop"]
        if stop <= start:
            raise SkipcheckError(
                f"channel_slice takes start < stop, got {start}..{stop}",
                node.param_pos.get("stop", node.pos),
            )
        c = x[1] if isinstance(x[1], int) else concrete(x[1], ctx.at)
        ctx.check(
            [None if not isinstance(c, int) else c >= stop],
            ChannelSliceRange(node.where, start, stop, x[1]),
            fatal=True,
        )
        return (x[0], stop - start, *x[2:])

    def stricter_than_torch(self, node: Node, inputs: Sequence[Sizes]) -> str | None:
        if inputs[0][1] < node.params["stop"]:
            return "torch's slicing x[:, start:stop] stops at the channels it has"
        return None

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("ChannelSlice", (node.params["start"], node.params["stop"]))


class ChannelPad(Op):
    name = "channel_pad"
    doc = (
        "Zero channels added before and after (F.pad's pair for the channel axis; MONAI's "
        "ChannelPad that matches a residual's channels; torch.cat([x, zeros], dim=1), ResNet's "
        "parameter-free shortcut A): C + before + after channels."
    )
    params = (
        Param("before", "int", 0, minimum=0),
        Param("after", "int", 0, minimum=0),
    )
    primary = "after"
    min_rank = 0
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        return (x[0], x[1] + node.params["before"] + node.params["after"], *x[2:])

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("ChannelPad", (node.params["before"], node.params["after"]))
