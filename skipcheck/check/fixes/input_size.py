"""Change the input to the nearest sizes (below and above) for which the whole model runs
(or, for findings of silent loss, runs without it).

Only where that makes sense: a size under half or over twice the given one on any axis is
another model's input (a 4×4 image for an ImageNet network), so it is not offered. Ranked
last: the data must change, not the model."""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import Edit, Spot
from skipcheck.check.fixes.model import RANK_INPUT, Candidate, Change
from skipcheck.check.fixes.site import Site
from skipcheck.rules import RULES
from skipcheck.shapes.sizeset import OutOfFragment, SizeSet
from skipcheck.specfile.yamltree import YList


def candidates(site: Site) -> Iterator[Candidate]:
    if site.input_given:
        return
    items = site.source.find(site.source.root, "input")
    if (
        items is None
        or not isinstance(items.value, YList)
        or len(items.value) != len(site.graph.input_dims)
    ):
        return
    # a warning the config made an error (SC201) asks for a size where nothing is lost; for
    # an error, a size where nothing is lost either (a multiple of the model's stride, as
    # detectors pad their inputs) comes before a nearer one that merely runs
    kinds = ("clean",) if any(RULES[c].kind == "clean" for c in site.codes) else ("clean", "runs")
    sizes: dict[str, dict[str, tuple[int | None, int | None]]] = {}
    narrowed = False  # the declared shapes moved a choice: the title says so (the note
    # beside the finding names the nearest sizes that run)
    for kind in kinds:
        sizes[kind], moved = _nearest(site, kind)
        narrowed = narrowed or moved
    for side, word in ((0, "below"), (1, "above")):
        found = {kind: _dims(site, items, choices, side) for kind, choices in sizes.items()}
        for kind, dims in found.items():
            if dims is None or (kind == "clean" and len(kinds) > 1 and dims == found["runs"]):
                continue  # the nearest size that runs loses nothing: one candidate
            edits, text = dims
            held = " the declared shapes hold" if narrowed else ""
            if kind != kinds[-1]:
                what = f"size {word} where no layer drops a row{' and' if held else ''}{held}"
            else:
                what = f"valid size {word}{' where' if held else ''}{held}"
            old = "×".join(str(d) for d in site.graph.input_dims)
            yield Candidate(
                title=f"change the input to {text} (nearest {what})",
                description=f"Feed {text} instead of {old}: the architecture stays as written.",
                edits=edits,
                rank=RANK_INPUT + side,
                changes_behaviour=False,
                behaviour="the architecture is unchanged; the data (crops, tiles, resize) must match",
                weight=int(kind == kinds[-1]),
                changes=(Change("input", value=text),),
            )


def _nearest(site: Site, kind: str) -> tuple[dict[str, tuple[int | None, int | None]], bool]:
    """Per axis that fails at its size, the nearest sizes below and above of ``kind`` where
    the declared sizes hold too (each ``expect:`` that some such size meets): a size that
    breaks a declaration is no fix — its proof would meet the mismatch — while the size the
    declarations name often is (they were written for the input the spec meant). And
    whether a declaration moved a choice."""
    choices = {}
    moved = False
    for var, x in site.table.at.items():
        valid = site.table.valid_sizes(var, kind)
        if x in valid or valid.is_empty():
            continue
        choices[var] = _declared_within(site, var, valid).nearest(x)
        moved = moved or choices[var] != valid.nearest(x)
    return choices, moved


def _declared_within(site: Site, var: str, valid: SizeSet) -> SizeSet:
    """``valid`` narrowed by each declared size's set on ``var`` that leaves it some size."""
    seen: set[tuple[int, tuple[object, ...]]] = set()
    for c in site.table.constraints:
        sizes = c.sizes
        if c.kind != "declared" or sizes.var != var:
            continue
        key = (sizes.modulus, sizes.intervals)
        if key in seen:
            continue
        seen.add(key)
        try:
            both = valid & sizes
        except OutOfFragment:
            continue  # too fine to join exactly: the proof decides
        if not both.is_empty():
            valid = both
    return valid


def _dims(
    site: Site,
    items: Spot,
    choices: dict[str, tuple[int | None, int | None]],
    side: int,
) -> tuple[tuple[Edit, ...], str] | None:
    """The edits of ``input:`` to the chosen sizes and the new shape; None where an axis has
    none on that side, or only one under half or over twice the size given."""
    if not choices:
        return None
    edits: list[Edit] = []
    dims: list[str] = [str(d) for d in site.graph.input_dims]
    at = site.table.at
    for k, var in enumerate(site.table.axis_vars):
        if var not in choices:
            continue
        new = choices[var][side]
        if new is None or not at[var] <= 2 * new <= 4 * at[var]:
            return None
        edits.append(site.source.replace(site.source.items(items)[k + 2], str(new)))
        dims[k + 2] = str(new)
    return tuple(edits), "×".join(dims)
