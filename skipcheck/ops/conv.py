"""Convolutions: ``conv`` (nn.Conv1d/2d/3d) and ``conv_transpose`` (nn.ConvTranspose1d/2d/3d)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer, as_torch, per_axis
from skipcheck.ops.sizes import drops_tail, out_at_least_one, stated_input, taken
from skipcheck.rules import GroupsDivide, OutputPadding, PaddingTooWide, SameNeedsStride
from skipcheck.shapes.dims import at_least, divisible
from skipcheck.shapes.periodic import Affine
from skipcheck.shapes.table import Side

_COMMON = (
    Param("out_channels", "int", required=True, minimum=1),
    Param("kernel_size", "ints", required=True, minimum=1),
    Param("stride", "ints", 1, minimum=1),
    Param("dilation", "ints", 1, minimum=1),
    Param("groups", "int", 1, minimum=1),
    Param("bias", "bool", True),
    Param(
        "in_channels",
        "int",
        None,
        minimum=1,
        doc="the channels it takes (format 1.1; checked, SC107); inferred when absent",
        since="1.1",
    ),
)
PADDING_MODES = ("zeros", "reflect", "replicate", "circular")

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context


def check_groups(ctx: Context, node: Node, c_in: Any) -> None:
    groups, c_out = node.params["groups"], node.params["out_channels"]
    if groups == 1:
        return
    for what, c in (("input", c_in), ("output", c_out)):
        ctx.check(
            [divisible(c, groups)],
            GroupsDivide(node.where, groups, what, c),
        )


def padding_fits(
    ctx: Context,
    node: Node,
    x: Shape,
    padding: Any,
    k: Sequence[int],
    d: Sequence[int],
) -> bool:
    """SC106, fatal: ``reflect`` pads less than the size, ``circular`` at most the size.

    ``same`` splits ``dilation·(kernel-1)`` with the smaller half first, as torch does.
    """
    mode = node.params.get("padding_mode", "zeros")
    if mode not in ("reflect", "circular"):
        return True  # as pad_fits answers, without reading the padding (every conv asks)
    rank = len(x) - 2
    if padding == "same":
        widest = [d[a] * (k[a] - 1) - d[a] * (k[a] - 1) // 2 for a in range(rank)]
    elif padding == "valid":
        return True
    else:
        widest = list(per_axis(node, "padding", rank))
    return pad_fits(ctx, node, x, mode, widest)


def pad_fits(ctx: Context, node: Node, x: Shape, mode: str, widest: Sequence[int]) -> bool:
    """``reflect`` needs each side's padding below the size; ``circular`` at most the size."""
    if mode not in ("reflect", "circular"):
        return True  # replicate repeats the edge: any size will do
    need = [w + 1 if mode == "reflect" else w for w in widest]
    return ctx.check(
        [at_least(h, n) for h, n in zip(x[2:], need, strict=True) if n > 1],
        PaddingTooWide(mode, max(widest), node.where, ctx.table.show(x)),
        operands=[Side("input", node.inputs[0])],
        fatal=True,
    )


class Conv(Op):
    name = "conv"
    doc = "nn.Conv1d/2d/3d, chosen by the input's rank; in_channels is inferred."
    params = (
        *_COMMON[:3],
        Param("padding", "padding", 0, minimum=0),
        *_COMMON[3:],
        Param("padding_mode", "choice", "zeros", choices=PADDING_MODES, since="1.1"),
    )
    primary = "out_channels"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        rank = len(x) - 2
        k = per_axis(node, "kernel_size", rank)
        s = per_axis(node, "stride", rank)
        d = per_axis(node, "dilation", rank)
        stated_input(ctx, node, "in_channels", x[1])
        check_groups(ctx, node, taken(node, "in_channels", x[1]))
        padding = node.params["padding"]
        if padding == "same" and any(v != 1 for v in s):
            ctx.check(
                [False],
                SameNeedsStride(node.where, node.params["stride"]),
                fatal=True,
            )
            return x
        out = [x[0], node.params["out_channels"]]
        pads = (0,) * rank if padding in ("same", "valid") else per_axis(node, "padding", rank)
        # the padded size less the dilated kernel: one addition of a number to the size (a
        # symbolic size costs an exact operation per addition, and every conv asks this)
        tails: list[tuple[Any, int, int, int]] = []  # (span, stride, pad, kernel) per strided axis
        if padding == "same":
            out += x[2:]
        else:
            for a in range(rank):
                h = x[2 + a]
                shift = 2 * pads[a] - d[a] * (k[a] - 1) - 1
                if s[a] == 1 and (type(h) is int or (type(h) is Affine and h.den == 1)):
                    # (h + shift) // 1 + 1 in one addition (most convs): no tail to read
                    out.append(h + (shift + 1))
                else:
                    span = h + shift
                    out.append(span // s[a] + 1)
                    tails.append((span, s[a], pads[a], k[a]))
        result = tuple(out)
        if not padding_fits(ctx, node, x, padding, k, d):
            return x
        if padding != "same":
            out_at_least_one(ctx, node, x, result)
            if tails:
                drops_tail(ctx, node, x, tails)
        return result

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        c_in = taken(node, "in_channels", inputs[0][1])
        if not isinstance(c_in, int):
            return None
        k = per_axis(node, "kernel_size", len(inputs[0]) - 2)
        p = node.params
        c_out = int(p["out_channels"])
        groups = int(p["groups"])
        return c_out * (c_in // groups) * math.prod(k) + (c_out if p["bias"] else 0)

    def mult_adds(self, node: Node, inputs: Sequence[Sizes], out: Sizes) -> int:
        # one weight application per output element; the bias add is not counted by torch
        k = per_axis(node, "kernel_size", len(out) - 2)
        return math.prod(out) * (inputs[0][1] // int(node.params["groups"])) * math.prod(k)

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        p = node.params
        kwargs = self.torch_kwargs(
            node, "stride", "padding", "dilation", "groups", "bias", "padding_mode"
        )
        args = (
            taken(node, "in_channels", inputs[0][1]),
            p["out_channels"],
            as_torch(p["kernel_size"]),
        )
        return TorchLayer(f"nn.Conv{len(inputs[0]) - 2}d", args, kwargs)


class ConvTranspose(Op):
    name = "conv_transpose"
    doc = "nn.ConvTranspose1d/2d/3d: (H-1)·stride - 2·padding + dilation·(kernel-1) + output_padding + 1."
    params = (
        *_COMMON[:3],
        Param("padding", "ints", 0, minimum=0),
        Param("output_padding", "ints", 0, minimum=0),
        *_COMMON[3:],
    )
    primary = "out_channels"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x = inputs[0]
        rank = len(x) - 2
        k, s, d, p, op = (
            per_axis(node, key, rank)
            for key in ("kernel_size", "stride", "dilation", "padding", "output_padding")
        )
        stated_input(ctx, node, "in_channels", x[1])
        check_groups(ctx, node, taken(node, "in_channels", x[1]))
        for axis in range(rank):
            if op[axis] >= s[axis] and op[axis] >= d[axis]:
                ctx.check(
                    [False],
                    OutputPadding(op[axis], s[axis], d[axis]),
                    fatal=True,
                )
                return x
        out = [x[0], node.params["out_channels"]]
        for axis, h in enumerate(x[2:]):
            # (h - 1)·s - 2p + d(k - 1) + output_padding + 1, with one addition to the size
            out.append(
                h * s[axis] + (-s[axis] - 2 * p[axis] + d[axis] * (k[axis] - 1) + op[axis] + 1)
            )
        result = tuple(out)
        out_at_least_one(ctx, node, x, result)
        return result

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        c_in = taken(node, "in_channels", inputs[0][1])
        if not isinstance(c_in, int):
            return None
        k = per_axis(node, "kernel_size", len(inputs[0]) - 2)
        p = node.params
        return c_in * int(p["out_channels"] // p["groups"]) * math.prod(k) + (
            p["out_channels"] if p["bias"] else 0
        )

    def mult_adds(self, node: Node, inputs: Sequence[Sizes], out: Sizes) -> int:
        # the transpose scatters each *input* element through the kernel
        k = per_axis(node, "kernel_size", len(out) - 2)
        c_out = int(node.params["out_channels"]) // int(node.params["groups"])
        return math.prod(inputs[0]) * c_out * math.prod(k)

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        p = node.params
        names = ("stride", "padding", "output_padding", "groups", "bias", "dilation")
        args = (
            taken(node, "in_channels", inputs[0][1]),
            p["out_channels"],
            as_torch(p["kernel_size"]),
        )
        kwargs = self.torch_kwargs(node, *names)
        return TorchLayer(f"nn.ConvTranspose{len(inputs[0]) - 2}d", args, kwargs)
