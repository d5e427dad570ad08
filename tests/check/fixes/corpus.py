"""The gold corpus (tests/check/fixes/gold/): broken specs, each with the fix its maintainers made.

Each file's header says the bug (``# bug:``), where it was seen (``# seen:``) and the gold
edit as exact text replacements (``# gold: FIND => REPLACE``, ``\\n`` for a line break;
FIND occurs once in the spec below the header). A fix *equals* the gold edit when the
model after it is the same as after the gold edit: the same total parameter count, output
shape and shapes of every layer with parameters and every merge, in order (a block variant
or a removed identity pool are the same model).

Used by tests/check/fixes/test_gold.py and bench/bench_fixes.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from skipcheck.check import Options, check_spec
from skipcheck.check.fixes import Fix, Site
from skipcheck.check.fixes.site import uses_of
from skipcheck.check.result import FileResult
from skipcheck.ops import MERGE_OPS

GOLD = Path(__file__).parent / "gold"
CASES = sorted(GOLD.glob("*.yaml"))

Signature = tuple[object, ...]


@dataclass
class Case:
    path: Path
    bug: str
    seen: str
    gold: list[tuple[str, str]]
    text: str

    @property
    def name(self) -> str:
        return self.path.stem

    def gold_text(self) -> str:
        header, _, body = self.text.partition("\nskipcheck:")
        body = "\nskipcheck:" + body
        for find, repl in self.gold:
            assert body.count(find) == 1, (self.name, find)
            body = body.replace(find, repl)
        return header + body


def load(path: Path) -> Case:
    text = path.read_text()
    bug = seen = ""
    gold = []
    for line in text.splitlines():
        if line.startswith("# bug: "):
            bug = line[7:]
        elif line.startswith("# seen: "):
            seen = line[8:]
        elif line.startswith("# gold: "):
            find, _, repl = line[8:].partition(" => ")
            gold.append((find.replace("\\n", "\n"), repl.replace("\\n", "\n")))
    return Case(path, bug, seen, gold, text)


def signature(result: FileResult) -> Signature:
    """What makes two models the same here: parameters, output, and the shapes of the
    layers that carry weights and of the merges."""
    table = result.table
    assert table is not None and result.graph is not None
    shapes = tuple(
        table.shape_of(n.id)
        for n in result.graph.nodes
        if n.op in MERGE_OPS or table.counts.get(n.id)
    )
    return (table.total_params, table.shape_of(result.graph.out), shapes)


@dataclass
class Outcome:
    case: Case
    rank: int | None  # 1-based position of the first fix equal to the gold edit
    fixes: list[Fix]
    gold_class: str = ""
    unsafe_breaks: list[str] = field(default_factory=list)  # safe fixes that change unbroken uses
    false_titles: list[str] = field(default_factory=list)  # titles a number of which is wrong
    gold_clean: bool = True


def evaluate(case: Case) -> Outcome:
    path = str(case.path)
    result = check_spec(path, Options(fixes=True), text=case.text)
    gold = check_spec(path, Options(), text=case.gold_text())
    fixes = [f for _, site_fixes in result.fixes for f in site_fixes]
    out = Outcome(case, None, fixes, gold_clean=gold.error is None and gold.ok)
    if gold.table is None:
        return out
    want = signature(gold)
    for k, fix in enumerate(fixes, 1):
        fixed = check_spec(path, Options(), text=fix.text)
        if fixed.table is not None and not fix.partial and signature(fixed) == want:
            out.rank, out.gold_class = k, fix.applicability
            break
    for site, site_fixes in result.fixes:
        for fix in site_fixes:
            out.false_titles.extend(title_errors(result, site, fix))
            if fix.safe:
                out.unsafe_breaks.extend(unbroken_changes(result, site, fix))
    return out


def unbroken_changes(result: FileResult, site: Site, fix: Fix) -> list[str]:
    """The uses a fix changes the parameters of although they were not broken."""
    fixed = check_spec(result.path, Options(), text=fix.text)
    assert fixed.graph is not None and fixed.table is not None and result.table is not None
    now = uses_of(fixed.graph, set(site.block_spans))
    out = []
    for block, found in site.uses.items():
        for key, nodes in found.items():
            if site.broken(key):
                continue
            new = now.get(block, {}).get(key)
            before = sum(result.table.counts.get(i) or 0 for i in nodes)
            after = None if new is None else sum(fixed.table.counts.get(i) or 0 for i in new)
            if before != after:
                out.append(f"{fix.title}: {key} {before} → {after}")
    return out


_PARAMS = re.compile(r"model parameters ([+-][\d,]+|unchanged)")
_USES = re.compile(
    r"in block (\w+): (?:changes only its (\d+) broken uses? of (\d+)|"
    r"(\d+) of its (\d+) uses change(?:, (\d+) of them broken)?)"
)
_ELSEWHERE = re.compile(r"also mends (\d+) findings? at other lines")
_INPUT = re.compile(r"change the input to ([\d×]+)")


def title_errors(result: FileResult, site: Site, fix: Fix) -> list[str]:
    """Every number of a title checked against what the fix does."""
    errors = []
    m = _PARAMS.search(fix.title)
    if fix.param_delta is not None:
        said = 0 if m is None or m.group(1) == "unchanged" else int(m.group(1).replace(",", ""))
        if m is None or said != fix.param_delta:
            errors.append(f"{fix.title}: parameter delta is {fix.param_delta:+,}")
    # no other parameter figure in a title
    if len(re.findall(r"parameters", fix.title)) != 1:
        errors.append(f"{fix.title}: more than one parameter figure")
    for block, only, of, _moved, total, broken in _USES.findall(fix.title):
        uses = site.uses.get(block, {})
        n_broken = sum(site.broken(k) for k in uses)
        if only and (int(only) != n_broken or int(of) != len(uses)):
            errors.append(f"{fix.title}: {block} has {len(uses)} uses, {n_broken} broken")
        if total and (int(total) != len(uses) or int(broken or 0) != n_broken):
            errors.append(f"{fix.title}: {block} has {len(uses)} uses, {n_broken} broken")
        if only and unbroken_changes(result, site, fix):
            errors.append(f"{fix.title}: changes unbroken uses of {block}")
    if site.edited_blocks(fix.edits) and not _USES.search(fix.title):
        for block in site.edited_blocks(fix.edits):
            if len(site.uses.get(block, {})) > 1:
                errors.append(f"{fix.title}: edits block {block} without saying so")
    m = _ELSEWHERE.search(fix.title)
    if m is not None:
        fixed = check_spec(result.path, Options(), text=fix.text)
        others = len(result.errors) - len(site.diagnostics)
        left = len(fixed.errors) - len(fix.remaining)
        if int(m.group(1)) != others - left:
            errors.append(f"{fix.title}: mends {others - left} findings at other lines")
    m = _INPUT.search(fix.title)
    if m is not None:
        fixed = check_spec(result.path, Options(), text=fix.text)
        assert fixed.graph is not None
        dims = "×".join(str(d) for d in fixed.graph.input_dims)
        if dims != m.group(1):
            errors.append(f"{fix.title}: the input becomes {dims}")
    return errors
