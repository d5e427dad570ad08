"""`skipcheck dryrun` and `skipcheck export` through the real CLI: output and exit codes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import SPECS

pytest.importorskip("torch")

runner = CliRunner()
UNET = str(SPECS / "unet_original.yaml")
BROKEN = str(SPECS / "unet_add_broken.yaml")


def test_dryrun_clean_spec_exits_0() -> None:
    result = runner.invoke(app, ["dryrun", UNET])
    assert result.exit_code == 0, result.output
    assert "on meta, input 1×1×572×572" in result.output
    assert "dec1    1×64×388×388         1×64×388×388" in result.output
    assert "parameters: skipcheck 31,030,658 · torch 31,030,658" in result.output
    assert "skipcheck and torch agree on every shape" in result.output


def test_dryrun_broken_spec_shows_torch_next_to_skipcheck_and_exits_1() -> None:
    result = runner.invoke(app, ["dryrun", BROKEN])
    assert result.exit_code == 1, result.output
    out = result.output
    assert "torch stops at add d2.1.add (" in out and "unet_add_broken.yaml:20:9" in out
    assert "torch:     RuntimeError:" in out
    assert "skipcheck: SC101" in out and "SC102" in out
    assert "the model fails at d2.1.add; skipcheck and torch agree" in out


def test_dryrun_on_cpu_estimates_memory_and_reports_the_peak() -> None:
    result = runner.invoke(
        app, ["dryrun", UNET, "--device", "cpu", "--input", "1x1x188x188", "--set", "base=4"]
    )
    assert result.exit_code == 0, result.output
    assert "memory: estimated" in result.output
    assert "memory: peak of parameters + live activations" in result.output


def test_dryrun_refuses_above_the_budget_unless_forced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("skipcheck.torch.dryrun.memory_budget", lambda device: 1 << 20)
    args = ["dryrun", UNET, "--device", "cpu", "--input", "1x1x188x188", "--set", "base=4"]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 2
    assert "more than the budget of 1.0 MiB" in refused.output
    assert runner.invoke(app, [*args, "--force"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--device", "tpu"], "--device must be one of meta, cpu, cuda"),
        (["--input", "1x1xHx188"], "torch needs numbers"),
        (["--input", "1x1x188"], "--input has 3 axes"),
        (["--set", "bass=3"], "did you mean 'base'"),
    ],
)
def test_dryrun_cannot_run_exits_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["dryrun", UNET, *args])
    assert result.exit_code == 2, result.output
    assert message in result.output


def test_dryrun_reports_a_disagreement_as_an_internal_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skipcheck.ops.conv import Conv

    real = Conv.infer

    def off_by_one(self, ctx, node, inputs):  # a planted shape-rule bug
        out = real(self, ctx, node, inputs)
        return (*out[:-1], out[-1] + 1) if node.id == 3 else out

    monkeypatch.setattr(Conv, "infer", off_by_one)
    result = runner.invoke(app, ["dryrun", UNET])
    assert result.exit_code == 2, result.output
    assert "INTERNAL ERROR" in result.output
    assert "skipcheck says 1×64×568×569, torch computes 1×64×568×568" in result.output


def test_export_writes_standalone_code(tmp_path: Path) -> None:
    target = tmp_path / "unet.py"
    result = runner.invoke(app, ["export", UNET, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert "class UnetOriginal(nn.Module)" in target.read_text()
    assert "skipcheck" not in target.read_text().split('"""', 2)[2]


def test_export_of_a_broken_spec_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["export", BROKEN, "-o", str(tmp_path / "x.py")])
    assert result.exit_code == 2
    assert "cannot export" in result.output
    assert not (tmp_path / "x.py").exists()


def test_dryrun_shows_control_characters_in_names(spec_file) -> None:
    path = spec_file('skipcheck: 1\nname: "ev\\x1b[2Jil"\ninput: [1, 3, 8, 8]\nlayers: [relu]\n')
    result = runner.invoke(app, ["dryrun", path])
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "ev\\x1b[2Jil" in result.output


@pytest.mark.parametrize(
    ("layers", "input"),
    [
        ("[{pixel_shuffle: 2}]", "[1, 8, 4, 2, 2]"),
        ("[{flatten: {start_dim: 0}}]", "[1, 3, 8, 8]"),
        ("[{pad: [1, 1, 1, 1, 1, 1]}]", "[1, 3, 8, 8]"),
    ],
)
def test_dryrun_refusals_by_design_are_findings(spec_file, layers: str, input: str) -> None:
    path = spec_file(f"skipcheck: 1\ninput: {input}\nlayers: {layers}\n")
    result = runner.invoke(app, ["dryrun", path, "--device", "cpu"])
    assert result.exit_code == 1, result.output
    assert "INTERNAL" not in result.output
    assert "by design" in result.output and "SC106" in result.output
