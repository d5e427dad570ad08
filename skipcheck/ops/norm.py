"""Normalization: batchnorm, instancenorm, groupnorm, layernorm (num_features inferred)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, ClassVar

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer
from skipcheck.ops.sizes import stated_input, taken
from skipcheck.rules import GroupedChannels, SingleValueGroups
from skipcheck.shapes.dims import AnyOf, Opaque, Verdict, at_least, concrete, divisible
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.sizeset import SizeSet

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context


def single_values(ctx: Context, node: Node, x: Shape, groups: int | None) -> None:
    """SC106: torch refuses to normalise groups of one value ("Expected more than 1 ...").

    Each of ``groups`` (per sample and channel group; None: unknown) spans the spatial
    positions; their product with ``groups`` must exceed 1.
    """
    if groups is not None and groups > 1:
        return
    spatial = x[2:]
    verdict: Verdict = None
    symbols = {d.var for d in spatial if isinstance(d, Affine)}
    if (
        groups is not None
        and len(symbols) > 1
        and all(isinstance(d, (int, Affine)) for d in spatial)
    ):
        # each size is >= 1, so the product exceeds 1 iff some size is >= 2: a condition
        # on H or on W, not on each — the axes couple
        verdict = _some_at_least_two(spatial)
    elif groups is not None and all(isinstance(d, (int, Affine)) for d in spatial):
        # every size is >= 1 here, so their product exceeds 1 iff their sum exceeds
        # the rank: a sum stays exact where the sizes share one input-size symbol
        try:
            verdict = at_least(sum(spatial[1:], spatial[0]), len(spatial) + 1) if spatial else False
        except OutOfFragment:
            verdict = None
    if verdict is None:
        sizes = [v for v in (concrete(d, ctx.at) for d in spatial) if isinstance(v, int)]
        if len(sizes) == len(spatial):
            big = math.prod(sizes) > 1
            verdict = True if big else (False if groups is not None else None)
    ctx.check(
        [verdict],
        SingleValueGroups(node.op, node.label, ctx.table.show(x)),
        fatal=True,
    )


def _some_at_least_two(spatial: Sequence[object]) -> Verdict:
    """Whether some size is >= 2, as a bool where a fixed size decides it, else the joint
    condition over the symbols' sets."""
    sets: list[SizeSet] = []
    for d in spatial:
        verdict = at_least(d, 2)  # type: ignore[arg-type]
        if verdict is True:
            return True
        if isinstance(verdict, SizeSet):
            if verdict.is_everything():
                return True
            if not verdict.is_empty():
                sets.append(verdict)
    if not sets:
        return False
    return sets[0] if len(sets) == 1 else AnyOf(tuple(sets))


def _known(d: object, ctx: Context) -> int | None:
    """A batch or channel size as a number where the given input fixes it (after a flatten
    the channels may be a symbolic product)."""
    value = concrete(d, ctx.at) if isinstance(d, (int, Affine, Opaque)) else None
    return value if isinstance(value, int) else None


class BatchNorm(Op):
    name = "batchnorm"
    torch_name = "BatchNorm"
    doc = "nn.BatchNorm1d/2d/3d over the channels; num_features inferred."
    params: ClassVar[tuple[Param, ...]] = (
        Param("eps", "number", 1e-5),
        Param("momentum", "number", 0.1),
        Param("affine", "bool", True),
        Param("track_running_stats", "bool", True),
        Param(
            "num_features",
            "int",
            None,
            minimum=1,
            doc="the channels it takes (format 1.1; checked, SC107); inferred when absent",
            since="1.1",
        ),
    )
    min_rank = 0

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        stated_input(ctx, node, "num_features", inputs[0][1])
        if not node.params["track_running_stats"]:
            # without running statistics torch normalises with the batch's own, in eval
            # mode too: each channel needs more than one value across N and the positions
            single_values(ctx, node, inputs[0], _known(inputs[0][0], ctx))
        return inputs[0]

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        c = taken(node, "num_features", inputs[0][1])
        return (2 * c if node.params["affine"] else 0) if isinstance(c, int) else None

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        # BatchNorm1d also takes [N, C]: rank 0 builds the 1d layer
        rank = max(len(inputs[0]) - 2, 1)
        kwargs = self.torch_kwargs(node, "eps", "momentum", "affine", "track_running_stats")
        c = taken(node, "num_features", inputs[0][1])
        return TorchLayer(f"nn.{self.torch_name}{rank}d", (c,), kwargs)


class InstanceNorm(BatchNorm):
    name = "instancenorm"
    torch_name = "InstanceNorm"
    doc = "nn.InstanceNorm1d/2d/3d; affine defaults to false as in torch."
    params = (
        Param("eps", "number", 1e-5),
        Param("momentum", "number", 0.1),
        Param("affine", "bool", False),
        Param("track_running_stats", "bool", False),
    )
    min_rank = 1

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        if not node.params["track_running_stats"]:
            # torch normalises with each sample's own statistics, in eval mode too
            single_values(ctx, node, inputs[0], 1)
        return inputs[0]


class GroupNorm(Op):
    name = "groupnorm"
    doc = "nn.GroupNorm(num_groups, C); num_groups must divide the channels."
    params = (
        Param("num_groups", "int", required=True, minimum=1),
        Param("eps", "number", 1e-5),
        Param("affine", "bool", True),
    )
    primary = "num_groups"
    min_rank = 0

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        c, g = inputs[0][1], node.params["num_groups"]
        ctx.check(
            [divisible(c, g)],
            GroupedChannels(f"GroupNorm({g})", node.where, g, c),
        )
        # torch's own test (F.group_norm): N·C/g values times the spatial positions
        n, channels = _known(inputs[0][0], ctx), _known(c, ctx)
        single_values(
            ctx,
            node,
            inputs[0],
            n * channels // g if n is not None and channels is not None else None,
        )
        return inputs[0]

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        c = inputs[0][1]
        return (2 * c if node.params["affine"] else 0) if isinstance(c, int) else None

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        args = (node.params["num_groups"], inputs[0][1])
        return TorchLayer("nn.GroupNorm", args, self.torch_kwargs(node, "eps", "affine"))


class ChannelLayerNorm(Op):
    name = "channel_layernorm"
    doc = (
        "LayerNorm over the channels at every position (ConvNeXt's channels-first LayerNorm): "
        "nn.LayerNorm(C) applied to x.movedim(1, -1)."
    )
    params = (
        Param("eps", "number", 1e-5),
        Param("elementwise_affine", "bool", True),
        Param("bias", "bool", True),
    )
    min_rank = 0
    since = "1.1"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        c = inputs[0][1]
        if not isinstance(c, int):
            return None
        if not node.params["elementwise_affine"]:
            return 0
        return 2 * c if node.params["bias"] else c

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        kwargs = self.torch_kwargs(node, "eps", "elementwise_affine", "bias")
        return TorchLayer("ChannelLayerNorm", (inputs[0][1],), kwargs)


class LayerNorm(Op):
    name = "layernorm"
    doc = "nn.LayerNorm over every non-batch axis (normalized_shape = shape[1:])."
    params = (
        Param("eps", "number", 1e-5),
        Param("elementwise_affine", "bool", True),
        Param("bias", "bool", True),
    )
    min_rank = 0

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        dims = inputs[0][1:]
        if not all(isinstance(d, int) for d in dims):
            return None
        if not node.params["elementwise_affine"]:
            return 0
        n = math.prod(dims)
        return 2 * n if node.params["bias"] else n

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        kwargs = self.torch_kwargs(node, "eps", "elementwise_affine", "bias")
        return TorchLayer("nn.LayerNorm", (tuple(inputs[0][1:]),), kwargs)
