"""Size-reducing convs on one side of a merge: pad them so they keep the size."""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import Edit, EditError
from skipcheck.check.fixes.model import RANK_PADDING, Candidate, Change
from skipcheck.check.fixes.site import Site
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Node
from skipcheck.ops.base import per_axis


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        found: dict[tuple[int, int], tuple[Node, Edit, str]] = {}
        for node in site.path_nodes(merge):
            proposal = _padding(site, node)
            if proposal is None:
                continue
            try:
                edit = site.set_param(node, "padding", proposal)
            except EditError:
                continue
            found.setdefault((node.pos.line, node.pos.col), (node, edit, proposal))
        if not found:
            continue
        groups = [list(found.values())]
        if len(found) > 1:
            groups += [[item] for item in found.values()]
        for group in groups:
            lines = ", ".join(str(n.pos.line) for n, _, _ in group)
            values = sorted({v for _, _, v in group})
            plural = "s" * (len(group) > 1)
            yield Candidate(
                title=f"padding: {'/'.join(values)} on the size-reducing conv{plural} at line{plural} {lines}",
                description="Give "
                + "; ".join(f"{n.path} (line {n.pos.line}) padding: {v}" for n, _, v in group)
                + " so each keeps its input size.",
                edits=tuple(dict.fromkeys(e for _, e, _ in group)),
                rank=RANK_PADDING + len(group) - 1,
                mends=True,
                changes_behaviour=True,
                behaviour="the convs see zero-padded borders instead of shrinking the map",
                changes=tuple(Change("set", (n.label,), "padding", v) for n, _, v in group),
            )


def _padding(site: Site, node: Node) -> str | None:
    """The padding that makes a stride-1 conv keep its size, if it does not already."""
    if node.op != "conv":
        return None
    rank = len(site.table.axis_vars)
    before, after = site.sizes(node.inputs[0]), site.sizes(node.id)
    if before is None or after is None or before == after:
        return None
    try:
        stride = per_axis(node, "stride", rank)
        kernel = per_axis(node, "kernel_size", rank)
        dilation = per_axis(node, "dilation", rank)
    except SkipcheckError:  # a malformed per-axis list, already reported by the check
        return None
    if any(s != 1 for s in stride):
        return None
    if all(k % 2 for k in kernel):
        pads = {d * (k - 1) // 2 for k, d in zip(kernel, dilation, strict=False)}
        if len(pads) == 1:
            return str(pads.pop())
        return (
            "["
            + ", ".join(str(d * (k - 1) // 2) for k, d in zip(kernel, dilation, strict=False))
            + "]"
        )
    return "same"
