"""A dry-run where torch fails at a layer skipcheck passed: a finding first, never an
INTERNAL ERROR (issue 22, item 8)."""

from __future__ import annotations

import pytest

pytest.importorskip("torch")

from typer.testing import CliRunner

from skipcheck.cli import app

runner = CliRunner()

# a residual whose body doubles the channels: torch's add fails, at the residual's line
RESIDUAL = """\
skipcheck: 1
input: [1, 2, 8, 8]
layers:
  - residual:
      body: [{conv: {out_channels: 4, kernel_size: 3, padding: 1}}]
"""


def test_a_layer_torch_fails_and_skipcheck_missed_is_a_finding(
    spec_file, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skipcheck.torch.dryrun as dryrun

    # a planted gap: skipcheck's own findings are lost on the way to the dry-run
    monkeypatch.setattr(dryrun, "errors_by_node", lambda graph, table: {})
    result = runner.invoke(app, ["dryrun", spec_file(RESIDUAL)])
    assert result.exit_code == 1, result.output  # findings, not "could not run"
    assert "INTERNAL" not in result.output
    lines = result.output.splitlines()
    finding = next(line for line in lines if ": error: " in line)
    assert ":4:5: error: add" in finding and "fails in torch" in finding
    assert "RuntimeError" in finding  # torch's own words
    assert "did not report this layer" in result.output
    assert lines[-1].startswith("verdict: the model fails at")


@pytest.mark.parametrize(
    "layers",
    [
        # in_features after a flatten of 2×4×4 = 32 (issue 22, item 4)
        "  - flatten\n  - linear: {in_features: 40, out_features: 3}\n",
    ],
)
def test_a_dryrun_of_a_spec_torch_rejects_never_says_internal(spec_file, layers: str) -> None:
    path = spec_file(f"skipcheck: 1.1\ninput: [1, 2, 4, 4]\nlayers:\n{layers}")
    result = runner.invoke(app, ["dryrun", path])
    assert result.exit_code == 1, result.output
    assert "INTERNAL" not in result.output
