"""Local before global: a block that breaks at one of its uses is mended at that use.

Two kinds of candidate, both ranked before an edit of the shared block (which changes
its unbroken uses too):

* ``candidates``: call another block the file already defines where the broken use calls
  this one — the ResNet stage whose first block is written ``basic: {ch: 128, s: 2}``
  where the file defines ``basic_down`` for exactly that use;
* ``variants``: a candidate that edits a shared block's body, written instead into a copy
  of the block (``basic_proj``) that only the broken uses call.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from skipcheck.check.fixes.edit import Edit, EditError, Spot, apply_edits
from skipcheck.check.fixes.model import RANK_BLOCK, Candidate, Change
from skipcheck.check.fixes.site import Site
from skipcheck.core.position import Position, offset_line_col
from skipcheck.ops import OPS
from skipcheck.specfile.yamltree import YList, YMap


def candidates(site: Site) -> Iterator[Candidate]:
    for merge in site.failing_merges()[:1]:
        for call in reversed(merge.calls):  # the innermost call first
            try:
                _, key, args = site.source.entry(call)
            except EditError:
                continue
            block = str(key.value)
            if not _only_broken(site, block, call):
                continue  # the call serves unbroken uses too: calling another block changes them
            given = _given(site, block, args)
            for other in site.block_spans:
                names, required = _signature(site, other)
                if other == block or not given <= names or not required <= given:
                    continue
                yield Candidate(
                    title=f"call {other} instead of {block} at line {call.line} "
                    "(a block this file defines)",
                    description=f"Use the block {other} at line {call.line}, with the same "
                    "arguments.",
                    edits=(site.source.replace(key, other),),
                    rank=RANK_BLOCK,
                    changes_behaviour=True,
                    behaviour=f"the use at line {call.line} becomes the file's own {other}; "
                    f"the other uses of {block} stay as they are",
                    mends=True,
                    changes=(Change("block", (merge.label,), other, block),),
                )


def variants(site: Site, made: Iterable[Candidate]) -> Iterator[Candidate]:
    """For each candidate that edits one shared block, the same edit in a new copy of the
    block that only the broken uses call."""
    for cand in made:
        edited = site.edited_blocks(cand.edits)
        if len(edited) != 1:
            continue
        block = edited[0]
        uses = site.uses.get(block, {})
        broken = [k for k in uses if site.broken(k)]
        if not broken or len(broken) == len(uses):
            continue  # every use breaks: the block itself is what to change
        calls = {_call(site, block, k) for k in broken}
        if None in calls or not all(_only_broken(site, block, c) for c in calls if c is not None):
            continue
        try:
            yield _variant(site, cand, block, sorted(c for c in calls if c is not None))
        except EditError:
            continue


def _variant(site: Site, cand: Candidate, block: str, calls: list[Position]) -> Candidate:
    text = site.source.text
    start, end = site.block_spans[block]
    starts = site.source.line_starts
    first = starts[offset_line_col(starts, start)[0] - 1]
    last_char = len(text[:end].rstrip(" \t\r\n")) - 1
    line = offset_line_col(starts, last_char)[0]
    stop = starts[line] if line < len(starts) else len(text)
    inside = [e for e in cand.edits if first <= e.start and e.end <= stop]
    if len(inside) != len(cand.edits):
        raise EditError("the candidate edits more than the block")
    body = apply_edits(
        text[first:stop], [Edit(e.start - first, e.end - first, e.new) for e in inside]
    )
    name = _fresh(site, f"{block}_{cand.tag or 'variant'}")
    col = start - first
    if body[col : col + len(block)] != block:
        raise EditError("the block's name is not written plainly")
    body = body[:col] + name + body[col + len(block) :]
    if not body.endswith(("\n", "\r")):
        body += site.source.newline
    renames = tuple(site.source.replace(site.source.entry(c)[1], name) for c in calls)
    lines = ", ".join(str(c.line) for c in calls)
    return Candidate(
        title=f"{cand.title}, in a new block {name} that line{'s' * (len(calls) > 1)} "
        f"{lines} call{'s' * (len(calls) == 1)} instead of {block}",
        description=f"Copy {block} as {name} with the change, and call it at line(s) {lines}; "
        f"the other uses of {block} stay as they are. {cand.description}",
        edits=(Edit(stop, stop, body), *renames),
        rank=cand.rank,
        changes_behaviour=cand.changes_behaviour,
        behaviour=cand.behaviour.replace(" in every use of the block", "")
        + f" at line{'s' * (len(calls) > 1)} {lines} only",
        in_terms=cand.in_terms,
        mends=cand.mends,
        weight=cand.weight,
        changes=cand.changes,
    )


def _call(site: Site, block: str, use: str) -> Position | None:
    """The call (line and column of its key) that makes a use of ``block``."""
    node = site.graph.nodes[site.uses[block][use][0]]
    depth = sum(1 for part in use.split(".")[1:] if part in site.block_spans) - 1
    return node.calls[depth] if 0 <= depth < len(node.calls) else None


def _only_broken(site: Site, block: str, call: Position) -> bool:
    """Whether every use that ``call`` makes is a broken one (a call inside another block
    serves each use of that block)."""
    found = False
    for use in site.uses.get(block, {}):
        if _call(site, block, use) == call:
            found = True
            if not site.broken(use):
                return False
    return found


def _given(site: Site, block: str, args: Spot) -> set[str]:
    if isinstance(args.value, YMap):
        return set(args.value)
    if not isinstance(args.value, YList) and site.source.span(args):
        return set(site.block_args(block)[:1])  # `- down: 128`: the first argument
    return set()


def _signature(site: Site, block: str) -> tuple[set[str], set[str]]:
    """A block's argument names, and those without a default."""
    written = site.written_block_args(block)
    if not written:
        return set(), set()
    names = {a.partition("=")[0].strip() for a in written}
    return names, {a.strip() for a in written if "=" not in a}


def _fresh(site: Site, name: str) -> str:
    taken = set(site.block_spans) | set(OPS)
    out, n = name, 2
    while out in taken:
        out, n = f"{name}{n}", n + 1
    return out
