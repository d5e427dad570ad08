"""After a failure: no false errors at a symbolic input, no missed errors at a given one.

At a given size, torch stops at the first layer that fails; skipcheck reports every error
of the model. A condition that fails only because an earlier one left no size is not an
error of its own; an error that holds at every size is one, wherever it sits.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from skipcheck.check import check_spec
from skipcheck.check.valid import valid_sizes
from skipcheck.cli import app

runner = CliRunner()

# issue 22, item 1: a pool on one side of a merge, then a 1x1 conv that changes no size
POOLED_SKIP = """\
skipcheck: 1
input: [{input}]
encoder:
  - {{stage: e1, layers: [{{conv: {{out_channels: 32, kernel_size: 3, padding: 1}}}}]}}
  - {{stage: e2, layers: [{{maxpool: 2}}, {{conv: {{out_channels: 32, kernel_size: 3, padding: 1}}}}]}}
decoder:
  - {{stage: d1, layers: [{{add: e1}}, {{conv: {{out_channels: 32, kernel_size: 1}}}}]}}
"""

# a small attention U-Net whose third encoder stage pools twice: three merges are broken
ATTENTION_UNET = """\
skipcheck: 1
input: [{input}]
blocks:
  double_conv:
    args: [ch]
    layers:
      - conv: {{out_channels: ch, kernel_size: 3, padding: 1}}
      - relu
      - conv: {{out_channels: ch, kernel_size: 3, padding: 1}}
      - relu
  attention_map:
    layers:
      - relu
      - conv: {{out_channels: 1, kernel_size: 1}}
      - sigmoid
      - upsample: {{scale_factor: 2}}
encoder:
  - {{stage: e1, layers: [{{double_conv: {{ch: 16}}}}]}}
  - {{stage: e2, layers: [{{maxpool: 2}}, {{double_conv: {{ch: 32}}}}]}}
  - {{stage: e3, layers: [{{maxpool: 2}}, {{maxpool: 2}}, {{double_conv: {{ch: 64}}}}]}}
bottleneck:
  - {{stage: center, layers: [{{maxpool: 2}}, {{double_conv: {{ch: 128}}}}]}}
decoder:
  - stage: up3
    layers:
      - conv: {{out_channels: 32, kernel_size: 1}}
      - add: {{skip: e3, via: [{{conv: {{out_channels: 32, kernel_size: 2, stride: 2, bias: false}}}}]}}
      - attention_map: {{}}
      - mul: e3
      - conv: {{out_channels: 64, kernel_size: 1}}
      - concat: {{skip: center, via: [{{upsample: {{scale_factor: 2}}}}]}}
      - double_conv: {{ch: 64}}
  - stage: up2
    layers:
      - conv: {{out_channels: 16, kernel_size: 1}}
      - add: {{skip: e2, via: [{{conv: {{out_channels: 16, kernel_size: 2, stride: 2, bias: false}}}}]}}
      - attention_map: {{}}
      - mul: e2
      - conv: {{out_channels: 32, kernel_size: 1}}
      - concat: {{skip: up3, via: [{{upsample: {{scale_factor: 2}}}}]}}
      - double_conv: {{ch: 32}}
  - stage: up1
    layers:
      - upsample: {{scale_factor: 2}}
      - concat: e1
      - double_conv: {{ch: 16}}
head:
  - conv: {{out_channels: 2, kernel_size: 1}}
"""


def errors(path: str) -> list[tuple[str, int, int]]:
    return [(d.code, d.pos.line, d.pos.col) for d in check_spec(path).errors]


@pytest.mark.parametrize("template", [POOLED_SKIP, ATTENTION_UNET], ids=["1x1", "attention"])
@pytest.mark.parametrize("size", [64, 128, 96])
def test_a_symbolic_input_reports_the_errors_a_given_size_does(
    spec_file, template: str, size: int
) -> None:
    symbolic = errors(spec_file(template.format(input="N, 3, H, W"), "symbolic.yaml"))
    fixed = errors(spec_file(template.format(input=f"1, 3, {size}, {size}"), "fixed.yaml"))
    assert symbolic == fixed
    assert {code for code, _, _ in symbolic} == {"SC102"}  # merges only: no "size drops below 1"


def test_the_attention_unet_keeps_its_three_merge_errors(spec_file) -> None:
    path = spec_file(ATTENTION_UNET.format(input="N, 3, H, W"))
    assert [line for _, line, _ in errors(path)] == [36, 38, 45]  # add, mul, concat


def test_a_1x1_conv_after_a_broken_merge_keeps_its_shape(spec_file) -> None:
    result = check_spec(spec_file(POOLED_SKIP.format(input="N, 3, H, W")))
    assert [d.code for d in result.errors] == ["SC102"]
    assert result.table is not None and result.graph is not None
    last = result.graph.nodes[-1].id
    assert result.table.shape_of(last) == "N×32×(⌊H/2⌋)×(⌊W/2⌋)"
    assert result.table.valid_sizes("H").is_empty()  # still: no size runs the model


def test_after_a_broken_merge_later_merges_are_judged_at_the_sizes_allowed(spec_file) -> None:
    # the first add never matches; the second needs H even, which the layers before allow
    path = spec_file(
        "skipcheck: 1\ninput: [N, 3, H, W]\n"
        "encoder:\n"
        "  - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 1}}]}\n"
        "  - {stage: e2, layers: [{maxpool: 2}]}\n"
        "decoder:\n"
        "  - {stage: d1, layers: [{add: e1}]}\n"
        "  - {stage: d2, layers: [{upsample: {scale_factor: 2}}, {add: e1}]}\n"
    )
    result = check_spec(path)
    assert [(d.code, d.pos.line) for d in result.errors] == [("SC102", 7)]
    # the second add is still a condition: odd sizes fail there
    assert result.table is not None
    assert any(c.code == "SC102" and 9 not in c.sizes for c in result.table.constraints)


def test_the_same_broken_merge_twice_is_reported_twice(spec_file) -> None:
    # the first add needs H even; each later one needs H odd (2·⌊H/2⌋ + 1 = H): every one
    # of those fails at the sizes the first allows, the same condition each time
    odd = (
        "  - add: {{skip: input, via: [maxpool: 2, upsample: 2, "
        "{{conv: {{out_channels: 3, kernel_size: 2, padding: 1}}}}]}}\n"
    )
    template = (
        "skipcheck: 1\ninput: [{input}]\n"
        "layers:\n"
        "  - add: {{skip: input, via: [maxpool: 2, upsample: 2]}}\n" + odd + odd
    )
    symbolic = check_spec(spec_file(template.format(input="1, 3, H, W"), "s.yaml"))
    fixed = check_spec(spec_file(template.format(input="1, 3, 32, 32"), "f.yaml"))
    assert [(d.code, d.pos.line) for d in fixed.errors] == [("SC102", 5), ("SC102", 6)]
    assert [(d.code, d.pos.line) for d in symbolic.errors] == [("SC102", 5), ("SC102", 6)]


# issue 22, item 2: an error at every size past a layer that fails at the spec's size
POOL_THEN_CHANNELS = """\
skipcheck: 1.1
input: [1, 2, 4, 4]
layers:
  - maxpool: 8
  - conv: {in_channels: 3, out_channels: 4, kernel_size: 3}
"""

POOL_THEN_RESIDUAL = """\
skipcheck: 1
input: [1, 2, 4, 4]
layers:
  - maxpool: 8
  - residual:
      body: [{conv: {out_channels: 4, kernel_size: 3, padding: 1}}]
"""


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [(POOL_THEN_CHANNELS, "SC107", 5), (POOL_THEN_RESIDUAL, "SC101", 5)],
    ids=["stated-in-channels", "residual"],
)
def test_an_error_at_every_size_past_a_failure_is_found(
    spec_file, text: str, code: str, line: int
) -> None:
    path = spec_file(text)
    result = check_spec(path)
    assert [(d.code, d.pos.line) for d in result.errors] == [("SC103", 4), (code, line)]
    assert "fails at every input size" in result.errors[1].notes[-1]
    report = valid_sizes(result)
    assert [d.code for d in report.size_free] == [code]
    assert not report.ok
    out = runner.invoke(app, ["validate", path, "--no-fixes"]).output
    assert "the whole model runs for" not in out
    assert "valid input sizes: none" in out
    out = runner.invoke(app, ["sizes", path]).output
    assert "runs every H ≥ 8" not in out.replace("  ", " ")
    assert "no input size runs" in out


def test_the_error_past_the_failure_is_torchs(spec_file) -> None:
    """torch is the referee: at a size the pool takes, the conv raises on the channels."""
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.MaxPool2d(8), nn.Conv2d(3, 4, 3))
    with pytest.raises(RuntimeError, match="too small"):
        model[0](torch.zeros(1, 2, 4, 4))  # the spec's size: the pool fails first
    for size in (24, 64):  # sizes the pool takes: the conv fails on its channels
        with pytest.raises(RuntimeError, match="channel"):
            model(torch.zeros(1, 2, size, size))
    # and skipcheck finds the channel error at each of them
    for size in (4, 24, 64):
        path = spec_file(POOL_THEN_CHANNELS.replace("4, 4]", f"{size}, {size}]"), f"m{size}.yaml")
        assert "SC107" in {d.code for d in check_spec(path).errors}


# issue 22, item 3: where no size runs, every view of the sets says so
def test_no_size_runs_everywhere(spec_file) -> None:
    path = spec_file(POOL_THEN_RESIDUAL)
    out = runner.invoke(app, ["sizes", path, "--range", "1..16"]).output
    rows = {
        line.split()[0] + " " + line.split()[1]: line
        for line in out.splitlines()
        if " in 1..16" in line
    }
    assert rows["runs in"].rstrip().endswith("none")
    assert rows["clean in"].rstrip().endswith("none")
    assert "8–16" in rows["spatially in"]  # the spatial set, under its own name
    doc = json.loads(runner.invoke(app, ["sizes", path, "--output-format", "json"]).output)
    for axis in doc["axes"]:
        assert axis["runs"] == f"no {axis['symbol']}" and axis["clean"] == f"no {axis['symbol']}"
        assert axis["runs_at_value"] is False
        assert axis["nearest"]["runs"] == {"below": None, "above": None}
        assert axis["spatially"]["runs"] == f"every {axis['symbol']} ≥ 8"
    doc = json.loads(
        runner.invoke(app, ["sizes", path, "--output-format", "json", "--range", "1..16"]).output
    )
    assert doc["axes"][0]["listing"]["runs"] == []
    assert doc["axes"][0]["listing"]["spatially"]["runs"] == list(range(8, 17))
    doc = json.loads(
        runner.invoke(app, ["validate", path, "--no-fixes", "--output-format", "json"]).output
    )
    record = doc["files"][0]["valid_sizes"]["H"]
    assert record["runs"] == "no H" and record["smallest_runs"] is None
    assert record["spatially"] == {"runs": "every H ≥ 8", "clean": "H ≡ 0 (mod 8)"}


def test_a_symbolic_input_no_size_runs_says_none(spec_file) -> None:
    path = spec_file(POOL_THEN_RESIDUAL.replace("1, 2, 4, 4", "1, 2, H, W"))
    doc = json.loads(runner.invoke(app, ["sizes", path, "--output-format", "json"]).output)
    assert doc["ok"] is False
    assert [a["runs"] for a in doc["axes"]] == ["no H", "no W"]
    assert [a["runs_at_value"] for a in doc["axes"]] == [None, None]
