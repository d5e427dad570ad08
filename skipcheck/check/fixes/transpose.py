"""A transposed conv that comes out short of the skip: ``output_padding`` makes up the rows."""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import EditError
from skipcheck.check.fixes.model import RANK_LAYER_OPTION, Candidate, Change
from skipcheck.check.fixes.site import Site
from skipcheck.core.errors import SkipcheckError
from skipcheck.ops.base import per_axis


def candidates(site: Site) -> Iterator[Candidate]:
    rank = len(site.table.axis_vars)
    for merge in site.failing_merges()[:1]:
        run, skip = site.sizes(merge.inputs[0]), site.sizes(merge.inputs[1])
        if run is None or skip is None:
            continue
        short = [s - r for s, r in zip(skip, run, strict=False)]
        if not any(short) or min(short) < 0:
            continue
        for node in site.path_nodes(merge):
            if node.op != "conv_transpose" or site.sides(merge)[node.id] & 2:  # feeds the skip
                continue
            try:
                stride = per_axis(node, "stride", rank)
                dilation = per_axis(node, "dilation", rank)
                current = per_axis(node, "output_padding", rank)
            except SkipcheckError:
                continue
            wanted = [c + d for c, d in zip(current, short, strict=False)]
            # torch requires output_padding < max(stride, dilation) on each axis
            if any(w >= max(s, d) for w, s, d in zip(wanted, stride, dilation, strict=False)):
                continue
            value = str(wanted[0]) if len(set(wanted)) == 1 else str(wanted)
            try:
                edit = site.set_param(node, "output_padding", value)
            except EditError:
                continue
            yield Candidate(
                title=f"output_padding: {value} on the conv_transpose at line {node.pos.line}",
                description=f"{node.path} (line {node.pos.line}) then emits the skip's size "
                f"({'×'.join(map(str, skip))}).",
                edits=(edit,),
                rank=RANK_LAYER_OPTION,
                mends=True,
                changes_behaviour=True,
                behaviour="the transposed conv emits one more row/column at the far border",
                changes=(Change("set", (node.label,), "output_padding", value),),
            )
