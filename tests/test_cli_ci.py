"""The CI side of the command line: many files, config, exit codes, completion."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import SPECS

runner = CliRunner()
GOOD = (SPECS / "unet_original.yaml").read_text()
BAD = (SPECS / "unet_add_broken.yaml").read_text()


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "specs" / "nested").mkdir(parents=True)
    (tmp_path / "specs" / "good.yaml").write_text(GOOD)
    (tmp_path / "specs" / "nested" / "bad.yml").write_text(BAD)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path


def concise(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", "--output-format", "concise", *args])
    return result.exit_code, result.output


def test_exit_code_over_all_files(project: Path) -> None:
    assert concise("specs/good.yaml")[0] == 0
    code, out = concise("specs/")
    assert code == 1
    assert out.count("SC101") == 2 and "in 2 files." in out.splitlines()[-1]
    code, out = concise("specs/", "specs/**/*.yml", "missing.yaml")
    assert code == 2
    assert "missing.yaml:1:1: error: cannot read missing.yaml" in out
    assert "SC101" in out, "the other files are still checked"


def test_unparsable_file_does_not_stop_the_run(project: Path) -> None:
    (project / "specs" / "junk.yaml").write_text("skipcheck: 1\n  input: [\n")
    code, out = concise("specs/")
    assert code == 2
    assert "specs/junk.yaml:" in out and "invalid YAML" in out
    assert "SC101" in out
    assert "1 file could not be checked in 3 files" in out


def test_exit_zero(project: Path) -> None:
    assert concise("specs/", "--exit-zero")[0] == 0
    assert concise("specs/", "nope.yaml", "--exit-zero")[0] == 2


def test_config_from_pyproject_and_default_files(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[tool.skipcheck]\nfiles = ["specs"]\nignore = ["SC101", "SC102"]\n'
        'severity = { SC201 = "error" }\n'
    )
    code, out = concise()
    assert code == 1
    assert "SC101" not in out and "SC201" in out
    assert "Found 2 errors, 0 warnings in 2 files." in out


def test_config_input_and_explicit_config(project: Path) -> None:
    (project / "specs" / ".skipcheck.yaml").write_text('input: "1x3x256x256"\nignore: [SC101]\n')
    assert concise("specs/")[0] == 0
    other = project / "strict.yaml"
    other.write_text("select: [SC1]\n")
    code, out = concise("specs/", "--config", str(other))
    assert code == 1 and "SC102" in out and "SC201" not in out
    assert concise("specs/", "--config", "missing.toml")[0] == 2


def test_bad_config_is_exit_2(project: Path) -> None:
    (project / ".skipcheck.yaml").write_text("ignore: [SC9]\n")
    code, out = concise("specs/")
    assert code == 2
    assert "unknown rule 'SC9'" in out


def test_no_files_and_no_config(project: Path) -> None:
    result = runner.invoke(app, ["validate"])
    assert result.exit_code == 2
    assert "no spec files given" in result.output


def test_rules_and_explain() -> None:
    listing = runner.invoke(app, ["rules"])
    assert listing.exit_code == 0
    assert listing.output.splitlines()[0].split()[:3] == ["SC101", "merge-channels", "error"]
    explained = runner.invoke(app, ["explain", "sc102"])
    assert explained.exit_code == 0
    for heading in ("What it checks", "Why it matters", "Example", "Use instead"):
        assert f"\n{heading}" in explained.output
    assert "    - add: e1" in explained.output
    by_name = runner.invoke(app, ["explain", "pool-drops-input"])
    assert by_name.output.startswith("SC201 pool-drops-input (warning)")
    unknown = runner.invoke(app, ["explain", "SC10"])
    assert unknown.exit_code == 2 and "did you mean SC10" in unknown.output


def test_shell_completion_is_offered(monkeypatch: pytest.MonkeyPatch) -> None:
    # without a terminal (CI) typer cannot detect the shell; this makes it take the name given
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    help_text = runner.invoke(app, ["--help"]).output
    assert "--install-completion" in help_text and "--show-completion" in help_text
    script = runner.invoke(app, ["--show-completion", "bash"], prog_name="skipcheck")
    assert script.exit_code == 0
    assert "_SKIPCHECK_COMPLETE" in script.output


def test_completion_of_commands_and_formats(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_SKIPCHECK_COMPLETE", "complete_bash")
    monkeypatch.setenv("COMP_WORDS", "skipcheck validate --output-format s")
    monkeypatch.setenv("COMP_CWORD", "3")
    result = runner.invoke(app, [], prog_name="skipcheck")
    assert result.output.split() == ["sarif"]
    monkeypatch.setenv("COMP_WORDS", "skipcheck ex")
    monkeypatch.setenv("COMP_CWORD", "1")
    assert runner.invoke(app, [], prog_name="skipcheck").output.split() == ["explain", "export"]
