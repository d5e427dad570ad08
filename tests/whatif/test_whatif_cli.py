"""The whatif command and --set on validate, through the real CLI (exit codes 0/1/2)."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app

runner = CliRunner()
BROKEN = "specs/unet_add_broken.yaml"
ORIGINAL = "specs/unet_original.yaml"


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


def test_validate_with_sets_can_reach_clean() -> None:
    code, out = invoke(
        "validate",
        BROKEN,
        "-q",
        "--set",
        "input=1x3x256x256",
        "--set",
        "d2.layers[1]={concat: e2}",
        "--set",
        "d1.layers[1]={concat: e1}",
    )
    assert code == 0, out


def test_validate_set_param_still_works() -> None:
    code, out = invoke("validate", ORIGINAL, "--set", "base=32")
    assert code == 0, out
    assert "7,759,554 parameters" in out


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["validate", BROKEN, "--set", "bsae=4"], ["did you mean 'base'"]),
        (["validate", BROKEN, "--set", "base=[1]"], ["--set base=[1]", "must be a number"]),
        (["whatif", BROKEN, "--set", "d9.add=e1"], ["no param, stage, block"]),
        (["whatif", BROKEN, "--set", "d2.layers[5]=relu"], ["3 items"]),
        (["whatif", BROKEN, "--set", "base=abc"], ["unknown name 'abc'"]),
        (["whatif", BROKEN], ["nothing to compare"]),
        (["whatif", BROKEN, "--sweep", "base"], ["expected KEY=VALUES"]),
        (["whatif", BROKEN, "--sweep", "bsae=1,2"], ["did you mean 'base'"]),
        (["whatif", BROKEN, "--sweep", "H=a..b"], ["not an input size"]),
        (["whatif", "missing.yaml", "--set", "base=1"], ["cannot read"]),
    ],
)
def test_errors_exit_2(args: list[str], words: list[str]) -> None:
    code, out = invoke(*args)
    assert code == 2, out
    for word in words:
        assert word in out
    assert "Traceback" not in out


def test_whatif_side_by_side() -> None:
    code, out = invoke("whatif", BROKEN, "--set", "base=48", "--set", "d2.layers[1]={concat: e2}")
    assert code == 1, out
    assert "1×96×127×127" in out  # e2 after the change
    assert "186,177 → 500,449" in out
    assert "resolved (1)" in out and "SC101 line 20" in out
    assert "introduced" not in out
    assert "valid H: H ≡ 0 (mod 4) (unchanged)" in out


def test_whatif_that_fixes_everything_exits_0() -> None:
    code, out = invoke(
        "whatif",
        BROKEN,
        "--set",
        "input=1x3x256x256",
        "--set",
        "d2.layers[1]={concat: e2}",
        "--set",
        "d1.layers[1]={concat: e1}",
    )
    assert code == 0, out
    assert "changed ✓ clean" in out
    assert "valid H: H ≡ 0 (mod 4) (unchanged)" in out


def test_whatif_sizes_change() -> None:
    code, out = invoke("whatif", ORIGINAL, "--set", "dec4.conv_transpose.kernel_size=3")
    assert "introduced (1)" in out and "SC202" in out
    assert code == 0, out


def test_sweep_output() -> None:
    code, out = invoke(
        "whatif", "tests/data/whatif_groupnorm.yaml", "--sweep", "base=16,24,32,48,64"
    )
    assert code == 1
    assert "base: 32, 64 pass; 16, 24, 48 fail SC104 groupnorm in e1 (line 9)" in out
    assert "GroupNorm(32) needs channels divisible by 32" in out


def test_input_sweep_output() -> None:
    code, out = invoke("whatif", ORIGINAL, "--sweep", "H=180..200", "--step", "4")
    assert code == 1
    assert "H: 188–200 step 4 pass; 180, 184 fail SC103" in out
    assert "every H ≥ 188" in out


def test_whatif_shows_mult_adds_and_memory_per_stage_and_in_total() -> None:
    code, out = invoke("whatif", ORIGINAL, "--set", "base=32")
    assert code == 0, out
    enc1 = next(line for line in out.splitlines() if line.startswith("enc1 "))
    assert enc1.split()[3:] == ["12.1G", "→", "3.07G", "332", "MB", "→", "166", "MB"]
    assert "mult-adds: 150G → 37.7G  -113G (-75.0%)" in out
    assert "activations: 1.19 GB → 595 MB" in out


def test_sweep_over_a_param_shows_costs_and_never_wraps() -> None:
    result = runner.invoke(app, ["whatif", ORIGINAL, "--sweep", "base=16,64"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split()[4:7] == ["params", "mult-adds", "memory"]
    assert lines[1].split()[4:7] == ["1,940,834", "9.44G", "298"]
    assert lines[2].split()[4:7] == ["31,030,658", "150G", "1.19"]
    assert lines[1].rstrip().endswith("every H, W ≥ 188")  # one line each, whatever the width
