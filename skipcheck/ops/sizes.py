"""Checks that many ops share: sizes stay >= 1, windows cover the input."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from skipcheck.core.graph import Node
from skipcheck.ops.base import Shape
from skipcheck.rules import PoolDropsInput, SizeBelowOne, StatedInput
from skipcheck.shapes.dims import Opaque, Verdict, at_least, equal, guarded
from skipcheck.shapes.periodic import Affine, OutOfFragment
from skipcheck.shapes.table import Side

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context


def out_at_least_one(ctx: Context, node: Node, x: Shape, out: Shape) -> bool:
    """SC103, fatal: every spatial output size is >= 1."""
    # at_least's own case for a symbolic size, without the dispatch (every conv and pool)
    verdicts = [o.where_at_least(1) if type(o) is Affine else at_least(o, 1) for o in out[2:]]
    failed = ctx.record(verdicts, SizeBelowOne.code)
    if failed is None:
        return True  # the finding and its side are made only for a size below 1
    return ctx.report(
        failed,
        SizeBelowOne(ctx.what(), x, out, ctx.table.show),
        operands=[Side("input", node.inputs[0])],
        fatal=True,
    )


def drops_tail(
    ctx: Context, node: Node, x: Shape, spans: Sequence[tuple[Any, int, int, int]]
) -> None:
    """SC201: windows of ``stride`` over ``span + 1`` positions leave real input unread.

    ``span`` is the padded size minus the dilated kernel; ``span % stride`` trailing
    positions are never read, and they are real input when they exceed the right padding.
    A kernel smaller than its stride (a 1x1 stride-2 projection) skips input by design,
    so its tail is not worth a warning.
    """
    verdicts: list[Verdict] = []
    for span, stride, pad, kernel in spans:
        if stride == 1 or kernel < stride:
            continue
        if type(span) is Affine:
            # what the general rule below answers for a symbolic size, remembered; past the
            # exact method, the rule below keeps the size at the input
            with suppress(OutOfFragment):
                verdicts.append(span.where_tail_read((stride, pad)))
                continue
        slack = guarded(
            lambda v, s=stride, p=pad: p - (v - (v // s) * s), span, text="slack", at=ctx.at
        )
        verdicts.append(at_least(slack, 0))
    if verdicts and (failed := ctx.record(verdicts, PoolDropsInput.code)) is not None:
        ctx.report(
            failed,
            PoolDropsInput(ctx.what(), x, ctx.table.show),
            operands=[Side("input", node.inputs[0])],
        )


def stated_input(ctx: Context, node: Node, key: str, received: Any) -> None:
    """SC107: the channels (or features) a layer states it takes, against what it receives."""
    stated = node.params.get(key)
    if stated is None:
        return
    src = ctx.table.graph.nodes[node.inputs[0]]
    origin = f"{src.where} at line {src.pos.line}" if src.id else "the input"
    verdict = equal(received, stated)
    shown = ctx.table.show((received,))
    at_size = verdict is None and isinstance(received, Opaque) and received.value is not None
    if at_size:
        # a flatten of several spatial axes (C·H·W): known at the given input only, as
        # at_least answers for it; torch fails there ("mat1 and mat2 shapes cannot be
        # multiplied", "running_mean should contain ... elements")
        verdict = received.value == stated
        shown = f"{received.value:,} ({received.text} at the given input)"
        # the sizes it holds at have no closed form: say so, as a verdict of None does
        ctx.table.inexact.append(f"{ctx.where()}: a size left the exact fragment")
    holds = ctx.check(
        [verdict],
        StatedInput(node.where, node.pos.line, key, stated, shown, origin),
        operands=[Side("input", node.inputs[0])],
        pos=node.param_pos.get(key, node.pos),
    )
    if at_size and not holds:
        # the given size caused it: other sizes make the stated number (`sizes` finds them)
        ctx.table.at_size.append(ctx.table.diagnostics[-1])


def taken(node: Node, key: str, received: Any) -> Any:
    """The number a layer's weights are shaped for: the stated one, else what it receives."""
    stated = node.params.get(key)
    return received if stated is None else stated
