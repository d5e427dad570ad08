"""`skipcheck sizes` through the real entry point: output and exit codes."""

from __future__ import annotations

from typer.testing import CliRunner

from skipcheck.cli import app

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["sizes", *args], env={"COLUMNS": "200", "NO_COLOR": "1"})
    return result.exit_code, result.output


def test_unet_original_is_valid() -> None:
    code, out = run("specs/unet_original.yaml")
    assert code == 0, out
    assert "every H ≥ 188" in out
    assert "H ≡ 12 (mod 16), H ≥ 188" in out
    assert "H = 572 → runs: 571, 573 · clean: 556, 588" in out


def test_unet_add_broken_fails_and_says_why() -> None:
    code, out = run("specs/unet_add_broken.yaml")
    assert code == 1, out
    assert "H ≡ 0 (mod 4) (smallest 4)" in out
    assert "fails: add e2 in d2, line 20: needs H ≡ 0, 1 (mod 4)" in out
    assert "runs: 252, 256" in out
    assert "no input size runs: 2 errors hold at every size" in out


def test_near_and_range() -> None:
    code, out = run("specs/unet_add_broken.yaml", "--near", "256", "--range", "1..20")
    # the channel errors (SC101) hold at every size: 256 is right spatially, yet nothing runs
    assert code == 1, out
    assert "runs in 1..20 none" in out  # and spatially, once the channels are fixed:
    assert "spatially in 1..20 4, 8, 12, 16, 20 (clean: 4, 8, 12, 16, 20)" in out
    assert "at 256     fails (the errors above); spatially it runs, nothing lost" in out


def test_input_and_set() -> None:
    code, out = run("specs/unet_add_broken.yaml", "--input", "1x3x64x30", "--set", "base=8")
    assert code == 1, out
    assert "W = 30 → runs: 28, 32" in out


def test_errors_exit_2() -> None:
    assert run("specs/missing.yaml")[0] == 2
    assert run("specs/unet_original.yaml", "--range", "9..1")[0] == 2
    assert run("specs/unet_original.yaml", "--input", "1x1x0x4")[0] == 2


SIZE_FREE = """skipcheck: 1
input: [1, 3, 64, 64]
encoder:
  - {stage: e1, layers: [{conv: {out_channels: 64, kernel_size: 3, padding: 1}}]}
  - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 128, kernel_size: 3, padding: 1}}]}
decoder:
  - {stage: d1, layers: [{upsample: {scale_factor: 2}}, {add: e1}]}
"""


def test_size_independent_errors_mean_no_size_runs(tmp_path) -> None:
    path = tmp_path / "b.yaml"
    path.write_text(SIZE_FREE)
    code, out = run(str(path))
    assert code == 1, out
    assert "no input size runs: 1 error holds at every size" in out
    assert "SC101 add e1 in d1 merges 128 channels with 64 channels" in out
    assert "✗ the model runs at no input size: SC101 at line 7" in out
    assert "✓" not in out
    result = runner.invoke(app, ["validate", str(path)], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert "valid input sizes: none — SC101 at line 7 fails at every input size" in result.output
    assert "  spatially: H, W ≡ 0 (mod 2)" in result.output
