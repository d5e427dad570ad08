"""An op torch refuses for its parameters (SC106): the nearest parameter torch accepts.

``padding: same`` with a stride becomes the explicit half-kernel padding, a pool's
padding comes down to half its kernel, ``output_padding`` below the stride, an
interpolation mode of the input's rank, PReLU's ``num_parameters`` the channel count;
a GroupNorm's ``num_groups`` becomes a divisor of its channels (SC104).
Where the input itself is wrong (a norm over single values) only the input size helps;
``input_size`` proposes that.
"""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import EditError
from skipcheck.check.fixes.model import RANK_LAYER_OPTION, Candidate, Change
from skipcheck.check.fixes.site import Site
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Node
from skipcheck.ops.base import per_axis

_MODE_OF_RANK = {1: "linear", 2: "bilinear", 3: "trilinear"}


def candidates(site: Site) -> Iterator[Candidate]:
    rank = len(site.table.axis_vars)
    done: set[tuple[int, int]] = set()
    for node in site.nodes:
        if (node.pos.line, node.pos.col) in done:
            continue  # every repeat of a layer takes the same edit
        try:
            proposal = _proposal(site, node, rank)
        except SkipcheckError:  # a malformed per-axis list, already reported
            continue
        if proposal is None:
            continue
        name, value, why = proposal
        try:
            edit = site.set_param(node, name, value)
        except EditError:
            continue
        done.add((node.pos.line, node.pos.col))
        yield Candidate(
            title=f"{name}: {value} on the {node.op} at line {node.pos.line} ({why})",
            description=f"Set {name}: {value} on {node.path} (line {node.pos.line}).",
            edits=(edit,),
            rank=RANK_LAYER_OPTION,
            mends=True,
            changes_behaviour=name != "padding" or node.op != "conv",
            behaviour=_behaviour(node, name),
            changes=(Change("set", (node.label,), name, value),),
        )


def _proposal(site: Site, node: Node, rank: int) -> tuple[str, str, str] | None:
    p = node.params
    if (
        node.op == "conv"
        and p.get("padding") == "same"
        and per_axis(node, "stride", rank) != (1,) * rank
    ):
        kernel, dilation = per_axis(node, "kernel_size", rank), per_axis(node, "dilation", rank)
        if any(k % 2 == 0 for k in kernel):
            return None  # an even kernel cannot pad evenly: no explicit padding equals `same`
        return (
            "padding",
            _axes([d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=True)]),
            ("torch's `same` needs stride 1"),
        )
    if node.op in ("maxpool", "avgpool"):
        kernel, padding = per_axis(node, "kernel_size", rank), per_axis(node, "padding", rank)
        if any(q > k // 2 for q, k in zip(padding, kernel, strict=True)):
            value = [min(q, k // 2) for q, k in zip(padding, kernel, strict=True)]
            return "padding", _axes(value), "at most half the kernel"
    if node.op == "conv_transpose":
        stride, dilation = per_axis(node, "stride", rank), per_axis(node, "dilation", rank)
        extra = per_axis(node, "output_padding", rank)
        limit = [max(s, d) - 1 for s, d in zip(stride, dilation, strict=True)]
        if any(o > m for o, m in zip(extra, limit, strict=True)):
            value = [min(o, m) for o, m in zip(extra, limit, strict=True)]
            return "output_padding", _axes(value), "below the stride"
    if node.op == "upsample" and p.get("mode") in ("linear", "bilinear", "bicubic", "trilinear"):
        mode = _MODE_OF_RANK.get(rank)
        if mode is not None and mode != p["mode"] and not (p["mode"] == "bicubic" and rank == 2):
            return "mode", mode, f"the mode for {rank}D inputs"
    if node.op == "groupnorm":
        c, groups = site.channels(node.inputs[0]), p.get("num_groups")
        if c is not None and isinstance(groups, int) and c % groups:
            most = max(d for d in range(1, groups + 1) if c % d == 0)
            return "num_groups", str(most), f"the most groups ≤ {groups} that divide {c} channels"
    if node.op == "prelu":
        c = site.channels(node.inputs[0])
        if c is not None and p.get("num_parameters") not in (1, c):
            return "num_parameters", str(c), "one slope per channel"
    return None


def _axes(values: list[int]) -> str:
    return str(values[0]) if len(set(values)) == 1 else "[" + ", ".join(map(str, values)) + "]"


def _behaviour(node: Node, name: str) -> str:
    if node.op == "conv":
        return (
            "the same computation torch's `same` would do at stride 1, written out for the stride"
        )
    if name == "mode":
        return "the interpolation runs over every spatial axis of this input"
    return f"{node.op} takes a {name} torch accepts; the output size may change"
