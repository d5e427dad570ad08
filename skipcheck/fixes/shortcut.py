"""A residual whose body changes channels or stride: a projection shortcut (1x1 conv, ResNet-B)."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from skipcheck.fixes.edit import EditError
from skipcheck.fixes.model import RANK_PROJECTION, Candidate
from skipcheck.fixes.site import Site


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.merges[:1]:
        if not merge.params.get("residual"):
            continue
        body, short = merge.inputs
        args = site.layer_args(merge)
        if not isinstance(args, yaml.MappingNode) or site.source.find(args, "shortcut"):
            continue
        c_body, c_in = site.channels(body), site.channels(short)
        out, inp = site.sizes(body), site.sizes(short)
        if c_body is None or c_in is None or out is None or inp is None:
            continue
        strides = {-(-i // o) if o else 0 for i, o in zip(inp, out, strict=False)}
        if len(strides) != 1 or 0 in strides:
            continue
        stride = strides.pop()
        conv = f"out_channels: {c_body}, kernel_size: 1" + (
            f", stride: {stride}" if stride > 1 else ""
        )
        try:
            edit = site.source.set_key(args, "shortcut", f"[{{conv: {{{conv}}}}}]")
        except EditError:
            continue
        cost = c_in * c_body + c_body
        yield Candidate(
            title=f"projection shortcut: 1x1 conv {c_in} → {c_body}"
            + (f", stride {stride}" if stride > 1 else "")
            + f" ({cost:,} parameters)",
            description=f"Add `shortcut: [{{conv: {{{conv}}}}}]` to the residual at line {merge.pos.line}.",
            edits=(edit,),
            rank=RANK_PROJECTION,
            changes_behaviour=True,
            behaviour="the identity shortcut becomes a learned projection",
        )
