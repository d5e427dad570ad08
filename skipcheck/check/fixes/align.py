"""Spatial mismatch at a merge: center-crop the skip, or pad / interpolate the running tensor."""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import EditError
from skipcheck.check.fixes.model import RANK_ALIGN, Candidate, Change
from skipcheck.check.fixes.site import Site, axes_text


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        if merge.params.get("residual") or len(merge.inputs) != 2:
            continue
        run, skip = site.sizes(merge.inputs[0]), site.sizes(merge.inputs[1])
        if run is None or skip is None:
            continue
        try:
            args = site.merge_args(merge)
        except EditError:
            continue
        current = merge.params.get("align", "none")
        margins = [s - r for s, r in zip(skip, run, strict=False)]
        options = {
            "center_crop": (
                f"center-crop the skip {axes_text(skip)} → {axes_text(run)} "
                f"(margins {axes_text(margins)}, as in the original U-Net)",
                "the crop discards the skip's border features"
                + (
                    "; an odd margin loses one row more on one side"
                    if any(m % 2 for m in margins)
                    else ""
                ),
            ),
            "pad": (
                f"zero-pad the running tensor {axes_text(run)} → {axes_text(skip)}",
                "the padded border carries zeros into the merge",
            ),
            "interpolate": (
                f"interpolate the running tensor {axes_text(run)} → {axes_text(skip)}",
                "the running tensor is resampled to the skip's grid",
            ),
        }
        for align, (title, behaviour) in options.items():
            if align == current:
                continue
            try:
                edit = site.source.as_mapping(args, "skip", "align", align)
            except EditError:
                continue
            yield Candidate(
                title=title,
                description=f"Set `align: {align}` on the merge at line {merge.pos.line}.",
                edits=(edit,),
                rank=RANK_ALIGN + (align == "center_crop"),  # a crop discards data
                weight=_weight(merge.op, align),
                changes_behaviour=True,
                behaviour=behaviour,
                changes=(Change("align", (merge.label,), align),),
            )


def _weight(op: str, align: str) -> int:
    """Which of pad and interpolate first: a sum (FPN's top-down `add`) resamples the coarse
    map to the lateral's size, as torchvision's and mmdetection's FPNs do; a concat (U-Net)
    pads the decoder's map and keeps its pixels as they are."""
    return int((align == "pad") != (op == "concat"))
