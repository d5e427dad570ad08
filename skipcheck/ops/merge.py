"""Merges — the skip connections: ``add``, ``concat``, ``mul`` (and, in format 1.1,
``sub``, ``max``, ``mean``), with ``align``.

The running tensor is input 0; the skips (after their ``via`` layers) follow.
``align`` brings them to one spatial size first: ``center_crop`` crops each skip
to the running size, ``pad`` zero-pads the running tensor to the skip's size,
``interpolate`` resizes the running tensor to the skip's size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer
from skipcheck.rules import (
    BroadcastRank,
    CropAsymmetric,
    CropTooSmall,
    GateOnBatch,
    MergeChannels,
    MergeRank,
    MergeSpatial,
)
from skipcheck.shapes.dims import (
    Opaque,
    Verdict,
    at_least,
    concrete,
    divisible,
    equal,
    formula_text,
    guarded,
    show,
)
from skipcheck.shapes.sizeset import OutOfFragment, SizeSet
from skipcheck.shapes.table import Side

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context

ALIGNS = ("none", "center_crop", "pad", "interpolate")
AXIS_WORDS = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


class Merge(Op):
    name = "add"
    doc = "x + skip: equal channels and equal sizes (no broadcasting: a broadcast skip add is almost always a bug)."
    params = (
        Param("skip", "ref", required=True),
        Param("align", "choice", "none", choices=ALIGNS),
        Param("via", "layers", None),
    )
    primary = "skip"
    min_rank = 0
    broadcast = False

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        run = inputs[0]
        align = node.params.get("align", "none")
        roles = self.roles(ctx, node)
        if self.broadcast and align == "none" and any(len(x) != len(run) for x in inputs[1:]):
            return self.broadcast_ranks(ctx, node, inputs, roles)
        out_spatial = list(run[2:])
        channels: list[Any] = [run[1]]
        for role, skip_id, skip in zip(roles[1:], node.inputs[1:], inputs[1:], strict=False):
            if len(skip) != len(run):
                ctx.check(
                    [False],
                    MergeRank(node.op, ctx.table.show(run), ctx.table.show(skip)),
                    operands=[Side(roles[0], node.inputs[0]), Side(role, skip_id)],
                )
                continue
            channels.append(skip[1])
            if self.broadcast and align == "none":
                # torch broadcasting: a size-1 axis takes the other tensor's size
                # (after an align the sizes are already the crop's, pad's or resize's)
                out_spatial[:] = [
                    _broadcast(o, s, ctx) for o, s in zip(out_spatial, skip[2:], strict=True)
                ]
            self.check_spatial(
                ctx,
                node,
                align,
                run,
                skip,
                (roles[0], node.inputs[0]),
                (role, skip_id),
                out_spatial,
            )
            if self.name != "concat":
                self.check_channels(
                    ctx, node, run, skip, (roles[0], node.inputs[0]), (role, skip_id)
                )
        if self.name == "concat":
            c_out: Any = sum(channels)
        elif self.broadcast:
            c_out = max(channels, key=lambda c: c if isinstance(c, int) else 0)
        else:
            c_out = run[1]
        return (run[0], c_out, *out_spatial)

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("Merge", (self.name, node.params.get("align", "none")))

    def broadcast_ranks(
        self, ctx: Context, node: Node, inputs: Sequence[Shape], roles: list[str]
    ) -> Shape:
        """torch's broadcasting of tensors of different rank (``mul``): the shapes are
        aligned from the last axis, the shorter one padded with 1s in front, and each
        axis pair must be equal or have a 1; the product has the longer rank."""
        acc = tuple(inputs[0])
        for role, skip_id, skip in zip(roles[1:], node.inputs[1:], inputs[1:], strict=False):
            rank = max(len(acc), len(skip))
            shorter, longer = (acc, skip) if len(acc) < len(skip) else (skip, acc)
            if isinstance(shorter[0], str):
                # a symbolic batch lands on another axis of the longer tensor: whether torch
                # runs depends on the batch size, and no later layer can carry N as a size
                axis = rank - len(shorter)
                ctx.check(
                    [False],
                    GateOnBatch(
                        node.where,
                        ctx.table.show(shorter),
                        ctx.table.show(longer),
                        shorter[0],
                        axis,
                        ctx.table.show((longer[axis],)),
                    ),
                    operands=[
                        Side(roles[0], node.inputs[0], acc),
                        Side(role, skip_id),
                    ],
                    fatal=True,
                )
                return acc
            a = (1,) * (rank - len(acc)) + tuple(acc)
            b = (1,) * (rank - len(skip)) + tuple(skip)
            verdicts: list[Verdict] = []
            for r, x in zip(a, b, strict=True):
                ok = _either([equal(r, x), equal(r, 1), equal(x, 1)])
                if ok is None:
                    cr, cx = concrete(r, ctx.at), concrete(x, ctx.at)
                    ok = None if cr is None or cx is None else cr == cx or 1 in (cr, cx)
                verdicts.append(ok)
            shown_a, shown_b = ctx.table.show(acc), ctx.table.show(skip)
            ctx.check(
                verdicts,
                BroadcastRank(node.where, shown_a, shown_b, a, b, ctx.table.show),
                operands=[Side(roles[0], node.inputs[0], acc), Side(role, skip_id)],
            )
            acc = tuple(_broadcast(r, x, ctx) for r, x in zip(a, b, strict=True))
        return acc

    def roles(self, ctx: Context, node: Node) -> list[str]:
        nodes = ctx.table.graph.nodes
        if node.params.get("residual"):
            return ["shortcut", "body"] if self.name == "concat" else ["body", "shortcut"]
        names = list(node.skips) or [nodes[i].label for i in node.inputs[1:]]
        return ["running tensor", *(f"skip {n}" for n in names)]

    def check_channels(
        self,
        ctx: Context,
        node: Node,
        run: Shape,
        skip: Shape,
        a: tuple[str, int],
        b: tuple[str, int],
    ) -> None:
        c1, c2 = run[1], skip[1]
        ok = c1 == c2 or (self.broadcast and 1 in (c1, c2))
        if ok is True:
            return  # what check answers for [True], without making the finding and its sides
        ctx.check(
            [ok],
            MergeChannels(ctx.what(), c1, c2, a[0], b[0]),
            operands=[Side(a[0], a[1], run), Side(b[0], b[1], skip)],
        )

    def check_spatial(
        self,
        ctx: Context,
        node: Node,
        align: str,
        run: Shape,
        skip: Shape,
        a: tuple[str, int],
        b: tuple[str, int],
        out: list[Any],
    ) -> None:
        if align == "interpolate":
            out[:] = list(skip[2:])
            return
        if align in ("center_crop", "pad"):
            operands = _sides(ctx, run, skip, a, b)
            # both need the skip to be the larger: crop shrinks the skip, pad grows the running tensor
            verdicts = [
                at_least(guarded(lambda s, r: s - r, s, r, text="margin", at=ctx.at), 0)
                for s, r in zip(skip[2:], run[2:], strict=False)
            ]
            fits = ctx.check(
                verdicts,
                CropTooSmall(node.where, align, ctx.table.show(skip), ctx.table.show(run)),
                operands=operands,
            )
            if align == "pad":
                out[:] = list(skip[2:])
            elif fits:
                margins = [
                    guarded(lambda s, r: s - r, s, r, text="margin", at=ctx.at)
                    for s, r in zip(skip[2:], run[2:], strict=False)
                ]
                # the cropped skip keeps its own channels and takes the running tensor's size
                cropped = ctx.table.show((*skip[:2], *run[2:]))
                ctx.check(
                    [divisible(m, 2) for m in margins],
                    CropAsymmetric(node.where, ctx.table.show(skip), cropped),
                    operands=operands,
                )
            return
        verdicts = []
        for r, s in zip(run[2:], skip[2:], strict=False):
            # torch broadcasting: equal, or either side 1 — exactly, as a set of sizes
            ok: Verdict = (
                _either([equal(r, s), equal(r, 1), equal(s, 1)]) if self.broadcast else equal(r, s)
            )
            if ok is None:
                cr, cs = concrete(r, ctx.at), concrete(s, ctx.at)
                ok = (
                    None
                    if cr is None or cs is None
                    else cr == cs or (self.broadcast and 1 in (cr, cs))
                )
            verdicts.append(ok)
        failed = ctx.record(verdicts, MergeSpatial.code)
        if failed is None:
            return  # most merges match: their finding and sides are made only where one fails
        rank = len(run) - 2
        words = AXIS_WORDS.get(rank) or tuple(f"axis {i}" for i in range(rank))
        axes = tuple(zip(words, run[2:], skip[2:], strict=False))
        ctx.report(
            failed,
            MergeSpatial(ctx.what(), axes, ctx.table.show),
            operands=_sides(ctx, run, skip, a, b),
        )


def _sides(
    ctx: Context, run: Shape, skip: Shape, a: tuple[str, int], b: tuple[str, int]
) -> list[Side]:
    """A merge's two sides, each with its size chain along the first axis that disagrees (W
    when only W does); sizes that are one value are shown alike without writing them out."""
    axis = next(
        (
            k
            for k, (r, s) in enumerate(zip(run[2:], skip[2:], strict=False))
            if not (r is s or r == s or show(r, ctx.at) == show(s, ctx.at))
        ),
        0,
    )
    return [Side(a[0], a[1], run, axis), Side(b[0], b[1], skip, axis)]


def _either(verdicts: list[Verdict]) -> Verdict:
    """Where any verdict holds: True, False, one exact set, or None where no set writes it."""
    sets: list[SizeSet] = []
    for v in verdicts:
        if v is True:
            return True
        if v is None:
            return None
        if isinstance(v, SizeSet) and not v.is_empty():
            sets.append(v)
    if not sets:
        return False
    first = sets[0]
    if first.modulus == 1 and first.covers_all() and all(s.var == first.var for s in sets):
        return first  # equal everywhere (a merge that matches): what the unions below give
    out: SizeSet | None = first
    for s in sets[1:]:
        out = out.union(s) if out is not None and out.var == s.var else None
    return out


def _broadcast(r: Any, s: Any, ctx: Context) -> Any:
    """torch's broadcast size of two axes (where they are compatible)."""
    cr, cs = concrete(r, ctx.at), concrete(s, ctx.at)
    if cr == 1:
        return s
    if cs == 1 or (cr is not None and cs is not None):
        return r
    same = equal(r, s)
    if same is True or (isinstance(same, SizeSet) and same.is_everything()):
        return r
    ones = _either([equal(r, 1), equal(s, 1)])
    if ones is False:
        return r  # never 1: compatible only where equal
    if isinstance(ones, SizeSet):
        # a side is 1 only at sizes where an earlier layer already fails: no broadcast
        domain = ctx.table.domain.get(ones.var)
        try:
            if domain is not None and (domain & ones).is_empty():
                return r
        except OutOfFragment:
            pass
    # which side is 1 depends on the input size: known only at a given size
    return Opaque(f"broadcast({formula_text(r)}, {formula_text(s)})")


class Concat(Merge):
    name = "concat"
    doc = "torch.cat([x, skip], dim=1): equal sizes; channels add up."


class Mul(Merge):
    name = "mul"
    doc = (
        "x * skip with torch broadcasting (a 1-channel or 1×1 gate is fine; tensors of "
        "different rank line up from the last axis, as in torch)."
    )
    broadcast = True


class Sub(Merge):
    name = "sub"
    doc = "x - skip: equal channels and equal sizes, as add (format 1.1)."
    since = "1.1"


class Max(Merge):
    name = "max"
    doc = "torch.maximum(x, skip): equal channels and equal sizes, as add (format 1.1)."
    since = "1.1"


class Mean(Merge):
    name = "mean"
    doc = "(x + skip) / 2, the average of the running tensor and the skips: equal shapes, as add (format 1.1)."
    since = "1.1"


MERGES = (Merge, Concat, Mul, Sub, Max, Mean)
# every merge op's name: the one list draw, fixes and the importer read
MERGE_OPS = frozenset(cls.name for cls in MERGES)
