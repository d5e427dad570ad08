import os
import shutil
import stat
import xml.etree.ElementTree as ET

from typer.testing import CliRunner

from skipcheck.cli import app
from tests.conftest import SPECS

runner = CliRunner()


def test_writes_svg_and_exits_clean(tmp_path):
    out = tmp_path / "unet.svg"
    result = runner.invoke(app, ["draw", str(SPECS / "unet_original.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    ET.parse(out)
    assert f"wrote {out}" in result.output


def test_broken_spec_exits_1_but_still_writes_the_page(tmp_path):
    out = tmp_path / "broken.html"
    result = runner.invoke(app, ["draw", str(SPECS / "unet_add_broken.yaml"), "-o", str(out)])
    assert result.exit_code == 1, result.output
    assert out.read_text().startswith("<!DOCTYPE html>")


def test_svg_on_stdout_without_output(tmp_path):
    result = runner.invoke(app, ["draw", str(SPECS / "resnet50.yaml"), "--input", "1x3x224x224"])
    assert result.exit_code == 0, result.output
    assert ET.fromstring(result.stdout).tag.endswith("svg")


def test_input_and_set_change_the_picture():
    result = runner.invoke(
        app,
        ["draw", str(SPECS / "unet_original.yaml"), "--input", "1x1x570x570", "--set", "base=32"],
    )
    assert result.exit_code == 0, result.output  # warnings only: the pools drop a row
    assert "32×566×566" in result.stdout
    assert 'class="finding warning"' in result.stdout


def test_unknown_suffix_is_refused(tmp_path):
    result = runner.invoke(
        app, ["draw", str(SPECS / "unet_original.yaml"), "-o", str(tmp_path / "u.png")]
    )
    assert result.exit_code == 2
    assert "error: cannot tell the format of" in result.output and ".svg or .html" in result.output
    assert not (tmp_path / "u.png").exists()


def test_output_equal_to_the_spec_is_refused(tmp_path, monkeypatch):
    spec = tmp_path / "model.svg"  # a name that passes the suffix check
    shutil.copy(SPECS / "unet_original.yaml", spec)
    before = spec.read_text()
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["draw", "model.svg", "-o", str(spec)])
    assert result.exit_code == 2
    assert "refusing to overwrite the spec" in result.output
    assert spec.read_text() == before


def test_existing_target_keeps_its_mode(tmp_path):
    out = tmp_path / "u.svg"
    out.write_text("old")
    os.chmod(out, 0o640)
    result = runner.invoke(app, ["draw", str(SPECS / "unet_original.yaml"), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o640
    assert out.read_text().startswith("<svg")


def test_spec_errors_exit_2(tmp_path):
    result = runner.invoke(app, ["draw", str(tmp_path / "missing.yaml")])
    assert result.exit_code == 2
    assert result.output.startswith("error: ")
    bad = runner.invoke(app, ["draw", str(SPECS / "unet_original.yaml"), "--input", "1x"])
    assert bad.exit_code == 2


def test_unwritable_target_exits_2(tmp_path):
    result = runner.invoke(
        app, ["draw", str(SPECS / "unet_original.yaml"), "-o", str(tmp_path / "no" / "u.svg")]
    )
    assert result.exit_code == 2
    assert "error: cannot write" in result.output
