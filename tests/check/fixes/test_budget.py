"""Proving fixes has a budget per file (a count of layers re-checked and findings written,
the same on every machine): a file with fifty broken merges ends in seconds at most, says which sites were not
tried, and an ordinary broken file is far inside it."""

from __future__ import annotations

from skipcheck.check import Options, check_spec
from skipcheck.check.fixes.prove import CLASSES_PER_UNIT, PROOF_BUDGET, work
from tests.conftest import SPECS

BROKEN = (SPECS / "unet_add_broken.yaml").read_text()
LINE = "      - add: e2                     # 128 vs 64 channels, 126 vs 127 pixels\n"


def test_an_ordinary_broken_file_is_proven_in_full() -> None:
    result = check_spec(str(SPECS / "unet_add_broken.yaml"), Options(fixes=True))
    assert result.fixes and not any(site.cut for site, _ in result.fixes)


def test_fifty_broken_merges_stop_at_the_budget_and_say_so(tmp_path) -> None:
    path = tmp_path / "many.yaml"
    path.write_text(BROKEN.replace(LINE, LINE * 50, 1))
    result = check_spec(str(path), Options(fixes=True, sweep=False))
    assert len(result.fixes) > 40
    first, last = result.fixes[0], result.fixes[-1]
    assert first[1] and not first[0].cut  # the first sites get their fixes
    # the budget ran out before the last ones: they have only the fixes checked before it did
    # (the input size that mends every merge is one edit, proposed at every site)
    assert last[0].cut and {f.title for f in last[1]} <= {f.title for f in first[1]}
    assert not any(f.title.startswith(("project", "use concat")) for f in last[1])

    # the budget itself: a baseline charged for every re-check never runs past it
    from skipcheck.check.fixes.prove import Baseline

    checks: list[str] = []
    base = Baseline(result, lambda text, params: checks.append(text) or result)  # type: ignore[func-returns-value]
    while base.check(f"# edit {len(checks)}\n{result.text}") is not None:
        pass
    # a text checked before is answered from memory, at no cost
    spent = base.spent
    assert base.check(checks[0]) is result and base.spent == spent
    cost = work(result)
    # a layer each, two units a finding: the 50 failing merges cost more than their layers
    assert result.graph is not None and result.table is not None
    assert cost == (
        len(result.table.shapes)
        + 2 * (len(result.diagnostics) + len(result.silenced))
        + result.table.arithmetic // CLASSES_PER_UNIT
    )
    assert cost > len(result.graph.nodes) + 100
    assert base.spent <= PROOF_BUDGET < base.spent + cost
    assert len(checks) == PROOF_BUDGET // cost


def test_the_run_at_symbolic_sizes_counts_its_layers(tmp_path) -> None:
    # a fatal finding at the given size is followed by a run at symbolic sizes: twice the work
    path = tmp_path / "fatal.yaml"
    path.write_text(
        "skipcheck: 1\ninput: [1, 3, 8, 8]\nencoder:\n  - stage: s\n    layers:\n"
        "      - conv: {out_channels: 4, kernel_size: 9}\n      - relu\n      - relu\n"
    )
    result = check_spec(str(path), Options(fixes=False))
    assert result.table is not None and result.table.symbolic is not None
    assert work(result) == (
        len(result.table.shapes)
        + len(result.table.symbolic.shapes)
        + 2 * (len(result.diagnostics) + len(result.silenced))
        + result.table.arithmetic // CLASSES_PER_UNIT
    )
    assert work(result) > len(result.table.shapes) + 2 * len(result.diagnostics)


def test_long_periods_cost_their_arithmetic(tmp_path) -> None:
    # a stride-7 pool after stride-5 and stride-3 ones: every size has a period of 105, and
    # each layer's arithmetic costs that many classes — more than its layer count says
    layers = "".join(
        f"      - maxpool: {{kernel_size: {k}}}\n      - conv: {{out_channels: 4, kernel_size: 3, padding: 1}}\n"
        for k in (3, 5, 7)
    )
    path = tmp_path / "periods.yaml"
    path.write_text(
        f"skipcheck: 1\ninput: [1, 3, H, W]\nencoder:\n  - stage: s\n    layers:\n{layers}"
    )
    result = check_spec(str(path), Options(fixes=False))
    assert result.table is not None and result.table.arithmetic > 105 * 6
    findings = 2 * (len(result.diagnostics) + len(result.silenced))
    assert work(result) >= len(result.table.shapes) + findings + 4


def test_sites_past_the_budget_say_how_many_candidates_were_not_tried(tmp_path) -> None:
    # a candidate left unproven is never offered: the site counts it, and the listing and
    # its JSON say so (issue 22, item 13)
    from skipcheck.report.fixes import listing_document, no_fix

    path = tmp_path / "many.yaml"
    path.write_text(BROKEN.replace(LINE, LINE * 50, 1))
    result = check_spec(str(path), Options(fixes=True, sweep=False))
    first, last = result.fixes[0][0], result.fixes[-1][0]
    assert first.untried == 0 and no_fix(first) == "no fix could be proven for this finding"
    assert last.untried > 0
    assert no_fix(last).startswith(f"{last.untried} candidate fix")
    assert "proof budget ran out" in no_fix(last)
    listed = listing_document(result)["not_tried"]
    assert sum(entry["candidates"] for entry in listed) == sum(s.untried for s, _ in result.fixes)
    assert listed[-1] == {
        "rule": sorted(last.codes),
        "line": last.diagnostics[0].pos.line,
        "candidates": last.untried,
    }
