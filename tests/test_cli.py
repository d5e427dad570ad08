from __future__ import annotations

import os
import subprocess
import sys

from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import ROOT, SPECS

runner = CliRunner()


def test_clean_spec_exits_0() -> None:
    result = runner.invoke(app, ["validate", str(SPECS / "unet_original.yaml")])
    assert result.exit_code == 0, result.output
    assert "1×2×388×388" in result.output
    assert "31,030,658 parameters" in result.output
    assert "dec1.2.double_conv.3.relu (dec1)" in result.output


def test_broken_spec_exits_1_with_positions() -> None:
    result = runner.invoke(app, ["validate", str(SPECS / "unet_add_broken.yaml")])
    assert result.exit_code == 1
    out = result.output.replace("\n", " ")
    assert "unet_add_broken.yaml:20:9:" in out
    assert "SC101" in out and "SC102" in out
    assert "- add: e2" in out


def test_input_override() -> None:
    result = runner.invoke(
        app, ["validate", str(SPECS / "unet_add_broken.yaml"), "--input", "1x3x256x256", "-q"]
    )
    assert result.exit_code == 1
    assert "SC102" not in result.output
    assert "layer" not in result.output.splitlines()[0]


def test_param_override_and_bad_options() -> None:
    ok = runner.invoke(
        app, ["validate", str(SPECS / "unet_original.yaml"), "--set", "base=32", "-q"]
    )
    assert ok.exit_code == 0
    assert "7,759,554 parameters" in ok.output
    bad = runner.invoke(app, ["validate", str(SPECS / "unet_original.yaml"), "--set", "bsae=32"])
    assert bad.exit_code == 2
    assert "did you mean 'base'" in bad.output
    bad_input = runner.invoke(
        app, ["validate", str(SPECS / "unet_original.yaml"), "--input", "1x3"]
    )
    assert bad_input.exit_code == 2


def test_missing_file_exits_2() -> None:
    result = runner.invoke(app, ["validate", "no/such/file.yaml"])
    assert result.exit_code == 2
    assert "cannot read" in result.output


def test_python_dash_m_and_no_color() -> None:
    env = {**os.environ, "NO_COLOR": "1", "FORCE_COLOR": ""}
    proc = subprocess.run(
        [sys.executable, "-m", "skipcheck", "validate", str(SPECS / "unet_add_broken.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "\x1b[" not in proc.stdout
    assert "SC101" in proc.stdout


def test_validate_does_not_import_torch() -> None:
    code = (
        "import sys; from skipcheck.cli import main; sys.argv=['skipcheck','validate','-q',"
        f"{str(SPECS / 'unet_original.yaml')!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\nprint('no torch')"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "no torch" in proc.stdout, proc.stderr
