"""Findings are typed, as ruff's violations: each rule module words its own findings from
facts, and the ops that fire them pass facts, never sentences."""

from __future__ import annotations

import ast
import dataclasses
import inspect
from pathlib import Path

import skipcheck.rules as rules
from skipcheck.rules import RULES, MergeChannels, MergeSpatial

PACKAGE = Path(rules.__file__).resolve().parent.parent


def _finding_classes() -> list[type]:
    return [
        value
        for value in vars(rules).values()
        if inspect.isclass(value) and dataclasses.is_dataclass(value) and hasattr(value, "message")
    ]


def test_every_finding_belongs_to_its_rule_module() -> None:
    found = _finding_classes()
    assert len(found) >= 30
    for cls in found:
        module = inspect.getmodule(cls)
        assert module is not None and module.__name__.startswith("skipcheck.rules.sc")
        assert cls.code == module.CODE and cls.code in RULES  # type: ignore[attr-defined]
        assert cls.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_a_rule_words_the_facts_it_is_given() -> None:
    said = MergeChannels("stage d1 (add: e1)", 128, 64, "running tensor", "skip e1").message()
    assert (
        said
        == "stage d1 (add: e1) merges 128 channels with 64 channels (running tensor vs skip e1)"
    )
    axes = (("height", 32, 31), ("width", 32, 32))
    spatial = MergeSpatial("d1", axes, lambda shape: "×".join(map(str, shape))).message()
    assert spatial == "d1 merges tensors of different spatial size (height 32 vs 31)"


def test_ops_pass_facts_not_messages() -> None:
    """No op (nor the engine) names a rule to report with a sentence of its own: every
    ``ctx.check`` gets a finding, constructed from a rule module's class."""
    constants = {name for name in vars(rules) if name.isupper() and name != "RULES"}
    for path in [*(PACKAGE / "ops").glob("*.py"), PACKAGE / "engine" / "propagate.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "check"
                and len(node.args) >= 2
            ):
                finding = node.args[1]
                assert isinstance(finding, ast.Call), (path.name, node.lineno)
                assert not (isinstance(finding, ast.Name) and finding.id in constants)
                assert len(node.args) == 2, (path.name, node.lineno)  # no message beside it
