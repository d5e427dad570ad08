"""Every human-readable format tells a model reference's findings at the model's own source
(`model.py:12:9: error SC102 …`, the line's code in the gutter, `model.py:9` in the layer
table), never at the lines of the spec held in memory — the same places JSON gives, and the
line torch itself stops at."""

from __future__ import annotations

import importlib.util
import json
import re
import textwrap
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from skipcheck.cli import app  # noqa: E402

runner = CliRunner()

MODEL = textwrap.dedent(
    """\
    import torch
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, 3, padding=1)
            self.down = nn.Conv2d(8, 16, 3, stride=2, padding=1)
            self.up = nn.ConvTranspose2d(16, 8, 2, stride=2)
            self.head = nn.Conv2d(16, 2, 1)

        def forward(self, x):
            skip = self.stem(x)
            x = self.down(skip)
            x = self.up(x)
            x = torch.cat([x, skip], dim=1)
            return self.head(x)
    """
)


@pytest.fixture()
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "model.py"
    path.write_text(MODEL)
    return path


def line_of(code: str) -> int:
    """The 1-based line of ``code`` in the model's source."""
    return next(k for k, text in enumerate(MODEL.splitlines(), 1) if text.strip() == code)


def torch_stops_at(path: Path, size: int) -> int:
    """Where torch itself (CPU) raises in the model's file at ``size``."""
    spec = importlib.util.spec_from_file_location("referee_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)  # the referee imports the user's file as Python does
    net = module.Net()
    with torch.no_grad(), pytest.raises(RuntimeError) as err:
        net(torch.zeros(1, 3, size, size))
    frames = traceback.extract_tb(err.value.__traceback__)
    return [f for f in frames if f.filename == str(path)][-1].lineno or 0


def test_the_full_report_heads_each_finding_with_the_models_file_line_and_code(
    model: Path,
) -> None:
    cat = line_of("x = torch.cat([x, skip], dim=1)")
    assert torch_stops_at(model, 33) == cat
    result = runner.invoke(app, ["validate", "model.py:Net", "--input", "1x3x33x33"])
    assert result.exit_code == 1, result.output
    out = result.output
    # heading, gutter and caret at the statement torch stops at
    assert f"\nmodel.py:{cat}:9: error SC102 " in out, out
    assert f"{cat:>5} │         x = torch.cat([x, skip], dim=1)\n" in out, out
    assert "      │         ^\n" in out, out
    # the layer table's line column: the model's lines (the up conv is called at its line)
    up = next(row for row in out.splitlines() if "conv_transpose  " in row)
    assert up.rstrip().endswith(f"model.py:{line_of('x = self.up(x)')}"), up
    # the shapes' provenance names the model's lines, not the spec's
    provenance = [row for row in out.splitlines() if "←" in row]
    assert provenance and not any(re.search(r"\bline \d", row) for row in provenance), provenance
    assert "model.py:Net:" not in out.split("\n", 1)[1]  # past the title, no spec position
    # the input row: the model's class
    assert out.splitlines()[2].rstrip().endswith(f"model.py:{line_of('class Net(nn.Module):')}")


def test_concise_and_github_point_at_the_models_line_with_the_module(model: Path) -> None:
    cat = line_of("x = torch.cat([x, skip], dim=1)")
    concise = runner.invoke(
        app, ["validate", "model.py:Net", "--input", "1x3x33x33", "--output-format", "concise"]
    )
    assert concise.exit_code == 1, concise.output
    first = concise.output.splitlines()[0]
    assert first.startswith(f"model.py:{cat}:9: error SC102 "), first
    assert first.endswith("(in the model's own forward)"), first
    github = runner.invoke(
        app, ["validate", "model.py:Net", "--input", "1x3x33x33", "--output-format", "github"]
    )
    assert github.exit_code == 1, github.output
    assert f"::error file=model.py,line={cat},col=9,title=SC102" in github.output
    # json says the same place
    doc = runner.invoke(
        app, ["validate", "model.py:Net", "--input", "1x3x33x33", "--output-format", "json"]
    )
    found = json.loads(doc.output)["files"][0]["diagnostics"][0]
    assert (found["file"], found["line"], found["col"]) == ("model.py", cat, 9)


def test_fix_and_draw_list_findings_at_the_models_line(model: Path, tmp_path: Path) -> None:
    cat = line_of("x = torch.cat([x, skip], dim=1)")
    fixes = runner.invoke(app, ["fix", "model.py:Net", "--input", "1x3x33x33"])
    assert fixes.exit_code == 1, fixes.output
    assert fixes.output.startswith(f"model.py:{cat}:9: error SC102 "), fixes.output
    page = tmp_path / "net.html"
    drawn = runner.invoke(app, ["draw", "model.py:Net", "--input", "1x3x33x33", "-o", str(page)])
    assert drawn.exit_code == 1, drawn.output
    listed = page.read_text()
    assert f"model.py:{cat} · " in listed, listed[-2000:]
    assert f"SC102 error at model.py:{cat}:" in listed


def test_the_more_fixes_hint_is_a_command_that_runs_on_the_same_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`… 3 more proven fixes: skipcheck fix model.py:UNet --input 1x3x250x250`: without the
    input a model reference cannot be checked, so the hint carries the one it was given."""
    monkeypatch.chdir(tmp_path)
    source = Path(__file__).parents[1] / "zoo" / "unets.py"
    (tmp_path / "model.py").write_text(source.read_text())
    result = runner.invoke(app, ["validate", "model.py:UNet", "--input", "1x3x250x250"])
    assert result.exit_code == 1, result.output
    hints = re.findall(r"more proven fix(?:es)?: (skipcheck fix .*)", result.output)
    assert hints and set(hints) == {"skipcheck fix model.py:UNet --input 1x3x250x250"}, hints
    follow = runner.invoke(app, hints[0].split()[1:])
    assert follow.exit_code == 1, follow.output
    assert "fix 4" in follow.output  # the fixes the report left out are listed there
