"""One pipeline: every command sees the same findings, under the same config."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.check import Options, check_spec
from skipcheck.check.valid import valid_sizes
from skipcheck.cli import app
from skipcheck.rules import RULES
from tests.conftest import SPECS

runner = CliRunner()
BROKEN = (SPECS / "unet_add_broken.yaml").read_text()
_FINDING = re.compile(r"^(\S+?):(\d+):(\d+): (error|warning) (SC\d+) ")


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with the broken U-Net in it; the test writes its config."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "model.yaml").write_text(BROKEN)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _fix_findings(output: str) -> set[tuple[str, int, int, str, str]]:
    found = set()
    for line in output.splitlines():
        m = _FINDING.match(line)
        if m:
            path, line_no, col, severity, code = m.groups()
            found.add((path, int(line_no), int(col), severity, code))
    return found


def test_fix_reads_the_config_severity(project: Path) -> None:
    """Regression: `severity: {SC201: error}` made validate report errors that fix ignored."""
    (project / ".skipcheck.yaml").write_text("severity: {SC201: error}\n")
    out = runner.invoke(app, ["fix", "model.yaml"]).output
    pools = [f for f in _fix_findings(out) if f[4] == "SC201"]
    assert [f[3] for f in pools] == ["error", "error"]
    # each gets a proven fix: an input size where no pool drops a row
    block = out.split("model.yaml:14:27: error SC201", 1)[1].split("model.yaml:15", 1)[0]
    assert "change the input to 1×3×252×252" in block


def test_ignored_rule_does_not_block_the_proofs_of_the_others(project: Path) -> None:
    """Regression: with `ignore: [SC101]`, the SC102 findings got 0 fixes (the proof's re-check
    ran without the config and counted the ignored SC101 as new)."""
    (project / ".skipcheck.yaml").write_text("ignore: [SC101]\n")
    result = check_spec("model.yaml", Options(fixes=True))
    assert [d.code for d in result.errors] == ["SC102", "SC102"]
    assert [len(fixes) for _, fixes in result.fixes] == [7, 5]
    assert all(not f.remaining for _, fixes in result.fixes for f in fixes if not f.partial)


def test_json_and_sarif_carry_the_fixes(project: Path) -> None:
    """Regression: `--output-format json` always had "fixes": []."""
    doc = json.loads(
        runner.invoke(app, ["validate", "model.yaml", "--output-format", "json"]).output
    )
    diagnostics = doc["files"][0]["diagnostics"]
    errors = [d for d in diagnostics if d["severity"] == "error"]
    assert all(d["fixes"] for d in errors)
    first = errors[0]["fixes"][0]
    assert {"title", "diff", "edits", "consequences", "partial"} <= set(first)
    assert first["edits"][0]["start"]["line"] >= 1
    sarif = json.loads(
        runner.invoke(app, ["validate", "model.yaml", "--output-format", "sarif"]).output
    )
    results = sarif["runs"][0]["results"]
    change = results[-1]["fixes"][0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"].endswith("model.yaml")
    assert change["replacements"][0]["deletedRegion"]["startLine"] >= 1


CONFIG = """\
select: [SC1, SC2]            # SC301 (declared shapes) is not reported
ignore: [SC202]
severity: {SC201: error, SC102: warning}
"""


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_validate_fix_and_sizes_agree_on_every_finding(
    spec: Path, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / ".skipcheck.yaml").write_text(CONFIG)
    (project / "model.yaml").write_text(spec.read_text())
    doc = json.loads(
        runner.invoke(app, ["validate", "model.yaml", "--output-format", "json"]).output
    )
    reported = {
        ("model.yaml", d["line"], d["col"], d["severity"], d["code"])
        for d in doc["files"][0]["diagnostics"]
    }
    assert not any(f[4] in ("SC301", "SC202") for f in reported)
    assert not any(f[4] == "SC102" and f[3] == "error" for f in reported)
    errors = {f for f in reported if f[3] == "error"}

    # fix lists exactly the error findings validate reports
    fix = runner.invoke(app, ["fix", "model.yaml"])
    assert fix.exit_code == (1 if errors else 0), fix.output
    assert _fix_findings(fix.output) == errors

    # sizes names the same size-free errors, and the same result as an in-process check
    sizes = runner.invoke(app, ["sizes", "model.yaml"])
    assert sizes.exception is None or isinstance(sizes.exception, SystemExit), sizes.output
    notes = {
        (int(line), int(col), code)
        for line, col, code in re.findall(r"model\.yaml:(\d+):(\d+): (SC\d+)", sizes.output)
    }
    size_free = {(f[1], f[2], f[4]) for f in errors if RULES[f[4]].size_free}
    assert notes == size_free
    result = check_spec("model.yaml")
    assert {(d.pos.line, d.pos.col, d.severity, d.code) for d in result.diagnostics} == {
        f[1:] for f in reported
    }
    report = valid_sizes(result)
    assert {(d.pos.line, d.pos.col, d.code) for d in report.size_free} == size_free


def test_config_files_are_relative_to_the_config(project: Path) -> None:
    (project / "sub").mkdir()
    (project / "sub" / "m.yaml").write_text(BROKEN)
    (project / "sub" / ".skipcheck.yaml").write_text("files: [m.yaml]\n")
    outside = project / "elsewhere"
    outside.mkdir()
    result = runner.invoke(
        app, ["validate", "--config", str(project / "sub" / ".skipcheck.yaml"), "-q"]
    )
    assert result.exit_code == 1, result.output  # found sub/m.yaml from the project root
    assert "m.yaml" in result.output


def test_errors_go_to_stderr_with_exit_2_in_every_command(project: Path) -> None:
    (project / "bad.yaml").write_text("skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers: [{nope: 1}]\n")
    for args in (
        ["validate", "bad.yaml"],
        ["sizes", "bad.yaml"],
        ["fix", "bad.yaml"],
        ["whatif", "bad.yaml", "--set", "input=1x3x16x16"],
    ):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit)
    for args in (["sizes", "model.yaml", "--set", "nope=1"], ["fix", "model.yaml", "-i", "x"]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 2 and result.stdout == "", (args, result.output)
        assert result.stderr.startswith("error: ")


def test_an_unexpected_exception_is_an_internal_error_not_findings(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import skipcheck.check

    def boom(*args: object, **kwargs: object) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(skipcheck.check, "check_spec", boom)
    result = CliRunner().invoke(app, ["sizes", "model.yaml"])
    assert result.exit_code == 2
    assert "internal error — please report" in result.stderr
    assert "ZeroDivisionError: boom" in result.stderr


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("fmt", ["full", "concise", "json"])
def test_a_full_disk_is_exit_2_with_a_message(fmt: str) -> None:
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "skipcheck",
                "validate",
                "--output-format",
                fmt,
                str(SPECS / "unet_original.yaml"),
            ],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert "No space left on device" in done.stderr and "Traceback" not in done.stderr


def test_a_terminal_that_cannot_encode_gets_escapes() -> None:
    import os
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "skipcheck", "validate", str(SPECS / "unet_add_broken.yaml")],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "PYTHONIOENCODING": "ascii", "LANG": "C", "LC_ALL": "C"},
    )
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "\\u2717 4 errors" in done.stdout


def test_validate_proves_fixes_at_the_stored_params_and_fix_sweeps_them(project: Path) -> None:
    """The ½×/2× sweep is most of a proof's cost: ``fix`` runs it, ``validate`` does not."""
    swept = check_spec("model.yaml", Options(fixes=True))
    plain = check_spec("model.yaml", Options(fixes=True, sweep=False))
    titles = [[f.title for f in fixes] for _, fixes in swept.fixes]
    assert titles == [[f.title for f in fixes] for _, fixes in plain.fixes]
    assert any(f.proven_for for _, fixes in swept.fixes for f in fixes)
    assert not any(f.proven_for or f.fails_at for _, fixes in plain.fixes for f in fixes)
    doc = json.loads(
        runner.invoke(app, ["validate", "model.yaml", "--output-format", "json"]).output
    )
    records = [f for d in doc["files"][0]["diagnostics"] for f in d["fixes"]]
    assert records and all(r["proven_for"] == [] for r in records)


def test_no_fixes_skips_the_proofs_in_every_format(project: Path) -> None:
    doc = json.loads(
        runner.invoke(
            app, ["validate", "model.yaml", "--output-format", "json", "--no-fixes"]
        ).output
    )
    diagnostics = doc["files"][0]["diagnostics"]
    assert diagnostics and all(d["fixes"] == [] for d in diagnostics)
    concise = runner.invoke(
        app, ["validate", "model.yaml", "--output-format", "concise", "--no-fixes"]
    )
    assert concise.exit_code == 1 and "proven fix" not in concise.output
