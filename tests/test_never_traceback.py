"""Whole-process reproductions from issue 11: each ends in a result or exit 2, quickly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ONE_LAYER = "skipcheck: 1\ninput: {input}\n{extra}layers: {layers}\n"


def run(
    *args: str, cwd: Path | None = None, limit: float = 10.0
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in its own process; a hang fails the test instead of the suite."""
    return subprocess.run(
        [sys.executable, "-m", "skipcheck", *args],
        capture_output=True,
        text=True,
        timeout=limit,
        cwd=cwd,
    )


def spec(tmp_path: Path, layers: str, *, input: str = "[1, 3, 8, 8]", extra: str = "") -> str:
    path = tmp_path / "model.yaml"
    path.write_text(ONE_LAYER.format(input=input, extra=extra, layers=layers))
    return str(path)


CASES = {
    "huge declared size": ("[relu]", "[1, 3, 8, 8]", "output: [1, 3, 4611686018427387904, 8]\n", 2),
    "declared period past the cap": (
        "[relu]",
        "[1, 3, H, W]",
        'output: [1, 3, "H // 100000", W]\n',
        1,  # H // 100000 is never H: found at sample sizes (issue 22, item 7)
    ),
    "groupnorm after flatten": ("[flatten, {groupnorm: 2}]", "[1, 3, H, W]", "", 0),
    "residual merge as a list": (
        "[{residual: {body: [relu], merge: [add]}}]",
        "[1, 3, 8, 8]",
        "",
        2,
    ),
    "upsample size with a null": ("[{upsample: {size: [null, 9]}}]", "[1, 3, 8, 8]", "", 1),
}


@pytest.mark.parametrize("name", CASES)
@pytest.mark.parametrize("fmt", ["full", "json"])
def test_no_traceback(tmp_path: Path, name: str, fmt: str) -> None:
    layers, shape, extra, code = CASES[name]
    path = spec(tmp_path, layers, input=shape, extra=extra)
    result = run("validate", "--output-format", fmt, path)  # a hang: TimeoutExpired
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == code, result.stdout + result.stderr
    if fmt == "json":
        assert result.stdout.strip().startswith("{"), result.stdout


def test_pyproject_with_a_string_tool(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('tool = "x"\n')
    path = spec(tmp_path, "[relu]")
    result = run("validate", path, cwd=tmp_path)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stdout + result.stderr


def test_config_above_the_repository_is_not_read(tmp_path: Path) -> None:
    # a settings file outside the project (a parent of the repository) must not silence it
    (tmp_path / "pyproject.toml").write_text('[tool.skipcheck]\nignore = ["SC"]\n')
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "specs").mkdir()
    path = project / "specs" / "model.yaml"
    path.write_text(
        ONE_LAYER.format(input="[1, 3, 8, 8]", extra="", layers="[{upsample: {size: [null, 9]}}]")
    )
    result = run("validate", str(path), cwd=project)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "SC106" in result.stdout


# Issue 22, item 10: internal errors found by fuzzing. Each is a clear error at its line
# (exit 2) — or, for a declared size that is no number, the finding any unreadable
# declared size gets (SC301, as `1 / 0` does) — never "internal error".
ITEM_10 = {
    "version is a list": (
        "skipcheck: []\ninput: [1, 3, 8, 8]\nlayers: [relu]\n",
        2,
        "1:12",
        "unsupported format version a list",
    ),
    "version is a mapping": (
        "skipcheck: {}\ninput: [1, 3, 8, 8]\nlayers: [relu]\n",
        2,
        "1:12",
        "unsupported format version a mapping",
    ),
    "bool tag on other text": (
        "skipcheck: 1\ninput: [1, 3, 8, 8]\n"
        "layers: [{conv: {out_channels: 4, kernel_size: 1, bias: !!bool yes-please}}]\n",
        2,
        "3:57",
        "'yes-please' is not a YAML bool",
    ),
    "empty bool tag": (
        "skipcheck: 1\ninput: [1, 3, 8, 8]\n"
        "layers: [{conv: {out_channels: 4, kernel_size: 1, bias: !!bool }}]\n",
        2,
        "3:57",
        "'' is not a YAML bool",
    ),
    "complex param": (
        "skipcheck: 1\ninput: [1, 3, 8, 8]\nparams: {a: (-8) ** (1/3)}\nlayers: [relu]\n",
        2,
        "3:13",
        "is not a real number",
    ),
    "complex declared size": (
        "skipcheck: 1\ninput: [1, 3, 8, 8]\n"
        "layers: [{relu: null, expect: [1, 3, (-8) ** (1/3), 8]}]\n",
        1,
        "3:31",
        "SC301 0.relu is declared 1×3×(-8) ** (1/3)×8",
    ),
    "sizes past torch's reach": (
        "skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers: [{upsample: {scale_factor: 2}, repeat: 999}]\n",
        2,
        "3:11",
        "more than torch can hold",
    ),
}


@pytest.mark.parametrize("name", ITEM_10)
@pytest.mark.parametrize("fmt", ["concise", "full", "json"])
def test_item_10_is_an_error_at_its_line(tmp_path: Path, name: str, fmt: str) -> None:
    from typer.testing import CliRunner

    from skipcheck.cli import app

    text, code, where, says = ITEM_10[name]
    path = tmp_path / "model.yaml"
    path.write_text(text)
    result = CliRunner().invoke(app, ["validate", "--output-format", fmt, str(path)])
    assert result.exit_code == code, result.output
    assert "internal error" not in result.output
    if fmt == "concise":
        assert f"{path}:{where}: " in result.output, result.output
        assert says in result.output


def test_a_pyproject_that_is_not_utf8_is_an_error_at_its_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from skipcheck.cli import app

    (tmp_path / "pyproject.toml").write_bytes(b'# settings\n[tool.skipcheck]\nname = "\xff\xfe"\n')
    path = spec(tmp_path, "[relu]")
    result = CliRunner().invoke(app, ["validate", "--output-format", "concise", path])
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert f"{tmp_path / 'pyproject.toml'}:3:9: error: pyproject.toml is not UTF-8 text" in (
        result.output
    )
