"""The layer table: its rows and totals in the full report and in JSON, the depth that
collapses blocks and stages, and lines that are never wrapped off a terminal."""

from __future__ import annotations

import io
import json
import time

from typer.testing import CliRunner

from skipcheck.check import check_spec
from skipcheck.cli import app
from skipcheck.report.full import FullReporter
from skipcheck.report.layers import kernel_text, layer_rows, levels
from tests.conftest import SPECS

runner = CliRunner()
RESNET = str(SPECS / "resnet50.yaml")


def test_levels_skip_indices() -> None:
    assert levels("conv2_x.1.res_stage.0.bottleneck_down.0.conv") == [
        "conv2_x",
        "conv2_x.1.res_stage",
        "conv2_x.1.res_stage.0.bottleneck_down",
        "conv2_x.1.res_stage.0.bottleneck_down.0.conv",
    ]


def test_rows_carry_input_kernel_and_costs() -> None:
    rows = layer_rows(check_spec(RESNET))
    stem = rows[1]
    assert (stem.path, stem.op, stem.inputs, stem.kernel, stem.output) == (
        "conv1.0.conv_bn.0.conv",
        "conv",
        ("1×3×224×224",),
        "7 s2",
        "1×64×112×112",
    )
    assert (stem.params, stem.mult_adds, stem.memory) == (9408, 118_013_952, 64 * 112 * 112 * 4)
    merge = next(r for r in rows if r.op == "add")
    assert len(merge.inputs) == 2


def test_depth_one_is_one_row_per_stage_with_the_same_totals() -> None:
    result = check_spec(RESNET)
    stages = layer_rows(result, depth=1)
    assert [r.path for r in stages] == [
        "input", "conv1", "conv2_x", "conv3_x", "conv4_x", "conv5_x", "head"
    ]  # fmt: skip
    every = layer_rows(result)
    assert sum(r.params or 0 for r in stages) == sum(r.params or 0 for r in every)
    assert sum(r.mult_adds or 0 for r in stages) == 4_089_184_256
    assert sum(r.layers for r in stages) == len(every)
    assert stages[2].inputs == ("1×64×112×112",) and stages[2].output == "1×256×56×56"


def test_kernel_text_defaults_pool_stride_to_the_kernel(spec_file) -> None:
    graph = check_spec(
        spec_file(
            "skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers:\n  - maxpool: 2\n"
            "  - conv: {out_channels: 4, kernel_size: [3, 1], stride: [1, 2]}\n  - relu\n"
        )
    ).graph
    assert graph is not None
    assert [kernel_text(n) for n in graph.nodes[1:]] == ["2 s2", "3×1 s1×2", ""]


def test_full_table_and_totals_are_not_wrapped_off_a_terminal(tmp_path) -> None:
    out = tmp_path / "report.txt"
    result = runner.invoke(app, ["validate", RESNET, "-o", str(out)])
    assert result.exit_code == 0, result.output
    text = out.read_text()
    long = "conv2_x.1.res_stage.0.bottleneck_down.0.residual.body.0.conv_bn.0.conv"
    assert long in text  # whole, on one line
    row = next(line for line in text.splitlines() if line.startswith(long + " "))
    cells = ["conv", "1×64×56×56", "1", "1×64×56×56", "4,096", "12.8M", "803", "kB", "20"]
    assert row.split()[1:] == cells
    assert max(len(line) for line in text.splitlines()) > 80
    assert "params       25,557,032 (trainable 25,557,032, frozen 0)" in text
    assert "mult-adds    4.09G (4,089,184,256)" in text
    assert "177.83 MB forward/backward" in text and "params 102.23 MB" in text


def test_depth_on_the_command_line() -> None:
    result = runner.invoke(app, ["validate", RESNET, "--depth", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].split()[:2] == ["layer", "op"]
    assert lines[4].split()[:4] == ["conv2_x", "33", "layers", "1×64×112×112"]


def test_symbolic_input_shows_no_costs(spec_file) -> None:
    path = spec_file(
        "skipcheck: 1\ninput: [1, 3, H, W]\nlayers:\n  - conv: {out_channels: 8, kernel_size: 3}\n"
    )
    result = runner.invoke(app, ["validate", path])
    assert "mult-adds and memory need a concrete input" in result.output
    assert "1×8×(H - 2)×(W - 2)" in result.output


def test_table_costs_linear_time() -> None:
    """A 10,000-layer table is written in well under a second of CPU (rich took 8.6 s): CPU
    time, not the wall clock, which a busy CI machine stretches."""
    layers = "\n".join("  - relu" for _ in range(10_000))
    spec = f"skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers:\n{layers}\n"
    result = check_spec("deep.yaml", text=spec)
    stream = io.StringIO()
    started = time.process_time()
    FullReporter(stream).file(result)
    assert time.process_time() - started < 2.0
    assert stream.getvalue().count("\n") > 10_000


def test_json_has_layers_totals_and_valid_sizes() -> None:
    result = runner.invoke(
        app, ["validate", str(SPECS / "unet_original.yaml"), "--output-format", "json"]
    )
    doc = json.loads(result.output)
    assert doc["version"] == 2
    f = doc["files"][0]
    assert f["input_shape"] == "1×1×572×572"
    conv = f["layers"][1]
    assert conv == {
        "path": "enc1.0.double_conv.0.conv",
        "name": None,
        "op": "conv",
        "input_shapes": ["1×1×572×572"],
        "kernel": "3",
        "output_shape": "1×64×570×570",
        "params": 640,
        "mult_adds": 570 * 570 * 64 * 9,
        "memory_bytes": 570 * 570 * 64 * 4,
        "line": 10,
    }
    assert f["totals"]["params"] == 31_030_658
    assert f["totals"]["mult_adds"] == sum(r["mult_adds"] or 0 for r in f["layers"])
    assert f["valid_sizes"]["H"] == {
        "at": 572,
        "runs": "every H ≥ 188",
        "clean": "H ≡ 12 (mod 16), H ≥ 188",
        "smallest_runs": 188,
        "smallest_clean": 188,
    }


def test_rules_as_json() -> None:
    result = runner.invoke(app, ["rules", "--output-format", "json"])
    assert result.exit_code == 0
    rules = json.loads(result.output)
    first = rules[0]
    assert (first["code"], first["name"], first["severity"]) == ("SC101", "merge-channels", "error")
    assert first["example"].startswith("skipcheck: 1")
    assert runner.invoke(app, ["rules", "--output-format", "yaml"]).exit_code == 2


def test_validate_imports_no_table_library() -> None:
    """Every format, -q or not, runs without rich (or torch): CI pays for neither."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom skipcheck.cli import main\n"
        "for fmt in ('full', 'concise', 'json', 'github', 'sarif'):\n"
        "    sys.argv = ['skipcheck', 'validate', sys.argv[1], '--output-format', fmt]\n"
        "    try:\n        main()\n    except SystemExit:\n        pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'rich', 'torch'}), file=sys.stderr)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, RESNET], capture_output=True, text=True, check=False
    )
    assert proc.stderr.strip().splitlines()[-1] == "[]", proc.stderr


def test_names_are_shortened_in_the_middle_only_to_fit_a_terminal() -> None:
    from skipcheck.report.full import _shorten

    name = "conv2_x.1.res_stage.0.bottleneck_down.0.residual.body.0.conv_bn.0.conv"
    assert _shorten(name, 100) == name
    short = _shorten(name, 24)
    assert len(short) == 24 and short.startswith("conv2_x.1.r") and short.endswith(".0.conv")
