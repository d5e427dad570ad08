"""A declaration the model does not meet: a declared shape (SC301) or a stated
``in_channels`` / ``num_features`` / ``in_features`` (SC107).

For a stated channel count fed by an ``add`` whose inputs would sum to it, the likely
intent is a concat: that comes first. Otherwise the declaration is brought to what
the model computes — last in rank, since the declaration may be the truth and the
model wrong: the fix says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from skipcheck.check.fixes.edit import EditError
from skipcheck.check.fixes.model import (
    RANK_DECLARATION,
    RANK_MEND,
    RANK_MERGE_KIND,
    Candidate,
    Change,
)
from skipcheck.check.fixes.site import Site, Value
from skipcheck.engine import declared
from skipcheck.ops.merge import MERGE_OPS
from skipcheck.rules import DECLARED_CHANNELS, DECLARED_SHAPE
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import Dim, concrete
from skipcheck.shapes.periodic import Affine
from skipcheck.specfile.yamltree import YList

_FLOOR = re.compile(r"⌊([^⌊⌋]*)/(\d+)⌋")
_STATED = ("in_channels", "num_features", "in_features")


def candidates(site: Site) -> Iterator[Candidate]:
    for d in site.diagnostics:
        if d.code == DECLARED_SHAPE.code:
            yield from _declared_shape(site, d)
        elif d.code == DECLARED_CHANNELS.code:
            yield from _stated_channels(site, d)


def _declared_shape(site: Site, d: Diagnostic) -> Iterator[Candidate]:
    node = next((n for n in reversed(site.graph.nodes) if n.label == d.node), None)
    shape = site.table.shapes.get(node.id) if node is not None else None
    if node is None or shape is None:
        return
    try:
        written = site.source.value(d.pos)
    except EditError:
        return
    if not isinstance(written.value, YList) or len(written.value) != len(shape):
        return
    items = [site.source.span(item) for item in site.source.items(written)]
    values = tuple(written.value)  # each item as the loader read it where it stands
    verdicts = declared.compare(values, tuple(shape), site.table)
    if verdicts is None:
        return
    spelled: list[str] = []
    for item, verdict, dim in zip(items, verdicts, shape, strict=True):
        # an axis the declaration already gets right keeps its own words
        new = item if verdict is True else _spell(dim, site)
        if new is None:
            return
        spelled.append(new)
    text = f"[{', '.join(spelled)}]"
    try:
        edits = site.source.replace_items(written, spelled)
    except EditError:
        return
    yield Candidate(
        title=f"declare {text} at line {d.pos.line} (what the model produces)",
        description=f"Change the declared shape at line {d.pos.line} to {text}.",
        edits=edits,
        rank=RANK_DECLARATION,
        changes_behaviour=False,
        behaviour="the model is unchanged; the declaration now states what it computes — "
        "keep it only if that is the intent",
    )


def _spell(dim: Dim, site: Site) -> str | None:
    """A size as a declaration writes it: a number, the batch symbol, or arithmetic in
    the input's symbols (``(H - 2) // 2``); None where no plain expression says it."""
    if isinstance(dim, (int, str)):
        return str(dim)
    value = concrete(dim, site.table.at)
    if isinstance(value, int) and site.table.at:
        return str(value)
    if not isinstance(dim, Affine):
        return None
    formula = dim.formula()
    if "periodic" in formula or "⌈" in formula:
        return None
    while _FLOOR.search(formula):
        formula = _FLOOR.sub(_floor_div, formula)
    return formula.replace("·", " * ")


def _floor_div(match: re.Match[str]) -> str:
    inner, k = match.groups()
    return f"{inner} // {k}" if inner.isidentifier() else f"({inner}) // {k}"


def _stated_channels(site: Site, d: Diagnostic) -> Iterator[Candidate]:
    found = [
        (n, key)
        for n in site.graph.nodes
        for key in _STATED
        if key in n.params and n.param_pos.get(key) == d.pos
    ]
    if not found:
        return
    node, key = found[0]
    stated = node.params[key]
    source = site.graph.nodes[node.inputs[0]]
    widths = [site.channels(i) for i in source.inputs]
    summed = sum(w for w in widths if w is not None)
    # any merge that keeps one width (add, sub, mul, max, mean): concat gives the sum
    if (
        source.op in MERGE_OPS - {"concat"}
        and len(widths) == 2
        and None not in widths
        and summed == stated
    ):
        try:
            op_key = site.source.entry(source.pos)[1]
        except EditError:
            op_key = None
        if op_key is not None:
            yield Candidate(
                title=f"use concat instead of {source.op} at line {source.pos.line} "
                f"({' + '.join(map(str, widths))} = {stated} channels, as {key} states)",
                description=f"Concatenate at line {source.pos.line}: the {node.op} at "
                f"line {node.pos.line} is built for {stated} channels.",
                edits=(site.source.replace(op_key, "concat"),),
                rank=RANK_MERGE_KIND,
                changes_behaviour=True,
                behaviour="concat keeps both tensors side by side, as the layer after "
                "it was built for",
                changes=(
                    Change(
                        "merge_op",
                        (source.label,),
                        "concat",
                        source.op,
                        (widths[0] or 0, widths[1] or 0),
                    ),
                ),
            )
    # the layer that sets the width may be the wrong one (a transition's compression)
    layer = site.channel_source(node.inputs[0])
    if layer is not None and isinstance(stated, int):
        try:
            edit = site.set_param(layer, "out_channels", site.value(node, key) or Value(stated))
        except EditError:
            edit = None
        if edit is not None:
            yield Candidate(
                title=f"out_channels: {stated} "
                f"on the {layer.op} at line {layer.pos.line} (what line {node.pos.line} states)",
                description=f"Set out_channels of {layer.path} to {stated}: the {node.op} at "
                f"line {node.pos.line} is built for {stated} channels.",
                edits=(edit,),
                rank=RANK_MEND,
                changes_behaviour=True,
                behaviour=f"{layer.where} and every layer it feeds change width",
                mends=True,
                tag=f"c{stated}",
                changes=(Change("set", (layer.label,), "out_channels", str(stated)),),
            )
    width = site.width(node.inputs[0])
    if width is None:
        return
    try:
        edit = site.set_param(node, key, width)
    except EditError:
        return
    spelled = site.spell(width, node.calls)
    yield Candidate(
        title=f"state {key}: {spelled} on the {node.op} at line {node.pos.line} (what it receives)",
        description=f"Set {key}: {spelled} on {node.path}: the layer takes what reaches it.",
        edits=(edit,),
        rank=RANK_DECLARATION,
        changes_behaviour=True,
        behaviour=f"the {node.op}'s weights are shaped for {width.number} input channels "
        f"instead of {stated} — keep it only if {stated} was the mistake",
        changes=(Change("set", (node.label,), key, str(width.number)),),
    )
