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
    ok = runner.invoke(app, ["validate", str(SPECS / "unet_original.yaml"), "--set", "base=32"])
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


def test_fix_lists_numbered_fixes_with_diffs() -> None:
    result = runner.invoke(app, ["fix", str(SPECS / "unet_add_broken.yaml")])
    assert result.exit_code == 1, result.output
    assert "fix 1: change the input to 1×3×252×252" in result.output
    assert "@@ -" in result.output and "(partial)" in result.output


def test_validate_shows_fix_titles() -> None:
    result = runner.invoke(app, ["validate", str(SPECS / "unet_add_broken.yaml")])
    assert "fix 1: change the input to 1×3×252×252" in result.output.replace("\n      ", " ")


def test_fix_apply_writes_in_place_and_revalidates(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "m.yaml"
    spec.write_text((SPECS / "unet_add_broken.yaml").read_text())
    args = ["fix", str(spec), "--input", "1x3x256x256", "--apply"]
    first = runner.invoke(app, args)
    assert first.exit_code == 1, first.output
    assert "applied fix 1" in first.output
    second = runner.invoke(app, args)
    # clean at --input, but as stored (255) the sizes still disagree: said, and exit 1
    assert second.exit_code == 1, second.output
    assert "as stored" in second.output and "SC102" in second.output
    assert "# 128 vs 64 channels, 126 vs 127 pixels" in spec.read_text()
    assert runner.invoke(app, ["validate", str(spec), "--input", "1x3x256x256"]).exit_code == 0
    again = runner.invoke(app, args)
    assert again.exit_code == 0 and "nothing to fix" in again.output


def test_fix_dry_run_prints_the_file_and_writes_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    spec = tmp_path / "m.yaml"
    original = (SPECS / "unet_add_broken.yaml").read_text()
    spec.write_text(original)
    result = runner.invoke(app, ["fix", str(spec), "2", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("skipcheck: 1\n") and "input: [1, 3, 256, 256]" in result.output
    assert spec.read_text() == original


def test_fix_bad_number_exits_2() -> None:
    result = runner.invoke(app, ["fix", str(SPECS / "unet_add_broken.yaml"), "99", "--apply"])
    assert result.exit_code == 2
    assert "no fix 99" in result.output
