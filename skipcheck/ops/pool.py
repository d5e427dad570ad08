"""Pooling: max/avg (nn.MaxPool*/AvgPool*), adaptive and global pooling."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer, as_torch, per_axis
from skipcheck.ops.sizes import drops_tail, out_at_least_one
from skipcheck.rules import AvgPool3dKernel, OutputSizeUnset, PoolPadding, ValuesPerAxis
from skipcheck.shapes.dims import at_least, guarded, pool_ceil_fix
from skipcheck.shapes.table import Side

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context


def pool_size(h: Any, k: int, s: int, p: int, d: int, ceil_mode: bool, at: dict[str, int]) -> Any:
    """torch's pooling_output_shape: floor or ceil, and in ceil mode the last window
    must start inside the input (or its left padding)."""
    span = h + (2 * p - d * (k - 1) - 1)  # one addition to a symbolic size, not three
    if not ceil_mode:
        return span // s + 1
    out = (span + s - 1) // s + 1
    return guarded(lambda o, hh: pool_ceil_fix(o, hh, s, p), out, h, text="ceil-mode size", at=at)


class _Pool(Op):
    has_dilation = False
    primary = "kernel_size"
    torch_name = "MaxPool"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        rank = len(x) - 2
        k = per_axis(node, "kernel_size", rank)
        s = k if node.params["stride"] is None else per_axis(node, "stride", rank)
        p = per_axis(node, "padding", rank)
        d = per_axis(node, "dilation", rank) if self.has_dilation else (1,) * rank
        for axis in range(rank):
            # torch compares with the plain kernel, dilation or not (pool2d/3d_shape_check)
            limit = k[axis] // 2
            if p[axis] > limit:
                ctx.check(
                    [False],
                    PoolPadding(node.op, p[axis], k[axis]),
                    fatal=True,
                )
                return x
        if (
            self.name == "avgpool"
            and rank == 3
            and not ctx.check(
                [at_least(h, k[a]) for a, h in enumerate(x[2:])],
                AvgPool3dKernel(list(k), ctx.table.show(x)),
                operands=[Side("input", node.inputs[0])],
                fatal=True,
            )
        ):
            return x
        ceil_mode = node.params["ceil_mode"]
        out = (
            x[0],
            x[1],
            *(pool_size(h, k[a], s[a], p[a], d[a], ceil_mode, ctx.at) for a, h in enumerate(x[2:])),
        )
        if out_at_least_one(ctx, node, x, out) and not ceil_mode:
            drops_tail(
                ctx,
                node,
                x,
                [
                    (x[2 + a] + (2 * p[a] - d[a] * (k[a] - 1) - 1), s[a], p[a], k[a])
                    for a in range(rank)
                ],
            )
        return out

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        names = [p.name for p in self.params if p.name != "kernel_size"]
        kwargs = self.torch_kwargs(node, *names)
        args = (as_torch(node.params["kernel_size"]),)
        return TorchLayer(f"nn.{self.torch_name}{len(inputs[0]) - 2}d", args, kwargs)


_POOL_PARAMS = (
    Param("kernel_size", "ints", required=True, minimum=1),
    Param("stride", "ints", None, minimum=1),
    Param("padding", "ints", 0, minimum=0),
)


class MaxPool(_Pool):
    name = "maxpool"
    doc = "nn.MaxPool1d/2d/3d; stride defaults to kernel_size."
    has_dilation = True
    params = (
        *_POOL_PARAMS,
        Param("dilation", "ints", 1, minimum=1),
        Param("ceil_mode", "bool", False),
    )


class AvgPool(_Pool):
    name = "avgpool"
    doc = "nn.AvgPool1d/2d/3d; stride defaults to kernel_size."
    torch_name = "AvgPool"
    params = (
        *_POOL_PARAMS,
        Param("ceil_mode", "bool", False),
        Param("count_include_pad", "bool", True),
    )


class AdaptivePool(Op):
    name = "adaptive_avgpool"
    torch_name = "AdaptiveAvgPool"
    doc = "nn.AdaptiveAvgPool1d/2d/3d: output_size per axis (null keeps the input's size)."
    params = (Param("output_size", "sizes", required=True, minimum=1),)
    primary = "output_size"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        size = node.params["output_size"]
        sizes = [size] * (len(x) - 2) if not isinstance(size, list) else size
        if size is None or (len(x) == 3 and None in sizes):
            # torch keeps an axis for a null only inside a 2D/3D tuple: a bare null, or
            # a null on a 1D input, is a TypeError there
            ctx.check(
                [False],
                OutputSizeUnset(node.op, str(size).replace("None", "null")),
                fatal=True,
            )
            return x
        if len(sizes) != len(x) - 2:
            ctx.check(
                [False],
                ValuesPerAxis("output_size", len(sizes), len(x) - 2),
                fatal=True,
            )
            return x
        return (x[0], x[1], *(h if o is None else o for o, h in zip(sizes, x[2:], strict=False)))

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        args = (as_torch(node.params["output_size"]),)
        return TorchLayer(f"nn.{self.torch_name}{len(inputs[0]) - 2}d", args)


class AdaptiveMaxPool(AdaptivePool):
    name = "adaptive_maxpool"
    torch_name = "AdaptiveMaxPool"
    doc = "nn.AdaptiveMaxPool1d/2d/3d: output_size per axis (null keeps the input's size)."


class GlobalAvgPool(Op):
    name = "global_avgpool"
    torch_name = "AdaptiveAvgPool"
    doc = "Average over every spatial axis, keeping them as size 1 (nn.AdaptiveAvgPool*d(1))."

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        return (x[0], x[1], *(1 for _ in x[2:]))

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer(f"nn.{self.torch_name}{len(inputs[0]) - 2}d", (1,))


class GlobalMaxPool(GlobalAvgPool):
    name = "global_maxpool"
    torch_name = "AdaptiveMaxPool"
    doc = "Maximum over every spatial axis, keeping them as size 1 (nn.AdaptiveMaxPool*d(1))."
