"""The command-line conventions of ruff and yamllint: stdin, -h, rule selection,
--statistics, --show-settings/--show-files, excludes, config errors reported once."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import SPECS

runner = CliRunner()
BROKEN = SPECS / "unet_add_broken.yaml"


def validate(*args: str, input: str | None = None, cwd: Path | None = None):
    return runner.invoke(app, ["validate", *args], input=input, env={"NO_COLOR": "1"})


def test_dash_h_is_help() -> None:
    for args in (["-h"], ["validate", "-h"], ["sizes", "-h"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        assert "Usage:" in result.output


def test_dash_reads_stdin_and_stdin_filename_names_it(tmp_path: Path) -> None:
    text = BROKEN.read_text()
    result = validate("-", "--output-format", "concise", input=text)
    assert result.exit_code == 1, result.output
    assert result.output.startswith("-:14:27: warning SC201 ")
    named = str(tmp_path / "model.yaml")
    result = validate("--stdin-filename", named, "--output-format", "concise", input=text)
    assert result.exit_code == 1
    assert f"{named}:20:9: error SC101 " in result.output
    assert not Path(named).exists()  # a name only: nothing is read from or written to it


def test_stdin_filename_finds_its_config(tmp_path: Path) -> None:
    (tmp_path / ".skipcheck.yaml").write_text("ignore: [SC1, SC2]\n")
    named = str(tmp_path / "model.yaml")
    result = validate("--stdin-filename", named, input=BROKEN.read_text())
    assert result.exit_code == 0, result.output


def test_select_ignore_extend_select_on_the_command_line(tmp_path: Path) -> None:
    def codes(*args: str) -> list[str]:
        result = validate(str(BROKEN), "--output-format", "concise", *args)
        return sorted({line.split()[2] for line in result.output.splitlines()[:-1]})

    assert codes() == ["SC101", "SC102", "SC201"]
    assert codes("--select", "SC101") == ["SC101"]
    assert codes("--select", "SC101,SC201") == ["SC101", "SC201"]
    assert codes("--ignore", "SC1") == ["SC201"]
    assert codes("--select", "SC101", "--extend-select", "SC102") == ["SC101", "SC102"]
    # the command line replaces the config's select, and adds to its ignore
    (tmp_path / "pyproject.toml").write_text('[tool.skipcheck]\nselect = ["SC2"]\n')
    config = ["--config", str(tmp_path / "pyproject.toml")]
    assert codes(*config) == ["SC201"]
    assert codes(*config, "--select", "SC102") == ["SC102"]
    assert codes(*config, "--extend-select", "SC101") == ["SC101", "SC201"]
    bad = validate(str(BROKEN), "--select", "SC999")
    assert bad.exit_code == 2 and "--select" in bad.output and "SC999" in bad.output


def test_concise_shows_the_severity_the_config_gives(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.skipcheck]\nseverity = {SC201 = "error"}\n')
    result = validate(
        str(BROKEN), "--config", str(tmp_path / "pyproject.toml"), "--output-format", "concise"
    )
    assert ":14:27: error SC201 " in result.output
    assert ":20:9: error SC101 " in result.output


def test_statistics_counts_per_rule() -> None:
    result = validate(str(BROKEN), "--statistics")
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        "2  SC101  merge-channels         error",
        "2  SC102  merge-spatial          error",
        "2  SC201  pool-drops-input       warning",
    ]
    as_json = validate(str(BROKEN), "--statistics", "--output-format", "json")
    assert '"code": "SC101"' in as_json.output and '"count": 2' in as_json.output
    assert validate(str(SPECS / "resnet50.yaml"), "--statistics").output == ""


def test_show_settings_and_show_files(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.skipcheck]\nignore = ["SC2"]\nexclude = ["old"]\n'
    )
    (tmp_path / "old").mkdir()
    shutil.copy(BROKEN, tmp_path / "a.yaml")
    shutil.copy(BROKEN, tmp_path / "old" / "b.yaml")
    monkeypatch.chdir(tmp_path)
    result = validate("--show-settings", "a.yaml", "--extend-select", "SC1")
    assert result.exit_code == 0, result.output
    assert "pyproject.toml" in result.output and "ignore       SC2" in result.output
    result = validate("--show-files", ".")
    assert result.exit_code == 0
    assert result.stdout.split() == ["./a.yaml"]
    assert "skipped ./old/b.yaml: excluded by 'old'" in result.stderr


def test_directory_scans_skip_excluded_ignored_and_non_spec_files(
    tmp_path: Path, monkeypatch
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".gitignore").write_text("build/\n")
    (tmp_path / "pyproject.toml").write_text('[tool.skipcheck]\nexclude = ["*_old.yaml"]\n')
    for rel in ("specs/a.yaml", "build/b.yaml", "specs/a_old.yaml"):
        (tmp_path / rel).parent.mkdir(exist_ok=True)
        shutil.copy(BROKEN, tmp_path / rel)
    (tmp_path / "specs" / "compose.yaml").write_text("services: {web: {image: nginx}}\n")
    monkeypatch.chdir(tmp_path)
    result = validate(".", "--output-format", "concise")
    assert result.exit_code == 1
    checked = {line.split(":")[0] for line in result.stdout.splitlines()[:-1]}
    assert checked == {"./specs/a.yaml"}
    assert "note: skipped ./specs/compose.yaml: not a skipcheck spec" in result.stderr
    assert "Found 4 errors, 2 warnings in 1 file." in result.stdout
    # a file named on the command line is checked whatever excludes it
    named = validate("specs/a_old.yaml", "build/b.yaml", "--output-format", "concise")
    assert "in 2 files" in named.stdout
    # and a named non-spec is an error, not a silent skip
    assert validate("specs/compose.yaml").exit_code == 2


def test_a_broken_config_is_reported_once_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.skipcheck]\nselect = ["SC1"]\nsevrity = {}\n'
    )
    for name in ("a.yaml", "b.yaml", "c.yaml"):
        shutil.copy(BROKEN, tmp_path / name)
    result = validate(str(tmp_path), "--output-format", "concise")
    assert result.exit_code == 2
    lines = result.output.splitlines()
    assert lines[0] == (
        f"{tmp_path / 'pyproject.toml'}:6:1: error: unknown setting 'sevrity' — did you mean "
        "'severity'? (settings: select, ignore, severity, input, files, exclude) "
        "(3 specs not checked)"
    )
    assert sum("sevrity" in line for line in lines) == 1
    # a TOML syntax error too: once, where tomllib stopped
    (tmp_path / "pyproject.toml").write_text("[tool.skipcheck]\nselect = [SC1\n")
    result = validate(str(tmp_path), "--output-format", "concise")
    assert result.exit_code == 2
    first = result.output.splitlines()[0]
    assert first.startswith(f"{tmp_path / 'pyproject.toml'}:2:")
    assert "error: invalid TOML:" in first and first.endswith("(3 specs not checked)")
    assert "1 file could not be checked in 1 file" in result.output


def test_depth_only_with_the_full_format() -> None:
    result = validate(str(BROKEN), "--depth", "1", "--output-format", "concise")
    assert result.exit_code == 2 and "--depth" in result.output


def test_show_settings_without_files_reads_the_current_directory(tmp_path, monkeypatch) -> None:
    (tmp_path / ".skipcheck.yaml").write_text("severity: {SC201: error}\n")
    monkeypatch.chdir(tmp_path)
    result = validate("--show-settings")
    assert result.exit_code == 0, result.output
    assert "severity     SC201 = error" in result.output
