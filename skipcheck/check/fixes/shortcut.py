"""A residual whose body changes channels or stride: a projection shortcut (1x1 conv, ResNet-B).

In a block the shortcut is written in the block's own terms (``out_channels: ch,
stride: s``), so one edit serves every use of the block and is proven for all of them:
the classic bug is a basic block reused with ``s: 2`` that has no downsample path.
"""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import EditError
from skipcheck.check.fixes.model import RANK_PROJECTION, Candidate, Change
from skipcheck.check.fixes.site import Site, Value
from skipcheck.core.graph import Node
from skipcheck.specfile.yamltree import YMap


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        if not merge.params.get("residual"):
            continue
        # a residual concat reads [shortcut, body] (see specfile/expand.py), add and mul the reverse
        short, body = merge.inputs if merge.op == "concat" else merge.inputs[::-1]
        args = site.layer_args(merge)
        if not isinstance(args.value, YMap) or site.source.find(args, "shortcut"):
            continue
        c_body, c_in = site.channels(body), site.channels(short)
        out, inp = site.sizes(body), site.sizes(short)
        if c_body is None or c_in is None or out is None or inp is None:
            continue
        strides = {-(-i // o) if o else 0 for i, o in zip(inp, out, strict=False)}
        if len(strides) != 1 or 0 in strides:
            continue
        stride = strides.pop()
        width = site.spell(site.width(body) or Value(c_body), merge.calls)
        step = site.spell(_stride(site, merge, stride), merge.calls)
        # a body that normalises gets a normalised shortcut (conv without bias, then BN)
        norm = any(site.graph.nodes[n].op == "batchnorm" for n in _body(site, merge))
        conv = f"out_channels: {width}, kernel_size: 1"
        if stride > 1 or step != str(stride):
            conv += f", stride: {step}"
        if norm:
            conv += ", bias: false"
        layers = f"{{conv: {{{conv}}}}}" + (", batchnorm" if norm else "")
        try:
            edit = site.source.set_key(args, "shortcut", f"[{layers}]")
        except EditError:
            continue
        uses = len(site.merges)
        yield Candidate(
            title=f"projection shortcut: 1x1 conv {c_in} → {c_body}"
            + (f", stride {stride}" if stride > 1 else "")
            + (" + batchnorm" if norm else ""),
            description=f"Add `shortcut: [{layers}]` to the residual at line {merge.pos.line}.",
            edits=(edit,),
            rank=RANK_PROJECTION,
            changes_behaviour=True,
            behaviour="the identity shortcut becomes a learned projection"
            + (" in every use of the block" if uses > 1 else ""),
            in_terms=width != str(c_body) or step != str(stride),
            tag="proj",
            changes=(
                Change(
                    "shortcut",
                    (merge.label,),
                    value="batchnorm" if norm else "",
                    numbers=(c_in, c_body, stride),
                ),
            ),
        )


def _body(site: Site, merge: Node) -> frozenset[int]:
    """The nodes of a residual's body (on the body's path, not the shortcut's)."""
    body = merge.inputs[0]
    return frozenset(n for n in site.sides(merge) if site.side_of(n, merge) == body)


def _stride(site: Site, merge: Node, stride: int) -> Value:
    """The stride, spelled as the body's one strided layer writes it (``s``), if it has one."""
    strided = [
        site.graph.nodes[n]
        for n in sorted(_body(site, merge))
        if site.graph.nodes[n].params.get("stride") not in (None, 1, [1, 1], [1, 1, 1])
    ]
    if len(strided) == 1:
        value = site.value(strided[0], "stride")
        if value is not None and value.number == stride:
            return value
    return Value(stride, key="stride")
