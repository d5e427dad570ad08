"""Channel mismatch at add/mul: concat instead, a 1x1 projection on the skip, or another width."""

from __future__ import annotations

import re
from collections.abc import Iterator

from skipcheck.check.fixes.edit import EditError, line_col
from skipcheck.check.fixes.model import (
    RANK_MEND,
    RANK_MERGE_KIND,
    RANK_PROJECTION,
    RANK_WIDTH,
    Candidate,
    Change,
)
from skipcheck.check.fixes.site import Site, Value
from skipcheck.core.graph import Node


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        c_run, c_skip = site.channels(merge.inputs[0]), site.channels(merge.inputs[1])
        if c_run is None or c_skip is None or len(merge.inputs) != 2:
            continue
        if merge.params.get("residual"):
            # a residual's body and shortcut: mend the width of either (``shortcut`` adds one)
            yield from _widths(site, merge, c_run, c_skip)
            continue
        yield from _concat(site, merge, c_run, c_skip)
        yield from _projection(site, merge, c_run, c_skip)
        yield from _widths(site, merge, c_run, c_skip)


def _concat(site: Site, merge: Node, c_run: int, c_skip: int) -> Iterator[Candidate]:
    if merge.op == "concat" or len(merge.inputs) != 2:
        return
    key = site.source.entry(merge.pos)[1]
    # the layer that reads the merge comes after it, mostly right after: look from there
    nodes = site.graph.nodes
    consumer = next(
        (nodes[k] for k in range(merge.id + 1, len(nodes)) if merge.id in nodes[k].inputs), None
    )
    grows = f"{c_run} + {c_skip} = {c_run + c_skip} channels flow on"
    if consumer is not None:
        grows += f" ({consumer.op} at line {consumer.pos.line} now takes {c_run + c_skip} in)"
    yield Candidate(
        title=f"use concat instead of {merge.op} ({c_run} + {c_skip} = {c_run + c_skip} channels on)",
        description=f"Concatenate the skip instead of {merge.op}ing it (line {merge.pos.line}).",
        edits=(site.source.replace(key, "concat"),),
        rank=RANK_MERGE_KIND,
        changes_behaviour=True,
        behaviour=f"concat keeps both tensors side by side: {grows}",
        changes=(Change("merge_op", (merge.label,), "concat", merge.op, (c_run, c_skip)),),
    )


def _projection(site: Site, merge: Node, c_run: int, c_skip: int) -> Iterator[Candidate]:
    if any(site.graph.nodes[i].group == "via" for i in merge.inputs):
        return
    width = site.width(merge.inputs[0]) or Value(c_run)
    spelled = site.spell(width, merge.calls)
    via = f"[{{conv: {{out_channels: {spelled}, kernel_size: 1}}}}]"
    try:
        edit = site.source.as_mapping(site.merge_args(merge), "skip", "via", via)
    except EditError:
        return
    yield Candidate(
        title=f"project the skip with a 1x1 conv ({c_skip} → {c_run} channels)",
        description=f"Add `via: {via}` to the merge at line {merge.pos.line} (an FPN-style lateral).",
        edits=(edit,),
        rank=RANK_PROJECTION,
        changes_behaviour=True,
        behaviour=f"a new 1x1 conv ({c_skip}→{c_run}) learns how the skip is mixed in",
        in_terms=spelled != str(c_run),
        changes=(Change("projection", (merge.label,), numbers=(c_skip, c_run)),),
    )


def _widths(site: Site, merge: Node, c_run: int, c_skip: int) -> Iterator[Candidate]:
    run, skip = merge.inputs[0], merge.inputs[1]
    sides = ((skip, run, c_run, "skip"), (run, skip, c_skip, "running tensor"))
    for node_id, other, target, side in sides:
        layer = site.channel_source(node_id)
        if layer is None:
            continue
        try:
            edit = site.set_param(layer, "out_channels", site.width(other) or Value(target))
            literal = site.set_param(layer, "out_channels", str(target))
        except EditError:
            continue
        line = line_col(site.source.text, edit.start)[0]
        where = layer.where
        # a width the spec states in its params (`out_channels: d`) is the design, not a
        # slip: overriding it with a number is a width change, not a mend
        stated = site.value(layer, "out_channels")
        designed = stated is not None and any(
            _reads_params(site, text) for text, _ in stated.spellings
        )
        overrides = designed and edit.new.strip().isdigit()
        # one layer's width is a mend where the change stays on this side of the merge; a
        # trunk layer (it feeds the other side or later layers too) or a block argument that
        # sets several layers' widths is the design changing, ranked after a projection
        one_layer = site.feeds_only(layer, merge) and not _shared_width(site, layer)
        yield Candidate(
            title=f"make the {side} {target} channels: out_channels of {where} (line {line})",
            description=f"Set out_channels to {target} where the {side}'s width is decided "
            f"({layer.path}, written at line {line}).",
            edits=(edit,),
            rank=RANK_MEND if one_layer and not overrides else RANK_WIDTH,
            changes_behaviour=True,
            behaviour=f"{where} and every layer it feeds change width",
            in_terms=edit != literal,
            mends=not overrides,
            tag=f"c{target}",
            changes=(Change("set", (layer.label,), "out_channels", str(target)),),
        )


def _shared_width(site: Site, layer: Node) -> bool:
    """Whether the layer's width is a block argument (``out_channels: ch``) that other
    layers of the same call read too: changing it re-sizes the block."""
    stated = site.value(layer, "out_channels")
    if stated is None or len(stated.spellings) < 2:
        return False  # written at the layer itself
    readers = 0
    for n in site.graph.nodes:
        if n.calls == layer.calls and "out_channels" in n.param_pos:
            value = site.value(n, "out_channels")
            readers += value is not None and value.spellings[:1] == stated.spellings[:1]
    return readers > 1


def _reads_params(site: Site, text: str) -> bool:
    """Whether a written value reads one of the spec's params (``d``, ``base * 2``)."""
    names = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", text))
    return bool(names & set(site.graph.params))
