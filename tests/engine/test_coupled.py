"""Conditions that couple the axes (issue 14): a norm needs more than one value per channel,
so 16×16 fails where 16×256 runs — stated as a joint condition, never as a per-axis one."""

from __future__ import annotations

import itertools

import pytest
from typer.testing import CliRunner

from skipcheck.check import Options, check_spec
from skipcheck.check.valid import valid_sizes
from skipcheck.cli import app

SPEC = """\
skipcheck: 1
name: coupled
input: [1, 3, 16, 16]
layers:
  - conv: {out_channels: 8, kernel_size: 3, padding: 1}
  - maxpool: 2
    repeat: 4
  - instancenorm
"""


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "coupled.yaml"
    path.write_text(SPEC)
    return str(path)


def _ok(spec: str, h: int, w: int) -> bool:
    return check_spec(spec, Options(input_shape=(1, 3, h, w))).ok


def test_the_joint_condition_is_stated_and_decides(spec: str) -> None:
    square = check_spec(spec)
    (d,) = square.errors
    assert d.code == "SC106"
    assert any("needs H ≥ 32 or W ≥ 32 — the axes couple" in n for n in d.notes)
    assert _ok(spec, 16, 256) and _ok(spec, 256, 16) and not _ok(spec, 31, 31)
    symbolic = check_spec(spec, Options(input_shape=(1, 3, "H", "W")))
    assert symbolic.ok and symbolic.table is not None
    assert [c.describe() for c in symbolic.table.couplings] == ["H ≥ 32 or W ≥ 32"]
    assert any("the axes coupled" in line for line in symbolic.size_lines())


def test_sizes_names_the_coupling_and_fails_where_it_breaks(spec: str) -> None:
    report = valid_sizes(check_spec(spec))
    assert not report.ok and [c.what for c in report.failing_couplings()] == [
        "instancenorm (line 8)"
    ]
    assert valid_sizes(check_spec(spec, Options(input_shape=(1, 3, 16, 256)))).ok
    out = CliRunner().invoke(app, ["sizes", spec])
    assert out.exit_code == 1
    assert "the axes couple" in out.output
    assert "✗ the model does not run at H = 16, W = 16: instancenorm (line 8)" in out.output


def test_torch_agrees_on_a_grid_of_sizes(spec: str) -> None:
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), *[nn.MaxPool2d(2) for _ in range(4)], nn.InstanceNorm2d(8)
    ).eval()
    for h, w in itertools.product((16, 17, 31, 32, 33, 48), (16, 31, 32, 64)):
        try:
            with torch.no_grad():
                model(torch.zeros(1, 3, h, w))
            runs = True
        except (RuntimeError, ValueError):
            runs = False
        assert _ok(spec, h, w) == runs, (h, w)
