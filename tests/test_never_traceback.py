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
