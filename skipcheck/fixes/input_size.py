"""Change the input to the nearest sizes (below and above) for which the whole model runs
(or, for findings of silent loss, runs without it).

Only where that makes sense: a size under half or over twice the given one on any axis is
another model's input (a 4×4 image for an ImageNet network), so it is not offered. Ranked
last: the data must change, not the model."""

from __future__ import annotations

from collections.abc import Iterator

import yaml

from skipcheck.fixes.edit import Edit
from skipcheck.fixes.model import RANK_INPUT, Candidate
from skipcheck.fixes.site import Site
from skipcheck.rules import RULES


def candidates(site: Site) -> Iterator[Candidate]:
    if site.input_given or not isinstance(site.source.root, yaml.MappingNode):
        return
    items = site.source.find(site.source.root, "input")
    if not isinstance(items, yaml.SequenceNode) or len(items.value) != len(site.graph.input_dims):
        return
    table = site.table
    # a warning the config made an error (SC201) asks for a size where nothing is lost
    kind = "clean" if any(RULES[c].kind == "clean" for c in site.codes) else "runs"
    choices: dict[str, tuple[int | None, int | None]] = {}
    for var, x in table.at.items():
        valid = table.valid_sizes(var, kind)
        if x not in valid and not valid.is_empty():
            choices[var] = valid.nearest(x)
    if not choices:
        return
    for side, word in ((0, "below"), (1, "above")):
        edits: list[Edit] = []
        dims: list[str] = [str(d) for d in site.graph.input_dims]
        for k, var in enumerate(table.axis_vars):
            if var not in choices:
                continue
            new = choices[var][side]
            if new is None or not table.at[var] <= 2 * new <= 4 * table.at[var]:
                break  # none, or under half / over twice the size given
            edits.append(site.source.replace(items.value[k + 2], str(new)))
            dims[k + 2] = str(new)
        else:
            old = "×".join(str(d) for d in site.graph.input_dims)
            yield Candidate(
                title=f"change the input to {'×'.join(dims)} (nearest valid size {word})",
                description=f"Feed {'×'.join(dims)} instead of {old}: the architecture stays as written.",
                edits=tuple(edits),
                rank=RANK_INPUT + side,
                changes_behaviour=False,
                behaviour="the architecture is unchanged; the data (crops, tiles, resize) must match",
            )
