"""Fixes for the findings of a spec, each proven by re-checking the whole model.

``suggest`` is called by ``skipcheck.check.check_spec`` when fixes are asked for; it
gets the checked result and a ``recheck`` that runs the same pipeline (same ``--set``,
input and config) on an edited text, so a fix is proven exactly as the spec is checked.

>>> result = check_spec("specs/unet_add_broken.yaml", Options(fixes=True))
>>> for site, fixes in result.fixes:
...     print(site.diagnostics[0].pos.line, [f.title for f in fixes][:1])"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from skipcheck.diagnostics import Diagnostic
from skipcheck.fixes import (
    align,
    channels,
    declared,
    input_size,
    options,
    padding,
    pool,
    shortcut,
    transpose,
)
from skipcheck.fixes.edit import Edit, EditError, Source
from skipcheck.fixes.model import Candidate, Fix
from skipcheck.fixes.prove import Baseline, Recheck, prove
from skipcheck.fixes.site import Site
from skipcheck.graph import Graph, Node
from skipcheck.rules import RULES
from skipcheck.shapes.table import ShapeTable

if TYPE_CHECKING:
    from skipcheck.result import FileResult

__all__ = ["GENERATORS", "Candidate", "Edit", "Fix", "Site", "candidates", "suggest"]

GENERATORS: dict[str, Callable[[Site], Iterator[Candidate]]] = {
    "input_size": input_size.candidates,
    "options": options.candidates,
    "pool": pool.candidates,
    "transpose": transpose.candidates,
    "align": align.candidates,
    "padding": padding.candidates,
    "shortcut": shortcut.candidates,
    "channels": channels.candidates,
    "declared": declared.candidates,
}
MAX_COMBINED = 2  # best partial fixes per side that are tried together


def sites(
    graph: Graph, table: ShapeTable, errors: Sequence[Diagnostic], text: str, input_given: bool
) -> list[Site]:
    """One site per position that carries error findings, in file order."""
    source = Source(text)
    grouped: dict[tuple[int, int], list[Diagnostic]] = {}
    for d in errors:
        if d.pos.file == graph.file:
            grouped.setdefault((d.pos.line, d.pos.col), []).append(d)
    # the layers at each position, found in one pass: a scan per site was quadratic in a
    # spec with many broken merges
    at: dict[tuple[int, int], list[Node]] = {key: [] for key in grouped}
    for n in graph.nodes:
        here = at.get((n.pos.line, n.pos.col))
        if here is not None:
            here.append(n)
    out = []
    for (line, col), diags in sorted(grouped.items()):
        out.append(Site(graph, table, source, diags, at[(line, col)], input_given))
    return out


def candidates(site: Site) -> list[Candidate]:
    """Every candidate the generators of the site's rules propose (not yet proven)."""
    return [cand for _, cand in _generated(site)]


def _generated(site: Site) -> list[tuple[str, Candidate]]:
    """The candidates with the name of the generator that proposed each."""
    wanted = {name for code in site.codes for name in RULES[code].fixes}
    out: list[tuple[str, Candidate]] = []
    for name, generate in GENERATORS.items():
        if name not in wanted:
            continue
        try:
            out.extend((name, cand) for cand in generate(site))
        except EditError:
            continue  # this generator cannot write its edit in this file's layout
    return out


def prove_site(base: Baseline, site: Site, first_only: bool = False) -> list[Fix]:
    """Prove each candidate; where channels and sizes both break, also prove the best pairs.
    ``first_only``: stop at the first fix that mends the whole site — a pair is then tried
    as soon as one partial fix of each kind is proven."""
    proven: list[tuple[Candidate, Fix]] = []
    seen: set[str] = set()
    fixes: list[Fix] = []

    def attempt(cand: Candidate) -> Fix | None:
        fix = prove(base, site.diagnostics, cand)
        if fix is None or fix.text in seen:
            return None
        seen.add(fix.text)
        fixes.append(fix)
        return fix

    partly: set[str] = set()  # generators with a partial fix proven (first_only)
    for name, cand in _generated(site):
        if name in partly:
            continue  # its other candidates mend the same part: one of them is enough
        fix = attempt(cand)
        if fix is None:
            continue
        proven.append((cand, fix))
        if first_only and not fix.partial:
            return [fix]
        if first_only:
            partly.add(name)
            # the other kind's partial fixes, proven so far: one pair may mend it all
            kind = _fixes_channels(fix, site)
            others = [
                p for p in proven[:-1] if p[1].partial and _fixes_channels(p[1], site) != kind
            ]
            for other, _ in _ranked(others)[:MAX_COMBINED]:
                pair = attempt(_pair(cand, other) if kind else _pair(other, cand))
                if pair is not None and not pair.partial:
                    return [pair]
    if first_only:
        return fixes[:1]  # no fix mends it all: the first partial one, if any
    partial = [(c, f) for c, f in proven if f.partial]
    by_channels = [p for p in partial if _fixes_channels(p[1], site)][:MAX_COMBINED]
    by_sizes = [p for p in partial if not _fixes_channels(p[1], site)][:MAX_COMBINED]
    for (c1, _), (c2, _) in ((a, b) for a in _ranked(by_channels) for b in _ranked(by_sizes)):
        attempt(_pair(c1, c2))
    fixes.sort(key=lambda f: (f.partial, f.rank, abs(f.param_delta or 0)))
    return fixes


def _pair(chan: Candidate, space: Candidate) -> Candidate:
    """One candidate of two partial ones: the size fix, then the channel fix."""
    c1, c2 = chan, space
    return Candidate(
        title=f"{c2.title} + {c1.title}",
        description=f"{c2.description} {c1.description}",
        edits=c1.edits + c2.edits,
        rank=max(c1.rank, c2.rank) + 1,
        changes_behaviour=c1.changes_behaviour or c2.changes_behaviour,
        behaviour="; ".join(dict.fromkeys(c.behaviour for c in (c2, c1) if c.changes_behaviour))
        or c1.behaviour,
        in_terms=c1.in_terms or c2.in_terms,
    )


def _ranked(items: list[tuple[Candidate, Fix]]) -> list[tuple[Candidate, Fix]]:
    return sorted(items, key=lambda p: (p[1].rank, abs(p[1].param_delta or 0)))


def _fixes_channels(fix: Fix, site: Site) -> bool:
    """Whether a partial fix resolves the site's size-free (channel) findings."""
    size_free = {c for c in site.codes if RULES[c].size_free}
    return bool(size_free) and not size_free & {r.split(" ", 1)[0] for r in fix.remaining}


def suggest(
    result: FileResult, recheck: Recheck, *, sweep: bool = True, first_only: bool = False
) -> tuple[tuple[Site, tuple[Fix, ...]], ...]:
    """Proven fixes for every error site of a checked spec, in file order; ``sweep``
    also re-proves each at every param's ½× and 2× (``proven_for`` / ``fails_at``);
    ``first_only`` stops at each site's first fix that mends it all."""
    if result.graph is None or result.table is None:
        return ()
    base = Baseline(result, recheck, swept_params=sweep)
    found = sites(
        result.graph, result.table, result.errors, result.text, result.input_shape is not None
    )
    out = []
    for site in found:
        fixes = tuple(prove_site(base, site, first_only))
        site.cut = base.exhausted
        out.append((site, fixes))
    return tuple(out)
