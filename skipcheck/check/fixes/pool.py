"""Pools that floor away a row: ``ceil_mode: true`` keeps the last partial window."""

from __future__ import annotations

from collections.abc import Iterator

from skipcheck.check.fixes.edit import Edit, EditError
from skipcheck.check.fixes.model import RANK_LAYER_OPTION, Candidate, Change
from skipcheck.check.fixes.site import Site
from skipcheck.core.graph import Node


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        found: dict[tuple[int, int], tuple[Node, Edit]] = {}
        for node_id in sorted(site.pools_above(merge.id)):
            node = site.graph.nodes[node_id]
            if node.op not in ("maxpool", "avgpool") or node.params.get("ceil_mode"):
                continue
            try:
                edit = site.set_param(node, "ceil_mode", "true")
            except EditError:
                continue
            found.setdefault((node.pos.line, node.pos.col), (node, edit))
        groups = [[item] for item in found.values()]
        if len(found) > 1:
            groups.append(list(found.values()))
        for group in groups:
            lines = ", ".join(str(n.pos.line) for n, _ in group)
            plural = "s" * (len(group) > 1)
            yield Candidate(
                title=f"ceil_mode: true on the pool{plural} at line{plural} {lines}",
                description="Keep the last partial pooling window instead of flooring it away ("
                + ", ".join(n.path for n, _ in group)
                + ").",
                edits=tuple(e for _, e in group),
                rank=RANK_LAYER_OPTION + len(group) - 1,
                mends=True,
                changes_behaviour=True,
                behaviour="the pool keeps a border window it used to drop",
                changes=(Change("set", tuple(n.label for n, _ in group), "ceil_mode", "true"),),
            )
