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
    assert "no input size fixes this" in out


def test_near_and_range() -> None:
    code, out = run("specs/unet_add_broken.yaml", "--near", "256", "--range", "1..20")
    assert code == 0, out
    assert "runs in 1..20 4, 8, 12, 16, 20" in out


def test_input_and_set() -> None:
    code, out = run("specs/unet_add_broken.yaml", "--input", "1x3x64x30", "--set", "base=8")
    assert code == 1, out
    assert "W = 30 → runs: 28, 32" in out


def test_errors_exit_2() -> None:
    assert run("specs/missing.yaml")[0] == 2
    assert run("specs/unet_original.yaml", "--range", "9..1")[0] == 2
    assert run("specs/unet_original.yaml", "--input", "1x1x0x4")[0] == 2
