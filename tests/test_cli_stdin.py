"""`-` reads the spec from stdin on every command that reads one spec; a closed pipe ends
quietly."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import ROOT, SPECS

runner = CliRunner()
BROKEN = (SPECS / "unet_add_broken.yaml").read_text()
NAME = "models/mine.yaml"


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["validate", "-"], 1, f"{NAME}:20:9: error SC101"),
        (["sizes", "-"], 1, f"unet-add-broken — {NAME}"),
        (["fix", "-"], 1, f"{NAME}:20:9: error SC101"),
        (["whatif", "-", "--set", "base=48"], 1, f"unet-add-broken — {NAME}"),
        (["draw", "-"], 1, "<svg"),
        (["fix", "-", "3", "--dry-run"], 0, "input: [1, 3, 256, 256]"),
    ],
)
def test_every_one_spec_command_reads_stdin(args: list[str], code: int, said: str) -> None:
    result = runner.invoke(app, [*args, "--stdin-filename", NAME], input=BROKEN)
    assert result.exit_code == code, result.output
    assert said in result.output


def test_without_a_name_stdin_is_called_dash() -> None:
    result = runner.invoke(app, ["sizes", "-", "--output-format", "json"], input=BROKEN)
    assert result.exit_code == 1 and '"-"' not in result.output.split("\n")[0]
    result = runner.invoke(app, ["fix", "-"], input=BROKEN)
    assert "-:20:9: error SC101" in result.output


def test_torch_commands_read_stdin() -> None:
    pytest.importorskip("torch")
    good = (SPECS / "unet_original.yaml").read_text()
    result = runner.invoke(app, ["dryrun", "-", "--stdin-filename", NAME], input=good)
    assert result.exit_code == 0 and NAME in result.output
    result = runner.invoke(app, ["export", "-"], input=good)
    assert result.exit_code == 0 and "import torch" in result.output


def test_stdin_has_no_file_to_write_into() -> None:
    for flag in ("--apply", "--apply-all"):
        result = runner.invoke(app, ["fix", "-", flag], input=BROKEN)
        assert result.exit_code == 2 and "--dry-run prints the fixed spec" in result.output


def test_a_name_without_dash_is_a_mistake() -> None:
    result = runner.invoke(
        app, ["sizes", str(SPECS / "unet_original.yaml"), "--stdin-filename", NAME]
    )
    assert result.exit_code == 2 and "give `-` as the spec" in result.output


def test_hostile_stdin_is_exit_2() -> None:
    for data in (b"skipcheck: 1\x00", b"\xff\xfe bad"):
        result = runner.invoke(app, ["sizes", "-"], input=data)
        assert result.exit_code == 2, result.output


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "specs/", "--table", "-j1"],
        ["validate", "specs/", "--table", "-j2"],
        ["rules", "--output-format", "json"],
        ["schema"],
    ],
)
def test_a_closed_pipe_ends_silently(args: list[str]) -> None:
    """`skipcheck … | head -1`: the reader leaves after a line; no error on stderr."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "skipcheck", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=60)
    assert stderr == ""
