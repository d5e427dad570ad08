"""Resizing: ``upsample`` / ``interpolate`` (nn.Upsample, F.interpolate), pixel (un)shuffle."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer
from skipcheck.ops.sizes import out_at_least_one
from skipcheck.rules import (
    AlignCornersMode,
    ModeRank,
    PixelShuffleChannels,
    ResizeToRank,
    TwoDOnly,
    UnshuffleSizes,
    UpsampleHow,
    UpsampleSizeUnset,
    ValuesPerAxis,
)
from skipcheck.shapes.dims import divisible, scale_floor
from skipcheck.shapes.table import Side

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context

MODES = ("nearest", "linear", "bilinear", "bicubic", "trilinear", "area", "nearest-exact")
_RANK_OF_MODE = {"linear": 1, "bilinear": 2, "bicubic": 2, "trilinear": 3}


def _mode_fits(ctx: Context, node: Node, x: Shape) -> bool:
    """The interpolation mode suits the input's rank, and align_corners its mode (SC106)."""
    rank = len(x) - 2
    mode = node.params["mode"]
    need = _RANK_OF_MODE.get(mode)
    if need is not None and need != rank:
        ctx.check(
            [False],
            ModeRank(mode, need, rank, ctx.table.show(x)),
            fatal=True,
        )
        return False
    if node.params["align_corners"] is not None and need is None:
        ctx.check(
            [False],
            AlignCornersMode(mode),
            fatal=True,
        )
        return False
    return True


class Upsample(Op):
    name = "upsample"
    aliases = ("interpolate",)
    doc = "nn.Upsample / F.interpolate: size, or scale_factor (output = floor(size·factor), as torch)."
    params = (
        Param("scale_factor", "numbers", None),
        Param("size", "sizes", None, minimum=1),
        Param("mode", "choice", "nearest", choices=MODES),
        Param("align_corners", "bool", None),
    )
    primary = "scale_factor"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        rank = len(x) - 2
        p = node.params
        if not _mode_fits(ctx, node, x):
            return x
        if (p["size"] is None) == (p["scale_factor"] is None):
            ctx.check([False], UpsampleHow(), fatal=True)
            return x
        if p["size"] is not None:
            size = p["size"]
            sizes = size if isinstance(size, list) else [size] * rank
            if len(sizes) != rank:
                ctx.check(
                    [False],
                    ValuesPerAxis("size", len(sizes), rank),
                    fatal=True,
                )
                return x
            if None in sizes:
                # nn.Upsample takes no "keep this axis" (TypeError), unlike adaptive pools
                ctx.check(
                    [False],
                    UpsampleSizeUnset(str(size).replace("None", "null")),
                    fatal=True,
                )
                return x
            return (x[0], x[1], *sizes)
        factor = p["scale_factor"]
        factors = factor if isinstance(factor, list) else [factor] * rank
        if len(factors) != rank:
            ctx.check(
                [False],
                ValuesPerAxis("scale_factor", len(factors), rank),
                fatal=True,
            )
            return x
        out = (
            x[0],
            x[1],
            *(scale_floor(h, float(f), ctx.at) for h, f in zip(x[2:], factors, strict=False)),
        )
        out_at_least_one(ctx, node, x, out)
        return out

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        kwargs = self.torch_kwargs(node, "size", "scale_factor", "mode", "align_corners")
        return TorchLayer("nn.Upsample", (), kwargs)


class ResizeTo(Op):
    """``F.interpolate(x, size=t.shape[2:])`` where no merge with ``t`` follows (smp's last
    decoder block, torchvision's FCN head, a DeepLab ASPP's pooled branch): the running
    tensor takes the spatial size of the named tensor ``size_of``; its channels stay."""

    name = "resize_to"
    doc = (
        "F.interpolate(x, size=t.shape[2:]): the spatial size of the named tensor `size_of` "
        "(format 1.1); channels unchanged."
    )
    params = (
        Param("size_of", "ref", None, doc="the tensor whose spatial size to take"),
        Param("mode", "choice", "nearest", choices=MODES),
        Param("align_corners", "bool", None),
    )
    primary = "size_of"
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x, like = inputs[0], inputs[1]
        if len(like) != len(x):
            ctx.check(
                [False],
                ResizeToRank(ctx.table.show(x), ctx.table.show(like)),
                fatal=True,
            )
            return x
        if not _mode_fits(ctx, node, x):
            return x
        return (x[0], x[1], *like[2:])

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("ResizeTo", (), self.torch_kwargs(node, "mode", "align_corners"))


def _shuffles_depth(inputs: Sequence[Sizes]) -> str | None:
    if len(inputs[0]) == 4:
        return None
    return "torch shuffles the last three axes of any tensor: on a 3D input, depth as channels"


class PixelShuffle(Op):
    name = "pixel_shuffle"
    doc = "nn.PixelShuffle(r): C·r² × H × W → C × r·H × r·W (2D inputs)."
    params = (Param("upscale_factor", "int", required=True, minimum=1),)
    primary = "upscale_factor"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        r = node.params["upscale_factor"]
        if len(x) != 4:
            ctx.check(
                [False],
                TwoDOnly("pixel_shuffle", ctx.table.show(x)),
                fatal=True,
            )
            return x
        ctx.check(
            [divisible(x[1], r * r)],
            PixelShuffleChannels(r, x[1]),
            fatal=True,
        )
        return (x[0], x[1] // (r * r), x[2] * r, x[3] * r)

    def stricter_than_torch(self, node: Node, inputs: Sequence[Sizes]) -> str | None:
        return _shuffles_depth(inputs)

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("nn.PixelShuffle", (node.params["upscale_factor"],))


class PixelUnshuffle(Op):
    name = "pixel_unshuffle"
    doc = "nn.PixelUnshuffle(r): C × H × W → C·r² × H/r × W/r (2D inputs; r must divide H and W)."
    params = (Param("downscale_factor", "int", required=True, minimum=1),)
    primary = "downscale_factor"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        r = node.params["downscale_factor"]
        if len(x) != 4:
            ctx.check(
                [False],
                TwoDOnly("pixel_unshuffle", ctx.table.show(x)),
                fatal=True,
            )
            return x
        ctx.check(
            [divisible(x[2], r), divisible(x[3], r)],
            UnshuffleSizes(r, ctx.table.show(x)),
            operands=[Side("input", node.inputs[0])],
            fatal=True,
        )
        return (x[0], x[1] * r * r, x[2] // r, x[3] // r)

    def stricter_than_torch(self, node: Node, inputs: Sequence[Sizes]) -> str | None:
        return _shuffles_depth(inputs)

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("nn.PixelUnshuffle", (node.params["downscale_factor"],))
