"""Fixes for the findings of a spec, each proven by re-checking the whole model.

``suggest`` is called by ``skipcheck.check.check_spec`` when fixes are asked for; it
gets the checked result and a ``recheck`` that runs the same pipeline (same ``--set``,
input and config) on an edited text, so a fix is proven exactly as the spec is checked.

>>> result = check_spec("specs/unet_add_broken.yaml", Options(fixes=True))
>>> for site, fixes in result.fixes:
...     print(site.diagnostics[0].pos.line, [f.title for f in fixes][:1])"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.check.fixes import (
    align,
    blocks,
    channels,
    declared,
    input_size,
    mend,
    options,
    padding,
    pool,
    shortcut,
    transpose,
)
from skipcheck.check.fixes.edit import Edit, EditError, SpecText
from skipcheck.check.fixes.model import RANK_PAIR, Candidate, Fix
from skipcheck.check.fixes.prove import Baseline, Recheck, prove
from skipcheck.check.fixes.site import FileFacts, Site, uses_of
from skipcheck.core.graph import Graph, Node
from skipcheck.rules import RULES
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.table import ShapeTable

if TYPE_CHECKING:
    from skipcheck.check.result import FileResult

__all__ = ["GENERATORS", "Candidate", "Edit", "Fix", "Site", "candidates", "suggest"]

GENERATORS: dict[str, Callable[[Site], Iterator[Candidate]]] = {
    "input_size": input_size.candidates,
    "options": options.candidates,
    "pool": pool.candidates,
    "transpose": transpose.candidates,
    "mend": mend.candidates,
    "blocks": blocks.candidates,
    "align": align.candidates,
    "padding": padding.candidates,
    "shortcut": shortcut.candidates,
    "channels": channels.candidates,
    "declared": declared.candidates,
}
MAX_COMBINED = 2  # best partial fixes per side that are tried together


def sites(
    graph: Graph,
    table: ShapeTable,
    errors: Sequence[Diagnostic],
    text: str,
    input_given: bool,
    tree: Any = None,
) -> list[Site]:
    """One site per position that carries error findings, in file order; ``tree`` is the
    text as loaded (loaded here when not given)."""
    source = SpecText(text, tree)
    grouped: dict[tuple[int, int], list[Diagnostic]] = {}
    mine = [d for d in errors if d.pos.file == graph.file]
    for d in mine:
        grouped.setdefault((d.pos.line, d.pos.col), []).append(d)
    # the layers at each position, found in one pass: a scan per site was quadratic in a
    # spec with many broken merges
    at: dict[tuple[int, int], list[Node]] = {key: [] for key in grouped}
    for n in graph.nodes:
        here = at.get((n.pos.line, n.pos.col))
        if here is not None:
            here.append(n)
    facts = FileFacts()  # worked out once, for every site
    out = []
    for (line, col), diags in sorted(grouped.items()):
        out.append(
            Site(
                graph,
                table,
                source,
                diags,
                at[(line, col)],
                input_given,
                file_errors=mine,
                facts=facts,
            )
        )
    return out


def candidates(site: Site) -> list[Candidate]:
    """Every candidate the generators of the site's rules propose (not yet proven)."""
    return [cand for _, cand in _generated(site)]


def _generated(site: Site) -> Iterator[tuple[str, Candidate]]:
    """The candidates with the name of the generator that proposed each, made as they are
    asked for: a report that wants one fix per site stops at the first that proves."""
    wanted = {name for code in site.codes for name in RULES[code].fixes}
    for name, generate in GENERATORS.items():
        if name not in wanted:
            continue
        try:
            for cand in generate(site):
                yield name, cand
        except EditError:
            continue  # this generator cannot write its edit in this file's layout


def prove_site(base: Baseline, site: Site, first_only: bool = False) -> list[Fix]:
    """Prove each candidate; where channels and sizes both break, also prove the best pairs.
    ``first_only``: stop at the first proven fix, whole or partial — all that a report
    counting the errors with a fix needs (each error of a site has the site's fixes), and
    a pair or a better fix costs more re-checks than the rest of the file."""
    proven: list[tuple[Candidate, Fix]] = []
    seen: set[str] = set()
    fixes: list[Fix] = []

    def attempt(cand: Candidate) -> Fix | None:
        fix = prove(base, site.diagnostics, cand)
        if fix is None or fix.text in seen:
            return None
        seen.add(fix.text)
        judge(base, site, cand, fix)
        fixes.append(fix)
        return fix

    for _, cand in _generated(site):
        fix = attempt(cand)
        if fix is None:
            continue
        if first_only:
            return [fix]
        proven.append((cand, fix))
    # local before global: an edit of a shared block that changes its unbroken uses is also
    # written as a copy of the block that only the broken uses call (an edit that is local
    # already, or that was not proven, needs no copy)
    for variant in blocks.variants(site, [c for c, f in proven if not f.local]):
        fix = attempt(variant)
        if fix is not None:
            proven.append((variant, fix))
    partial = [(c, f) for c, f in proven if f.partial]
    by_channels = [p for p in partial if _fixes_channels(p[1], site)][:MAX_COMBINED]
    by_sizes = [p for p in partial if not _fixes_channels(p[1], site)][:MAX_COMBINED]
    for (c1, _), (c2, _) in ((a, b) for a in _ranked(by_channels) for b in _ranked(by_sizes)):
        attempt(_pair(c1, c2))
    fixes.sort(key=order)
    return fixes


def order(fix: Fix) -> tuple[bool, bool, bool, int, int, int, int]:
    """Whole fixes first; those after which the model still runs at some size before those
    that leave it none (a mend at the given size only, where other merges then fail at
    every size it allows: no reviewer takes it); then those that leave every unbroken use of a block they edit as
    it was, or that mend every finding of the file (a block that is wrong wherever it is
    used: the common cause); then the gentler kind of change; then the more findings at
    other sites mended too; then the fewer parameters changed; then the value its peers
    write, or the smaller one (a stride of 1 before one of 4)."""
    return (
        fix.partial,
        fix.closes_sizes,
        not (fix.local or fix.clears_file),
        fix.rank,
        -fix.mended_elsewhere,
        abs(fix.param_delta or 0),
        fix.weight,
    )


def judge(base: Baseline, site: Site, cand: Candidate, fix: Fix) -> None:
    """Where a proven fix lands, measured on the re-checked model: for each block it edits,
    how many of its uses change (their layers' values or parameter counts) and how many of
    them were broken — the title says so, and how many findings at other sites it mends; it is *local* when no unbroken use of an edited block
    changes, and *safe* when it mends (an existing parameter or block), is local and no
    unbroken use of any block changes its parameters."""
    after = base.check(fix.text)
    now = (
        uses_of(after.graph, set(site.block_spans))
        if after is not None and after.graph is not None
        else {}
    )
    later = after.table if after is not None and after.table is not None else None

    def changed(block: str, key: str, nodes: list[int], definition: bool) -> bool:
        """Whether a use's parameter counts changed or, with ``definition``, its layers'
        values: the shapes that reach it may change (the broken use upstream now strides)
        without the use computing anything else."""
        new = now.get(block, {}).get(key)
        if new is None or later is None or after is None or after.graph is None:
            return True
        before = [base.table.counts.get(i) for i in nodes]
        if before != [later.counts.get(i) for i in new]:
            return True
        old = base.result.graph.nodes if base.result.graph is not None else []
        return definition and [(old[i].op, old[i].params) for i in nodes] != [
            (after.graph.nodes[j].op, after.graph.nodes[j].params) for j in new
        ]

    where: list[str] = []
    local = True
    for block in site.edited_blocks(fix.edits):
        found = site.uses.get(block, {})
        if len(found) <= 1:
            continue
        broken = [k for k in found if site.broken(k)]
        moved = [k for k in found if not site.broken(k) and changed(block, k, found[k], True)]
        if moved:
            local = False
            lines = site.use_lines(block, broken)
            at = f" (line{'s' * (len(lines) > 1)} {', '.join(map(str, lines))})" if lines else ""
            which = f", {len(broken)} of them broken{at}" if broken else ""
            where.append(
                f"in block {block}: {len(moved) + len(broken)} of its {len(found)} uses "
                f"change{which}"
            )
        else:
            where.append(
                f"in block {block}: changes only its {len(broken)} broken use"
                f"{'s' * (len(broken) != 1)} of {len(found)}"
            )
    ripple = any(
        changed(block, key, nodes, False)
        for block, found in site.uses.items()
        for key, nodes in found.items()
        if not site.broken(key)
    )
    if fix.mended_elsewhere:
        n = fix.mended_elsewhere
        where.append(f"also mends {n} finding{'s' * (n != 1)} at other lines")
    fix.local = local
    fix.safe = cand.mends and local and not ripple
    fix.weight = cand.weight
    delta = fix.param_delta
    cost = (
        "model parameters not countable at a symbolic size"
        if delta is None
        else f"model parameters {delta:+,}"
        if delta
        else "model parameters unchanged"
    )
    fix.title = " — ".join([cand.title, *where, cost])


def _pair(chan: Candidate, space: Candidate) -> Candidate:
    """One candidate of two partial ones: the size fix, then the channel fix."""
    c1, c2 = chan, space
    return Candidate(
        title=f"{c2.title} + {c1.title}",
        description=f"{c2.description} {c1.description}",
        edits=c1.edits + c2.edits,
        rank=max(c1.rank, c2.rank) + RANK_PAIR,
        changes_behaviour=c1.changes_behaviour or c2.changes_behaviour,
        behaviour="; ".join(dict.fromkeys(c.behaviour for c in (c2, c1) if c.changes_behaviour))
        or c1.behaviour,
        in_terms=c1.in_terms or c2.in_terms,
        mends=c1.mends and c2.mends,
        changes=c2.changes + c1.changes,
    )


def _ranked(items: list[tuple[Candidate, Fix]]) -> list[tuple[Candidate, Fix]]:
    return sorted(items, key=lambda p: (p[1].rank, abs(p[1].param_delta or 0)))


def _fixes_channels(fix: Fix, site: Site) -> bool:
    """Whether a partial fix resolves the site's size-free (channel) findings."""
    size_free = {c for c in site.codes if RULES[c].size_free}
    return bool(size_free) and not size_free & {r.split(" ", 1)[0] for r in fix.remaining}


def suggest(
    result: FileResult,
    recheck: Recheck,
    *,
    sweep: bool = True,
    first_only: bool = False,
    tree: Any = None,
) -> tuple[tuple[Site, tuple[Fix, ...]], ...]:
    """Proven fixes for every error site of a checked spec, in file order; ``sweep``
    also re-proves each at every param's ½× and 2× (``proven_for`` / ``fails_at``);
    ``first_only`` stops at each site's first proven fix. ``tree`` is the
    spec's text as loaded, so that edits find their values without parsing it again."""
    if result.graph is None or result.table is None:
        return ()
    base = Baseline(result, recheck, swept_params=sweep)
    found = sites(
        result.graph,
        result.table,
        result.errors,
        result.text,
        result.input_shape is not None,
        tree,
    )
    out = []
    for site in found:
        before = base.untried
        fixes = tuple(prove_site(base, site, first_only))
        site.untried = base.untried - before
        site.cut = base.exhausted
        out.append((site, fixes))
    return tuple(out)
