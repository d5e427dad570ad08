"""validate's report scales with the run (ruff's way): one named spec gets the whole report,
several files the findings and a summary, -q a line per finding, -qq nothing."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import SPECS

runner = CliRunner()
TABLE_HEAD = re.compile(r"^layer +op +input shape", re.M)
CONCISE_LINE = re.compile(r"^\S+:\d+:\d+: (error|warning) SC\d{3} ")


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(SPECS, tmp_path / "specs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    return tmp_path / "specs"


def validate(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", *args])
    return result.exit_code, result.output


def test_one_named_spec_gets_the_whole_report(specs: Path) -> None:
    code, out = validate("specs/unet_original.yaml")
    assert code == 0
    assert len(TABLE_HEAD.findall(out)) == 1
    assert "valid input sizes:" in out
    assert out.splitlines()[-1].startswith("✓ 0 errors, 0 warnings in 1 file · output 1×2×388×388")


def test_a_directory_gets_findings_and_a_summary(specs: Path) -> None:
    code, out = validate("specs/")
    assert code == 1
    assert not TABLE_HEAD.search(out)
    assert "valid input sizes" not in out, "a model's sizes belong to its own report"
    # the findings keep their source lines and best fixes
    assert "   20 │       - add: e2" in out and "fix 1: change the input" in out
    assert out.splitlines()[-1] == "✗ 4 errors, 2 warnings in 16 files"
    assert len(out.splitlines()) < 80  # was 2,054: every layer table of every file
    # two named files are several too
    two = validate("specs/unet_original.yaml", "specs/vnet.yaml")[1]
    assert not TABLE_HEAD.search(two) and two.strip() == "✓ 0 errors, 0 warnings in 2 files"


def test_table_asks_for_the_tables(specs: Path) -> None:
    code, out = validate("specs/", "--table")
    assert code == 1
    assert len(TABLE_HEAD.findall(out)) == 16
    assert validate("specs/", "--depth", "1")[1].count("enc1 ") >= 1
    code, out = validate("specs/", "--table", "--output-format", "concise")
    assert code == 2 and "--table shapes the layer tables of the full format" in out


def test_quiet_is_one_line_per_finding_and_the_summary(specs: Path) -> None:
    for args in (["specs/"], ["specs/unet_add_broken.yaml"]):
        code, out = validate("-q", *args)
        assert code == 1
        *findings, summary = out.splitlines()
        assert len(findings) == 6 and all(CONCISE_LINE.match(line) for line in findings)
        assert summary.startswith("Found 4 errors, 2 warnings in ")
    assert validate("-q", "specs/unet_original.yaml")[1].startswith("Found 0 errors")


@pytest.mark.parametrize(
    ("flags", "fmt"),
    [
        (["-qq"], "full"),
        (["-q", "-q"], "concise"),
        (["--silent"], "json"),
        (["--quiet", "-q"], "github"),
        (["-qq"], "sarif"),
    ],
)
def test_silent_prints_nothing(specs: Path, flags: list[str], fmt: str) -> None:
    (specs / "notes.yml").write_text("key: not a spec\n")  # its note is silenced too
    args = [*flags, "specs/unet_add_broken.yaml", "specs/notes.yml", "specs/unet_original.yaml"]
    result = CliRunner().invoke(app, ["validate", *args, "--output-format", fmt, "--specs-only"])
    assert (result.exit_code, result.stdout, result.stderr) == (1, "", "")
    clean = runner.invoke(app, ["validate", *flags, "specs/unet_original.yaml"])
    assert (clean.exit_code, clean.output) == (0, "")


def test_silent_still_writes_the_report_asked_for(specs: Path) -> None:
    code, out = validate(
        "-qq", "specs/unet_add_broken.yaml", "-o", "report.json", "--output-format", "json"
    )
    assert (code, out) == (1, "")
    assert json.loads(Path("report.json").read_text())["summary"]["errors"] == 4


def test_the_rule_is_in_the_help() -> None:
    text = " ".join(runner.invoke(app, ["validate", "--help"]).output.split())
    for said in ("one spec named on the command line gets its layer table", "--table", "-qq"):
        assert said in text.replace("│", " ").replace("  ", " ") or said in text


def _corpus(specs: Path, n: int) -> None:
    names = sorted(p.name for p in specs.glob("*.yaml"))
    for k in range(n):
        shutil.copy(specs / names[k % len(names)], specs / f"copy{k:03}_{names[k % len(names)]}")
    (specs / "copy_junk.yaml").write_text("skipcheck: 1\n  input: [\n")


@pytest.mark.parametrize(
    "fmt",
    [
        "concise",
        *(pytest.param(f, marks=pytest.mark.slow) for f in ("full", "json", "sarif", "github")),
    ],
)
def test_jobs_keep_the_order_and_the_totals(specs: Path, fmt: str) -> None:
    _corpus(specs, 20)
    serial = runner.invoke(app, ["validate", "specs/", "--output-format", fmt, "-j", "1"])
    parallel = runner.invoke(app, ["validate", "specs/", "--output-format", fmt, "--jobs", "3"])
    assert serial.exit_code == parallel.exit_code == 2  # the junk file
    assert parallel.output == serial.output
    if fmt == "json":
        assert json.loads(parallel.output)["summary"]["files"] == 37


@pytest.mark.slow
def test_jobs_with_statistics_and_table(specs: Path) -> None:
    _corpus(specs, 6)
    for extra in (["--statistics"], ["--table"], ["-q"]):
        one = validate("specs/", "-j1", *extra)
        assert validate("specs/", "-j2", *extra) == one
