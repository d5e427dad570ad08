"""`skipcheck schema`: every shipped spec validates, structurally broken specs do not."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml
from typer.testing import CliRunner

from skipcheck.cli import app
from skipcheck.ops import OPS
from skipcheck.rules import RULES
from skipcheck.rules.docs import parse
from skipcheck.specfile.schema import spec_schema
from tests.conftest import SPECS

SCHEMA = spec_schema()
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def test_schema_is_a_valid_draft7_schema_and_printed_by_the_cli() -> None:
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    result = CliRunner().invoke(app, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == SCHEMA


def test_ops_and_parameters_come_from_the_registry() -> None:
    layer = SCHEMA["definitions"]["layer"]["anyOf"][1]["properties"]
    for name, op in OPS.items():
        assert name in layer
        mapping = layer[name]["anyOf"][0]
        assert set(mapping["properties"]) == {p.name for p in op.params}


@pytest.mark.parametrize("path", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_specs_validate(path) -> None:
    errors = list(VALIDATOR.iter_errors(yaml.safe_load(path.read_text())))
    assert errors == [], [e.message for e in errors]


def test_rule_examples_validate() -> None:
    for rule in RULES.values():
        doc = parse(rule)
        for text in (doc.example, doc.fixed):
            assert VALIDATOR.is_valid(yaml.safe_load(text)), rule.code


HEAD = "skipcheck: 1\ninput: [1, 3, 64, 64]\n"


@pytest.mark.parametrize(
    "text",
    [
        "input: [1, 3, 64, 64]\nlayers: [relu]\n",  # no format version
        "skipcheck: 2\ninput: [1, 3, 64, 64]\nlayers: [relu]\n",
        "skipcheck: 1\nlayers: [relu]\n",  # no input
        HEAD + "layerz: [relu]\n",
        HEAD + "layers: {conv: 3}\n",
        HEAD + "layers: [{conv: {kernel: 3, out_channels: 8}}]\n",
        HEAD + "layers: [{conv: {kernel_size: 3}}]\n",  # out_channels missing
        HEAD + "layers: [{maxpool: {kernel_size: 2, strid: 2}}]\n",
        HEAD + "layers: [{add: {skip: a, align: crop}}]\n",
        HEAD + "layers: [{upsample: {mode: bilinar}}]\n",
        HEAD + "encoder: [{stage: e1}]\n",
        HEAD + "encoder: [{stage: e1, layers: [relu], expext: [1]}]\n",
        HEAD + "layers: [{residual: {shortcut: [relu]}}]\n",
        HEAD + "blocks: {b: {args: [ch], layer: [relu]}}\nlayers: [b]\n",
        HEAD + "layers: [{conv: {out_channels: 8, kernel_size: 3, bias: 1}}]\n",
    ],
)
def test_structurally_broken_specs_do_not_validate(text: str) -> None:
    assert not VALIDATOR.is_valid(yaml.safe_load(text))


@pytest.mark.parametrize(
    "body",
    [
        "layers: [{conv2d: {out_channels: 8, kernel_size: 3}}]\n",
        "layers: [conv2d]\n",
        "encoder:\n  - {stage: e1, layers: [{conv2d: {out_channels: 8, kernel_size: 3}}]}\n",
        "layers:\n  - residual: {body: [{conv2d: {out_channels: 3, kernel_size: 3}}]}\n",
        "layers:\n  - relu\n  - add: {skip: x, via: [{Conv2d: {out_channels: 3, kernel_size: 1}}]}\n",
    ],
)
def test_unknown_op_names_are_rejected_where_no_block_could_be_meant(body: str) -> None:
    """An editor underlines `conv2d:` (torch's class name, not the op's) in a spec without
    blocks, however deep; the same check check-jsonschema runs (jsonschema's Draft 7)."""
    errors = list(VALIDATOR.iter_errors(yaml.safe_load(HEAD + body)))
    assert errors, body
    fixed = yaml.safe_load(HEAD + body.replace("conv2d", "conv").replace("Conv2d", "conv"))
    assert VALIDATOR.is_valid(fixed), [e.message for e in VALIDATOR.iter_errors(fixed)]


def test_a_spec_with_blocks_may_call_them() -> None:
    spec = HEAD + (
        "blocks:\n  double_conv:\n    args: [ch]\n    layers: [{conv: {out_channels: ch, "
        "kernel_size: 3}}, relu]\nlayers:\n  - double_conv: {ch: 8}\n  - double_conv\n"
    )
    assert VALIDATOR.is_valid(yaml.safe_load(spec))
