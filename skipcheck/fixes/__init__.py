"""Fixes for the findings of a spec, each proven by re-checking the whole model.

>>> from skipcheck.fixes import suggest  # doctest: +SKIP
>>> for site, fixes in suggest("specs/unet_add_broken.yaml"):
...     print(site.diagnostics[0].pos.line, [f.title for f in fixes])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from skipcheck.diagnostics import Diagnostic
from skipcheck.fixes import align, channels, input_size, padding, pool, shortcut, transpose
from skipcheck.fixes.edit import Edit, EditError, Source
from skipcheck.fixes.model import Candidate, Fix
from skipcheck.fixes.prove import Baseline, prove
from skipcheck.fixes.site import Site
from skipcheck.graph import Graph
from skipcheck.shapes.propagate import ShapeTable

__all__ = ["GENERATORS", "Candidate", "Edit", "Fix", "Site", "attach", "candidates", "suggest"]

GENERATORS: dict[str, Callable[[Site], Iterator[Candidate]]] = {
    "input_size": input_size.candidates,
    "pool": pool.candidates,
    "transpose": transpose.candidates,
    "align": align.candidates,
    "padding": padding.candidates,
    "shortcut": shortcut.candidates,
    "channels": channels.candidates,
}
CHANNEL_CODES = {"SC101"}
MAX_COMBINED = 2  # best partial fixes per side that are tried together


def sites(graph: Graph, table: ShapeTable, text: str, input_given: bool) -> list[Site]:
    """One site per position that carries error findings, in file order."""
    source = Source(text)
    grouped: dict[tuple[int, int], list[Diagnostic]] = {}
    for d in table.errors:
        if d.pos.file == graph.file:
            grouped.setdefault((d.pos.line, d.pos.col), []).append(d)
    out = []
    for (line, col), diags in sorted(grouped.items()):
        nodes = [n for n in graph.nodes if (n.pos.line, n.pos.col) == (line, col)]
        out.append(Site(graph, table, source, diags, nodes, input_given))
    return out


def candidates(site: Site) -> list[Candidate]:
    """Every candidate the generators propose for a site (not yet proven)."""
    out: list[Candidate] = []
    for generate in GENERATORS.values():
        try:
            out.extend(generate(site))
        except EditError:
            continue  # this generator cannot write its edit in this file's layout
    return out


def prove_site(base: Baseline, site: Site) -> list[Fix]:
    """Prove each candidate; where channels and sizes both break, also prove the best pairs."""
    proven: list[tuple[Candidate, Fix]] = []
    seen: set[str] = set()
    for cand in candidates(site):
        fix = prove(base, site.diagnostics, cand)
        if fix is not None and fix.text not in seen:
            seen.add(fix.text)
            proven.append((cand, fix))
    fixes = [f for _, f in proven]
    partial = [(c, f) for c, f in proven if f.partial]
    chan = [p for p in partial if _fixes_channels(p[1], site)][:MAX_COMBINED]
    space = [p for p in partial if not _fixes_channels(p[1], site)][:MAX_COMBINED]
    for (c1, _), (c2, _) in ((a, b) for a in _ranked(chan) for b in _ranked(space)):
        pair = Candidate(
            title=f"{c2.title} + {c1.title}",
            description=f"{c2.description} {c1.description}",
            edits=c1.edits + c2.edits,
            rank=max(c1.rank, c2.rank) + 1,
            changes_behaviour=c1.changes_behaviour or c2.changes_behaviour,
            behaviour="; ".join(dict.fromkeys(c.behaviour for c in (c2, c1) if c.changes_behaviour))
            or c1.behaviour,
        )
        fix = prove(base, site.diagnostics, pair)
        if fix is not None and fix.text not in seen:
            seen.add(fix.text)
            fixes.append(fix)
    fixes.sort(key=lambda f: (f.partial, f.rank, abs(f.param_delta or 0)))
    return fixes


def _ranked(items: list[tuple[Candidate, Fix]]) -> list[tuple[Candidate, Fix]]:
    return sorted(items, key=lambda p: (p[1].rank, abs(p[1].param_delta or 0)))


def _fixes_channels(fix: Fix, site: Site) -> bool:
    left = " ".join(fix.remaining)
    return any(c in CHANNEL_CODES for c in site.codes) and not any(c in left for c in CHANNEL_CODES)


def suggest(
    path: str,
    overrides: Any = None,
    input_shape: Sequence[int | str] | None = None,
    *,
    text: str | None = None,
    graph: Graph | None = None,
    table: ShapeTable | None = None,
) -> list[tuple[Site, list[Fix]]]:
    """Proven fixes for every error site of a spec, in file order (raises SkipcheckError)."""
    from skipcheck.check import build_graph, check
    from skipcheck.spec.yamltree import load_file

    if text is None:
        text = load_file(path)[1]
    if graph is None or table is None:
        graph = build_graph(path, text=text, overrides=overrides)
        table = check(graph, input_shape)
    base = Baseline(path, text, table, overrides, input_shape)
    return [
        (site, prove_site(base, site))
        for site in sites(graph, table, text, input_shape is not None)
    ]


def attach(
    result: Any,
    overrides: Any = None,
    input_shape: Sequence[int | str] | None = None,
) -> list[tuple[Site, list[Fix]]]:
    """Fill ``Diagnostic.fixes`` of a checked FileResult; every finding of a site shares one list."""
    if result.error is not None or result.table is None or result.graph is None:
        return []
    from skipcheck.spec.yamltree import load_file

    text = load_file(result.path)[1]
    found = suggest(
        result.path, overrides, input_shape, text=text, graph=result.graph, table=result.table
    )
    for site, fixes in found:
        for d in site.diagnostics:
            d.fixes = fixes
    return found
