"""Proving fixes has a budget per file (a count of layers re-checked, the same on every
machine): a file with fifty broken merges ends in seconds at most, says which sites were not
tried, and an ordinary broken file is far inside it."""

from __future__ import annotations

from skipcheck.check import Options, check_spec
from skipcheck.fixes.prove import PROOF_BUDGET
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
    assert last[0].cut and not last[1]  # the budget ran out before the last ones

    # the budget itself: a baseline charged for every re-check never runs past it
    from skipcheck.fixes.prove import Baseline

    checks: list[str] = []
    base = Baseline(result, lambda text, params: checks.append(text) or result)  # type: ignore[func-returns-value]
    while base.afford():
        checks.append("")
    nodes = len(result.graph.nodes) if result.graph else 0
    assert base.spent <= PROOF_BUDGET < base.spent + nodes
    assert len(checks) == PROOF_BUDGET // nodes
