"""Channel mismatch at add/mul: concat instead, a 1x1 projection on the skip, or another width."""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.fixes.edit import EditError, line_col
from skipcheck.fixes.model import RANK_MERGE_KIND, RANK_PROJECTION, RANK_WIDTH, Candidate
from skipcheck.fixes.site import Site, Value
from skipcheck.graph import Node


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        if merge.params.get("residual"):
            continue
        c_run, c_skip = site.channels(merge.inputs[0]), site.channels(merge.inputs[1])
        if c_run is None or c_skip is None:
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
    )


def _projection(site: Site, merge: Node, c_run: int, c_skip: int) -> Iterator[Candidate]:
    if any(site.graph.nodes[i].group == "via" for i in merge.inputs):
        return
    cost = c_skip * c_run + c_run
    width = site.width(merge.inputs[0]) or Value(c_run)
    spelled = site.spell(width, merge.calls)
    via = f"[{{conv: {{out_channels: {spelled}, kernel_size: 1}}}}]"
    try:
        edit = site.source.as_mapping(site.merge_args(merge), "skip", "via", via)
    except EditError:
        return
    yield Candidate(
        title=f"project the skip with a 1x1 conv ({c_skip} → {c_run} channels, {cost:,} parameters)",
        description=f"Add `via: {via}` to the merge at line {merge.pos.line} (an FPN-style lateral).",
        edits=(edit,),
        rank=RANK_PROJECTION,
        changes_behaviour=True,
        behaviour=f"a new 1x1 conv ({c_skip}→{c_run}) learns how the skip is mixed in",
        in_terms=spelled != str(c_run),
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
        yield Candidate(
            title=f"make the {side} {target} channels: out_channels of {where} (line {line})",
            description=f"Set out_channels to {target} where the {side}'s width is decided "
            f"({layer.path}, written at line {line}).",
            edits=(edit,),
            rank=RANK_WIDTH,
            changes_behaviour=True,
            behaviour=f"{where} and every layer it feeds change width",
            in_terms=edit != literal,
        )
