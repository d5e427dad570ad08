"""Issue 12: fixes written in the spec's terms, proven for the file as stored, never a broken file."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.check import Options, check_spec
from skipcheck.cli import app
from tests.conftest import SPECS

DATA = Path(__file__).parent / "data"
runner = CliRunner()


def _fixes(path: Path) -> list:  # type: ignore[type-arg]
    return [f for _, fixes in check_spec(str(path), Options(fixes=True)).fixes for f in fixes]


def _copy(tmp_path: Path, name: str, source: Path | None = None) -> Path:
    spec = tmp_path / name
    spec.write_bytes((source or SPECS / "unet_add_broken.yaml").read_bytes())
    return spec


def test_override_never_leaks_into_the_file(tmp_path: Path) -> None:
    spec = _copy(tmp_path, "x.yaml")
    result = runner.invoke(app, ["fix", str(spec), "--set", "base=48", "--apply"])
    text = spec.read_text()
    assert "base: 32" in text and "192" not in text
    assert "out_channels: base * 4" in text
    assert "as stored" in result.output
    # the line it fixed stays fixed when the file is validated as stored
    after = check_spec(str(spec))
    assert all(d.pos.line != 20 for d in after.errors)


def test_a_fix_that_only_holds_under_the_override_is_refused(tmp_path: Path) -> None:
    from skipcheck.apply import refusal

    spec = _copy(tmp_path, "x.yaml")
    options = Options.parse(["base=48"], None)
    result = check_spec(str(spec), Options.parse(["base=48"], None, fixes=True))
    fix = result.fixes[0][1][0]
    # a text that breaks a merge at the file's own params is never written
    bad = fix.text.replace("params: {base: 32}", "params: {base: 32}\n", 1).replace(
        "{stage: e1, layers: [{conv_block: {ch: base}}]}",
        "{stage: e1, layers: [{conv_block: {ch: base * 3 // 2 + 16 - base // 2}}]}",
    )
    forged = type(fix)(**{**fix.__dict__, "text": bad})
    assert "adds SC101" in str(refusal(str(spec), result, forged, options))
    assert refusal(str(spec), result, fix, options) is None


def test_widths_are_written_in_the_spec_terms_and_swept(tmp_path: Path) -> None:
    fixes = _fixes(DATA / "resunet_terms.yaml")
    width = next(f for f in fixes if f.title.startswith("make the running tensor 16"))
    assert "{out_channels: base * 2, kernel_size: 2, stride: 2}" in width.text
    assert width.in_terms and width.proven_for == ("base = 4, 8, 16",) and not width.fails_at
    assert "proven for base = 4, 8, 16 (each param at ½×, 1×, 2×)" in width.consequences()
    fpn = next(f for f in _fixes(DATA / "fpn_param.yaml") if f.title.startswith("project"))
    assert "via: [{conv: {out_channels: d, kernel_size: 1}}]" in fpn.text


def test_a_literal_says_it_holds_at_this_value_only() -> None:
    fixes = _fixes(DATA / "dense_concat_width.yaml")
    skip = next(f for f in fixes if f.title.startswith("make the skip 24"))
    assert skip.in_terms  # g * 3, spelled as the running side spells it
    shrink = next(f for f in fixes if f.title.startswith("make the running tensor 8"))
    assert "g * 3" not in shrink.text.split("concat: stem")[1].split("add")[0]
    # a number that does not follow the params says so: PReLU's num_parameters is a literal
    prelu = next(f for f in _fixes(DATA / "prelu_params.yaml") if "num_parameters" in f.title)
    assert not prelu.in_terms and prelu.fails_at == ("c = 4, 16",)
    assert any(c.startswith("holds at c = 8 only") for c in prelu.consequences())


def test_reused_block_gets_a_projection_shortcut_in_its_own_terms() -> None:
    (fix, *_) = _fixes(DATA / "resnet_block_reused.yaml")
    assert (
        "shortcut: [{conv: {out_channels: ch, kernel_size: 1, stride: s, bias: false}}, batchnorm]"
        in fix.text
    )
    assert not fix.partial and fix.proven_for == ("width = 8, 16, 32",)


def test_inline_residual_gets_the_same_shortcut() -> None:
    (fix, *_) = _fixes(DATA / "resnet_block_once.yaml")
    assert "      shortcut: [{conv: {out_channels: 16, kernel_size: 1, stride: 2" in fix.text
    assert check_spec("x.yaml", text=fix.text).ok


@pytest.mark.parametrize(
    ("name", "title"),
    [
        ("crop_too_small.yaml", "interpolate the running tensor 66×66 → 64×64"),
        ("same_padding_strided.yaml", "padding: 1 on the conv at line 9"),
        ("pool_padding_too_big.yaml", "padding: 1 on the maxpool at line 6"),
        ("output_padding_too_big.yaml", "output_padding: 1 on the conv_transpose at line 6"),
        ("bilinear_3d.yaml", "mode: trilinear on the upsample at line 12"),
        ("prelu_params.yaml", "num_parameters: 8 on the prelu at line 7"),
        ("groupnorm_groups.yaml", "num_groups: 24 on the groupnorm at line 8"),
    ],
)
def test_findings_that_had_no_fix_get_one(name: str, title: str) -> None:
    titles = [f.title for f in _fixes(DATA / name)]
    assert any(t.startswith(title) for t in titles), titles


def test_shorthand_block_argument_gets_the_width_fix() -> None:
    fixes = _fixes(DATA / "shorthand_block_arg.yaml")
    skip = next(f for f in fixes if f.title.startswith("make the skip 64"))
    assert "{stage: e2, layers: [{down: 64}]}" in skip.text


def test_sc202_shows_the_cropped_skip_with_its_own_channels() -> None:
    text = (
        "skipcheck: 1\ninput: [1, 1, 21, 21]\nencoder:\n"
        "  - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 1}}]}\n"
        "  - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 16, kernel_size: 3}}]}\n"
        "decoder:\n  - stage: d1\n    layers:\n"
        "      - conv_transpose: {out_channels: 16, kernel_size: 2, stride: 2}\n"
        "      - concat: {skip: e1, align: center_crop}\n"
    )
    (d,) = [d for d in check_spec("m.yaml", text=text).diagnostics if d.code == "SC202"]
    assert "(1×8×21×21 → 1×8×16×16)" in d.message


def test_apply_all_applies_in_turn_until_clean(tmp_path: Path) -> None:
    spec = _copy(tmp_path, "two.yaml", DATA / "two_sites.yaml")
    result = runner.invoke(app, ["fix", str(spec), "--apply-all"])
    assert result.exit_code == 0, result.output
    assert "applied step 1" in result.output and "applied step 2" in result.output
    assert check_spec(str(spec)).ok


def test_fix_json_lists_fixes_as_data() -> None:
    result = runner.invoke(
        app, ["fix", str(SPECS / "unet_add_broken.yaml"), "--output-format", "json"]
    )
    assert result.exit_code == 1
    doc = json.loads(result.output)
    first = doc["fixes"][0]
    assert first["number"] == 1 and first["rule"] == ["SC101", "SC102"]
    assert first["diff"].startswith("--- a/") and first["proven_for"] == ["base = 16, 32, 64"]
    assert {"title", "consequences", "in_spec_terms"} <= set(first)


def test_sizes_json() -> None:
    result = runner.invoke(
        app, ["sizes", str(SPECS / "unet_original.yaml"), "--output-format", "json"]
    )
    assert result.exit_code == 0, result.output
    (axis, *_) = json.loads(result.output)["axes"]
    assert axis["runs"] == "every H ≥ 188" and axis["clean"] == "H ≡ 12 (mod 16), H ≥ 188"


def test_bom_crlf_and_mode_survive_a_fix(tmp_path: Path) -> None:
    spec = tmp_path / "crlf.yaml"
    text = (DATA / "resnet_block_once.yaml").read_text().replace("\n", "\r\n")
    spec.write_bytes(b"\xef\xbb\xbf" + text.encode())
    os.chmod(spec, 0o640)
    link = tmp_path / "link.yaml"
    link.symlink_to(spec)
    result = runner.invoke(app, ["fix", str(link), "--apply"])
    assert result.exit_code == 0, result.output
    raw = spec.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"shortcut" in raw
    assert raw.count(b"\n") == raw.count(b"\r\n")
    assert link.is_symlink() and oct(spec.stat().st_mode & 0o777) == "0o640"


def test_line_numbers_count_lines_as_yaml_does() -> None:
    text = (DATA / "channel_only.yaml").read_text()
    marked = text.replace("name: channel-only", "name: channel-only\ndescription: 'a\u2028b\x85c'")
    (d,) = check_spec("m.yaml", text=marked).errors
    (plain,) = check_spec("m.yaml", text=text).errors
    assert d.pos.line == plain.pos.line + 1
    fixes = check_spec("m.yaml", Options(fixes=True), text=marked).fixes[0][1]
    assert any(f.title.startswith("make the skip") for f in fixes)


def test_a_failed_write_leaves_the_file_untouched(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    spec = _copy(tmp_path, "x.yaml")
    before = spec.read_bytes()

    def full_disk(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    result = runner.invoke(app, ["fix", str(spec), "--apply"])
    assert result.exit_code == 2
    assert "x.yaml is unchanged" in result.output
    assert spec.read_bytes() == before and os.listdir(tmp_path) == ["x.yaml"]


def test_outputs_that_are_inputs_are_refused(tmp_path: Path) -> None:
    spec = _copy(tmp_path, "a.yaml")
    before = spec.read_bytes()
    assert runner.invoke(app, ["validate", str(spec), "-o", str(spec)]).exit_code == 2
    assert spec.read_bytes() == before
    report = tmp_path / "report.yml"
    first = runner.invoke(app, ["validate", str(tmp_path), "-o", str(report)])
    assert first.exit_code == 1 and report.read_text()
    assert runner.invoke(app, ["validate", str(tmp_path), "-o", str(report)]).exit_code == 2
    pytest.importorskip("torch")
    assert runner.invoke(app, ["export", str(spec), "-o", str(spec)]).exit_code == 2
    assert spec.read_bytes() == before
