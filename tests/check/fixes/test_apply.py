"""`fix --apply-all` applies safe fixes only; `--unsafe-fixes` applies the rest too (as ruff)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from skipcheck.check import check_spec
from skipcheck.cli import app
from tests.conftest import SPECS

runner = CliRunner()
BROKEN = SPECS / "unet_add_broken.yaml"


def _copy(tmp_path: Path) -> Path:
    spec = tmp_path / "unet.yaml"
    spec.write_text(BROKEN.read_text())
    return spec


def test_apply_all_writes_safe_fixes_only_and_says_how_many_unsafe_it_left(
    tmp_path: Path,
) -> None:
    spec = _copy(tmp_path)
    result = runner.invoke(app, ["fix", str(spec), "--apply-all"])
    assert result.exit_code == 1, result.output  # findings remain: their fixes are unsafe
    assert "applied step 1 (safe): ceil_mode: true on the pool at line 14" in result.output
    assert "(unsafe)" not in result.output
    assert "left 2 unsafe fix(es) unapplied" in result.output
    assert "--apply-all --unsafe-fixes" in result.output
    text = spec.read_text()
    # the input, the layers and the merges stay: only the pool's own parameter changed
    assert "input: [1, 3, 255, 255]" in text and "via:" not in text
    changed = [
        (a, b)
        for a, b in zip(BROKEN.read_text().splitlines(), text.splitlines(), strict=True)
        if a != b
    ]
    assert changed == [
        (
            "  - {stage: e2, layers: [{maxpool: 2}, {conv_block: {ch: base * 2}}]}",
            "  - {stage: e2, layers: [{maxpool: {kernel_size: 2, ceil_mode: true}}, "
            "{conv_block: {ch: base * 2}}]}",
        )
    ]
    assert len(check_spec(str(spec)).errors) == 3


def test_unsafe_fixes_applies_the_rest_until_clean(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    result = runner.invoke(app, ["fix", str(spec), "--apply-all", "--unsafe-fixes"])
    assert result.exit_code == 0, result.output
    assert "(unsafe)" in result.output and "unapplied" not in result.output
    assert check_spec(str(spec)).ok
    assert spec.read_text() != BROKEN.read_text()


def test_apply_all_json_carries_the_class_and_the_unsafe_fixes_left(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    result = runner.invoke(app, ["fix", str(spec), "--apply-all", "--output-format", "json"])
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    assert [s["applicability"] for s in doc["applied"]] == ["safe"]
    assert doc["unsafe_fixes_left"] == 2 and doc["status"] == "findings"


def test_unsafe_fixes_without_apply_all_is_refused_and_writes_nothing(tmp_path: Path) -> None:
    spec = _copy(tmp_path)
    for extra in ([], ["--apply", "1"]):
        result = runner.invoke(app, ["fix", str(spec), "--unsafe-fixes", *extra])
        assert result.exit_code == 2, result.output
        assert "--unsafe-fixes goes with --apply-all" in result.output
    assert spec.read_text() == BROKEN.read_text()
