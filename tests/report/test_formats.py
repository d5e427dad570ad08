from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from skipcheck.report.github import annotation
from tests.conftest import ROOT, SPECS

runner = CliRunner()
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-schema-2.1.0.json").read_text())
BROKEN = "specs/unet_add_broken.yaml"


@pytest.fixture
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture
def three_files(tmp_path: Path) -> list[str]:
    """A clean spec, a broken one and one that does not parse."""
    good = tmp_path / "good.yaml"
    good.write_text((SPECS / "unet_original.yaml").read_text())
    bad = tmp_path / "bad.yaml"
    bad.write_text((SPECS / "unet_add_broken.yaml").read_text())
    junk = tmp_path / "junk.yaml"
    junk.write_text("skipcheck: 1\ninput: [1, 3\n")
    return [str(good), str(bad), str(junk)]


def test_concise(in_root: None) -> None:
    result = runner.invoke(app, ["validate", "specs/", "--output-format", "concise"])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[2] == (
        f"{BROKEN}:20:9: error SC101 add e2 in d2 merges 128 channels with 64 channels "
        "(running tensor vs skip e2)"
    )
    # every other shipped spec (the model zoo) validates without findings
    shipped = len(list(SPECS.glob("*.yaml")))
    assert lines[-1] == (
        f"Found 4 errors, 2 warnings in {shipped} files. "
        "4 of the errors have a proven fix: see `skipcheck fix FILE`."
    )


def test_concise_counts_the_errors_json_shows_with_fixes(tmp_path) -> None:
    # concise proves one fix per site (it only counts); json proves them all — the errors
    # with a fix are the same, and an error no fix mends is not counted
    nofix = tmp_path / "nofix.yaml"
    nofix.write_text(
        "skipcheck: 1\ninput: [1, 3, 32, 32]\nencoder:\n  - stage: s\n    layers:\n"
        "      - upsample: {size: [4, 4, 4]}\n"
    )
    files = [str(SPECS / "unet_add_broken.yaml"), str(nofix)]
    concise = runner.invoke(app, ["validate", *files, "--output-format", "concise"])
    shown = runner.invoke(app, ["validate", *files, "--output-format", "json"])
    report = json.loads(shown.output)
    errors = [d for f in report["files"] for d in f["diagnostics"] if d["severity"] == "error"]
    with_fix = [d for d in errors if d["fixes"]]
    assert len(errors) == 5 and len(with_fix) == 4
    assert len(with_fix[0]["fixes"]) > 1  # json shows every fix
    assert concise.output.splitlines()[-1] == (
        "Found 5 errors, 2 warnings in 2 files. "
        "4 of the errors have a proven fix: see `skipcheck fix FILE`."
    )


def test_github_annotations_are_the_default_under_actions(
    in_root: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    result = runner.invoke(app, ["validate", "specs/"])
    assert result.exit_code == 1
    assert (
        f"::error file={BROKEN},line=20,col=9,title=SC101 merge-channels::add e2 in d2 merges"
        in result.output
    )
    assert f"::warning file={BROKEN},line=14,col=27,title=SC201 pool-drops-input::" in result.output
    explicit = runner.invoke(app, ["validate", "specs/", "--output-format", "concise"])
    assert "::error" not in explicit.output


def test_github_escaping() -> None:
    line = annotation("error", "a,b:c.yaml", 3, 4, "SC101 x", "50% off\nnext")
    assert line == "::error file=a%2Cb%3Ac.yaml,line=3,col=4,title=SC101 x::50%25 off%0Anext"


def test_json_is_stable_and_complete(three_files: list[str]) -> None:
    result = runner.invoke(app, ["validate", *three_files, "--output-format", "json"])
    assert result.exit_code == 2
    doc = json.loads(result.output)
    assert doc["version"] == 2
    assert doc["summary"] == {"files": 3, "errors": 4, "warnings": 2, "failed": 1}
    good, bad, junk = doc["files"]
    assert (good["status"], good["output_shape"], good["diagnostics"]) == ("ok", "1×2×388×388", [])
    assert bad["status"] == "findings"
    first_error = next(d for d in bad["diagnostics"] if d["severity"] == "error")
    assert {k: first_error[k] for k in ("code", "rule", "line", "col")} == {
        "code": "SC101",
        "rule": "merge-channels",
        "line": 20,
        "col": 9,
    }
    assert [o["role"] for o in first_error["operands"]] == ["running tensor", "skip e2"]
    assert junk["status"] == "error" and junk["error"]["line"] == 3
    # the documented layout (docs/json-output.md); removing a key needs a new version
    assert set(doc) == {"version", "tool", "files", "summary"}
    assert set(bad) == {
        "path",
        "status",
        "error",
        "output_shape",
        "diagnostics",
        "input_shape",
        "layers",
        "totals",
        "valid_sizes",
    }
    assert set(first_error) == {
        "code",
        "rule",
        "severity",
        "message",
        "file",
        "line",
        "col",
        "node",
        "operands",
        "notes",
        "fixes",
    }
    documented = (ROOT / "docs" / "json-output.md").read_text()
    for key in [*doc, *bad, *first_error, *doc["summary"]]:
        assert f"`{key}" in documented or f"`files[].{key}" in documented, key
    assert "invalid YAML" in junk["error"]["message"]


def test_sarif_validates_against_the_official_schema(three_files: list[str]) -> None:
    result = runner.invoke(app, ["validate", *three_files, "--output-format", "sarif"])
    assert result.exit_code == 2
    doc = json.loads(result.output)
    jsonschema.validate(doc, SARIF_SCHEMA)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules][:2] == ["SC101", "SC102"]
    levels = {(r["ruleId"], r["level"]) for r in run["results"]}
    assert ("SC101", "error") in levels and ("SC201", "warning") in levels
    for r in run["results"]:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
    assert run["invocations"][0]["executionSuccessful"] is False
    note = run["invocations"][0]["toolExecutionNotifications"][0]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("junk.yaml")


def test_sarif_of_a_clean_run_validates(in_root: None) -> None:
    result = runner.invoke(
        app, ["validate", "specs/unet_original.yaml", "--output-format", "sarif"]
    )
    assert result.exit_code == 0
    doc = json.loads(result.output)
    jsonschema.validate(doc, SARIF_SCHEMA)
    assert doc["runs"][0]["results"] == []
    assert doc["runs"][0]["invocations"][0]["executionSuccessful"] is True


def test_output_file(in_root: None, tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(app, ["validate", "specs/", "--output-format", "json", "-o", str(out)])
    assert result.exit_code == 1
    assert result.output == ""
    assert json.loads(out.read_text())["summary"]["errors"] == 4
    full = tmp_path / "report.txt"
    assert runner.invoke(app, ["validate", "specs/", "-o", str(full)]).exit_code == 1
    assert "\x1b[" not in full.read_text() and "SC101" in full.read_text()
    bad = runner.invoke(app, ["validate", "specs/", "-o", str(tmp_path / "no" / "dir.txt")])
    assert bad.exit_code == 2 and "cannot write" in bad.output


def test_unknown_format_suggests(in_root: None) -> None:
    result = runner.invoke(app, ["validate", "specs/", "--output-format", "sarf"])
    assert result.exit_code == 2
    assert "did you mean 'sarif'" in result.output


def test_formats_are_imported_lazily() -> None:
    import subprocess
    import sys

    code = (
        "import sys\nfrom skipcheck.cli import main\n"
        f"sys.argv = ['skipcheck', 'validate', '--output-format', 'concise', {str(SPECS)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in sys.modules if m.startswith('skipcheck.report.')))\n"
        "print('torch' in sys.modules, 'rich.table' in sys.modules)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    lines = proc.stdout.splitlines()
    assert lines[-2] == "['skipcheck.report.concise']", proc.stderr
    assert lines[-1] == "False False"


def test_every_format_says_which_fixes_it_proves() -> None:
    # validate proves what the format shows: declared on each reporter, not guessed
    from skipcheck.report import REPORTERS, reporter_for

    shown = {name: reporter_for(name).FIXES for name in REPORTERS}
    assert shown == {
        "concise": "first",
        "full": "all",
        "json": "all",
        "github": "none",
        "sarif": "all",
    }
