from __future__ import annotations

import os
from pathlib import Path

import pytest

from skipcheck.check import check_spec
from skipcheck.check.config import ConfigCache, find, load, suppressed
from skipcheck.core.errors import SkipcheckError
from tests.conftest import SPECS

BROKEN = (SPECS / "unet_add_broken.yaml").read_text()


def test_pyproject_found_upward(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.skipcheck]\nignore = ["SC2"]\nseverity = { SC101 = "warning" }\n'
        'input = "1x3x256x256"\nfiles = ["models"]\n'
    )
    deep = tmp_path / "models" / "unet"
    deep.mkdir(parents=True)
    assert find(str(deep)) == str(tmp_path / "pyproject.toml")
    config = ConfigCache().for_dir(str(deep))
    assert config.ignore == ("SC2",)
    assert config.severity == {"SC101": "warning"}
    assert config.input == "1x3x256x256"
    # `files` names paths from the config file's directory, wherever the run starts
    assert [os.path.abspath(f) for f in config.files] == [str(tmp_path / "models")]
    assert not config.wants("SC201") and config.wants("SC101")


def test_pyproject_without_table_is_skipped(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "pyproject.toml").write_text('[project]\nname = "x"\n')
    assert find(str(tmp_path / "sub")) is None


def test_skipcheck_yaml_beats_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.skipcheck]\nselect = ["SC1"]\n')
    (tmp_path / ".skipcheck.yaml").write_text("select: [merge-spatial]\n")
    config = load(find(str(tmp_path)) or "")
    assert config.select == ("SC102",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("selct: [SC101]\n", "did you mean 'select'"),
        ("ignore: [SC999]\n", "unknown rule"),
        ("severity: {SC201: fatal}\n", "must be error or warning"),
        ("severity: {SC2: error}\n", "unknown rule"),
        ("input: 256\n", "input must be a string"),
        ("- a\n", "must be a mapping"),
    ],
)
def test_bad_settings_name_the_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / ".skipcheck.yaml"
    path.write_text(text)
    with pytest.raises(SkipcheckError, match=message) as info:
        load(str(path))
    assert str(path) in str(info.value)


def test_bad_toml(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text("[tool.skipcheck\n")
    with pytest.raises(SkipcheckError, match="invalid TOML"):
        load(str(path))


def test_apply_filters_and_overrides(tmp_path: Path) -> None:
    (tmp_path / ".skipcheck.yaml").write_text("select: [SC1, SC201]\nseverity: {SC201: error}\n")
    spec = tmp_path / "m.yaml"
    spec.write_text(BROKEN)
    result = check_spec(str(spec))
    assert {d.code for d in result.diagnostics} == {"SC101", "SC102", "SC201"}
    assert {d.severity for d in result.diagnostics if d.code == "SC201"} == {"error"}
    assert result.silenced == ()  # SC1 and SC201 are all this spec finds
    (tmp_path / ".skipcheck.yaml").write_text("select: [SC1]\nignore: [SC102]\n")
    result = check_spec(str(spec))
    assert {d.code for d in result.diagnostics} == {"SC101"}
    assert "SC102" in {d.code for d in result.silenced}


def test_suppression_comments(tmp_path: Path) -> None:
    lines = [
        "- add: e2  # skipcheck: ignore[SC101]",
        "- add: e2  # skipcheck: ignore[sc101, SC102]",
        "- add: e2  # skipcheck: ignore",
        "- add: e2",
    ]
    assert suppressed(lines, 1, "SC101") and not suppressed(lines, 1, "SC102")
    assert suppressed(lines, 2, "SC102")
    assert suppressed(lines, 3, "SC301")
    assert not suppressed(lines, 4, "SC101") and not suppressed(lines, 9, "SC101")
    spec = tmp_path / "m.yaml"
    spec.write_text(BROKEN.replace("- add: e1", "- add: e1  # skipcheck: ignore[SC101]"))
    result = check_spec(str(spec))
    assert [d.code for d in result.diagnostics if d.pos.line == 25] == ["SC102"]
    assert [d.code for d in result.silenced if d.pos.line == 25] == ["SC101"]
