"""Declarations the model does not meet (SC301, SC107) get proven fixes."""

from __future__ import annotations

from pathlib import Path

import pytest

from skipcheck.check import Options, check_spec

DATA = Path(__file__).parent / "data"
SYMBOLIC = Path(__file__).parent / "symbolic"  # no concrete input: not for the torch corpus


def _fixes(name: str) -> list[tuple[str, str]]:
    path = DATA / name if (DATA / name).exists() else SYMBOLIC / name
    result = check_spec(str(path), Options(fixes=True))
    return [(f.title.split(" — ")[0], f.text) for _, fixes in result.fixes for f in fixes]


def test_a_declared_output_is_brought_to_what_the_model_computes_in_the_inputs_symbols() -> None:
    ((title, text),) = _fixes("declared_output_symbolic.yaml")
    assert title == "declare [N, 1, H // 2 - 1, W // 2 - 1] at line 4 (what the model produces)"
    # the batch symbol the declaration already got right keeps its own spelling
    assert "output: [N, 1, H // 2 - 1, W // 2 - 1]  # the intent" in text
    assert check_spec("x.yaml", text=text).ok


def test_a_layer_expect_keeps_the_axes_it_got_right() -> None:
    fixes = _fixes("declared_expect.yaml")
    assert [t for t, _ in fixes] == ["declare [1, 8, 31, 31] at line 8 (what the model produces)"]
    assert "    expect: [1, 8, 31, 31]\n" in fixes[0][1]


def test_stated_in_channels_behind_an_add_suggests_the_concat_first() -> None:
    fixes = _fixes("stated_in_channels.yaml")
    titles = [t for t, _ in fixes]
    assert (
        titles[0]
        == "use concat instead of add at line 12 (16 + 16 = 32 channels, as in_channels states)"
    )
    assert titles[1] == "state in_channels: w on the conv at line 13 (what it receives)"
    assert "      - concat: e1\n" in fixes[0][1]
    assert "{in_channels: w, out_channels: w," in fixes[1][1]  # the spec's own term, not 16


@pytest.mark.parametrize("merge", ["sub", "mul", "max", "mean"])
def test_stated_in_channels_behind_any_width_keeping_merge_suggests_the_concat(
    merge: str, tmp_path: Path
) -> None:
    # only `add` was offered the concat: the same sum is as wrong after sub, mul, max, mean
    spec = tmp_path / "stated.yaml"
    spec.write_text(
        (DATA / "stated_in_channels.yaml").read_text().replace("add: e1", f"{merge}: e1")
    )
    result = check_spec(str(spec), Options(fixes=True))
    fixes = [f for _, found in result.fixes for f in found]
    assert fixes[0].title.startswith(
        f"use concat instead of {merge} at line 12 (16 + 16 = 32 channels, as in_channels states)"
    )
    assert "      - concat: e1\n" in fixes[0].text
    assert check_spec(str(spec), text=fixes[0].text).ok


def test_fix_apply_keeps_the_comments_inside_a_flow_list_it_rewrites(tmp_path: Path) -> None:
    """Issue 22 item 12: only the wrong axis is rewritten; the comments between the items,
    the line breaks and the spacing of the list stay as written."""
    from typer.testing import CliRunner

    from skipcheck.cli import app

    text = (
        "skipcheck: 1\n"
        "input: [1, 3, 64, 64]\n"
        "layers:\n"
        "  - conv: {out_channels: 8, kernel_size: 3, padding: 1}\n"
        "    expect: [   # the stem keeps 3 channels\n"
        "      1,\n"
        "      3,        # channels\n"
        "      64, 64]   # same size\n"
        "  - relu\n"
    )
    spec = tmp_path / "m.yaml"
    spec.write_text(text)
    result = CliRunner().invoke(app, ["fix", str(spec), "--apply"])
    assert result.exit_code == 0, result.output
    assert spec.read_text() == text.replace("      3,        #", "      8,        #")


def test_a_declared_item_that_is_no_yaml_document_alone_is_checked() -> None:
    # found by the fuzz campaign (issue 22): "3\t4" is a scalar inside a flow list but no
    # YAML document on its own; reading it alone raised ScannerError (an internal error)
    text = "skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers:\n  - {relu: null, expect: [1, 3\t4, 8, 8]}\n"
    result = check_spec("tab.yaml", Options(fixes=True), text=text)
    assert result.error is None
    assert [(d.code, d.pos.line) for d in result.errors] == [("SC301", 4)]
