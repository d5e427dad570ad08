"""One input shape, judged once: every place that takes an input gives the same reason for
the same problem, each naming where the shape came from."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.inputshape import MAX_INPUT_SIZE, InputShape
from skipcheck.specfile import values as lower

runner = CliRunner()

SPEC = "skipcheck: 1\ninput: {input}\nlayers: [relu]\n"

# (the shape as text, as the spec's list, the reason every source gives)
PROBLEMS = [
    ("1xCx8x8", "[1, C, 8, 8]", "the input's channel count must be a number"),
    (
        "1x3x2000000000x8",
        "[1, 3, 2000000000, 8]",
        f"input size 2000000000 is out of range (1 to {MAX_INPUT_SIZE:,})",
    ),
    ("1x3x8x8x8x8", "[1, 3, 8, 8, 8, 8]", "input has 4 spatial axes; 1 to 3 are supported"),
]


def _error(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    return result.output.replace("\n", " ")


@pytest.mark.parametrize(("text", "written", "reason"), PROBLEMS)
def test_every_source_gives_one_reason(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, written: str, reason: str
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("good.yaml").write_text(SPEC.format(input="[1, 3, 8, 8]"))
    Path("bad.yaml").write_text(SPEC.format(input=written))
    assert reason in _error(["validate", "bad.yaml"])  # the spec's `input:`
    assert f"--input {text!r}: {reason}" in _error(["validate", "good.yaml", "--input", text])
    said = _error(["validate", "good.yaml", "--set", f"input={text}"])
    assert f"--set input={text}: {reason}" in said
    Path(".skipcheck.yaml").write_text(f"input: {text}\n")
    assert f"input {text!r}: {reason}" in _error(["validate", "good.yaml"])  # a config's


def test_import_takes_an_example_input_judged_the_same() -> None:
    # refused before the model is looked at (torch is not needed to say so)
    said = _error(["import", "no_such_module:build", "-i", "1xCx8x8"])
    assert "--input '1xCx8x8': the input's channel count must be a number" in said
    assert "numbers only" in _error(["import", "no_such_module:build", "-i", "1x3xHxW"])


def test_text_forms() -> None:
    assert InputShape.parse("1x3xHxW").dims == (1, 3, "H", "W")
    assert InputShape.parse("N, 3, 64, 64").dims == ("N", 3, 64, 64)
    assert InputShape.parse("1×3×64").concrete() == (1, 3, 64)
    assert InputShape.parse("1x3xH").concrete() is None
    assert str(InputShape.parse("1,3,8,8")) == "1,3,8,8"  # as written, for --show-settings
    with pytest.raises(SkipcheckError, match="expected something like 1x3x256x256"):
        InputShape.parse("1x3")
    with pytest.raises(SkipcheckError, match="'a-b' is not a positive size or a symbol"):
        InputShape.parse("1x3xa-b")


def test_one_limit_on_input_sizes() -> None:
    # the spec's own declared sizes obey the same limit as its input
    assert lower.MAX_INPUT_SIZE == MAX_INPUT_SIZE
