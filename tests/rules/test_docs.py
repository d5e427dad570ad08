"""Rule docstrings are the documentation: complete, in sync with docs/rules.md, and true."""

from __future__ import annotations

import pytest

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate
from skipcheck.rules import RULES
from skipcheck.rules.docs import markdown, parse
from tests.conftest import ROOT


def test_docs_rules_md_is_generated_from_the_rules() -> None:
    on_disk = (ROOT / "docs" / "rules.md").read_text()
    assert on_disk == markdown(), "regenerate: skipcheck rules --markdown > docs/rules.md"


def test_every_rule_is_in_the_reference() -> None:
    text = markdown()
    for rule in RULES.values():
        assert f"## {rule.code} {rule.name}" in text


@pytest.mark.parametrize("code", list(RULES))
def test_failing_example_triggers_the_rule_and_the_fix_does_not(code: str) -> None:
    doc = parse(RULES[code])
    failing = propagate(graph_of(f"{code}-example.yaml", text=doc.example))
    assert code in {d.code for d in failing.diagnostics}
    fixed = propagate(graph_of(f"{code}-fixed.yaml", text=doc.fixed))
    assert code not in {d.code for d in fixed.diagnostics}
    assert doc.what and doc.why and doc.fix
