from __future__ import annotations

import re
from pathlib import Path

import pytest

from skipcheck.check import Options, check_spec
from skipcheck.check.fixes import Fix, Site, candidates, sites
from tests.conftest import SPECS

DATA = Path(__file__).parent / "data"
BROKEN = [SPECS / "unet_add_broken.yaml", *sorted(DATA.glob("*.yaml"))]


def suggest(
    path: str, input_shape: tuple[int | str, ...] | None = None
) -> tuple[tuple[Site, tuple[Fix, ...]], ...]:
    """The proven fixes of a spec, as ``validate`` and ``fix`` get them."""
    return check_spec(path, Options(input_shape=input_shape, fixes=True)).fixes


def _comments(text: str) -> list[str]:
    return [m.group(0).rstrip() for m in re.finditer(r"#[^\n]*", text)]


@pytest.mark.parametrize("spec", BROKEN, ids=lambda p: p.stem)
def test_every_fix_shown_is_proven_once_applied(spec: Path, tmp_path: Path) -> None:
    original = spec.read_text()
    before = check_spec(str(spec))
    n_before = len(before.errors)
    found = suggest(str(spec))
    assert found and any(fixes for _, fixes in found)
    for site, fixes in found:
        for fix in fixes:
            copy = tmp_path / spec.name
            copy.write_text(fix.text)
            after = check_spec(str(copy))
            assert after.error is None, fix.title
            n_after = len(after.errors)
            removed = n_before - n_after
            left = {f"{d.code} {d.message}" for d in after.errors}
            assert removed > 0, fix.title
            if fix.partial:
                assert fix.remaining and set(fix.remaining) <= left, fix.title
            else:
                # the site's findings are gone; a fix may mend other sites on the way
                assert removed >= len(site.diagnostics), fix.title
                if len(found) == 1:
                    assert after.ok, fix.title
            for comment in _comments(original):
                assert comment in fix.text, (fix.title, comment)
            assert fix.diff.startswith(f"--- a/{spec}") and "@@ -" in fix.diff


def _titles(spec: Path) -> list[str]:
    # the title's subject, without where it lands and the parameter figure
    return [
        f.title.split(" — ")[0] for _, fixes in suggest(str(spec)) for f in fixes if not f.partial
    ]


def test_channel_only_offers_concat_projection_and_widths() -> None:
    titles = _titles(DATA / "channel_only.yaml")
    assert "use concat instead of add (32 + 16 = 48 channels on)" in titles
    assert "project the skip with a 1x1 conv (16 → 32 channels)" in titles
    assert any(t.startswith("make the running tensor 16 channels") for t in titles)
    assert not any("input" in t for t in titles)


def test_transposed_conv_gets_output_padding() -> None:
    ((_site, fixes),) = suggest(str(DATA / "transposed_off_by_one.yaml"))
    fix = next(f for f in fixes if "output_padding" in f.title)
    assert "          output_padding: 1\n" in fix.text
    assert fix.output_shape == "1×2×63×63 → 1×2×64×64"
    assert fix.valid_sizes[0] == "H ≡ 1 (mod 2) → H ≡ 0 (mod 2)"


def test_break_in_repeated_block_is_fixed_once_for_every_repeat() -> None:
    ((site, fixes),) = suggest(str(DATA / "repeated_block.yaml"))
    assert len(site.diagnostics) == 3
    # the block breaks at every use: mending its conv is local, and says so
    assert fixes[0].title == (
        "padding: 1 on the conv at line 13 (was 0) — in block res: changes only its 3 broken "
        "uses of 3 — model parameters unchanged"
    )
    assert fixes[0].safe
    assert "{out_channels: ch, kernel_size: 3, padding: 1}   # shrinks by 2" in fixes[0].text


def test_input_size_fix_keeps_the_architecture() -> None:
    ((_site, fixes),) = suggest(str(DATA / "odd_input.yaml"))
    # the data must change, not the model: ranked last, and never safe
    inputs = [f for f in fixes if f.title.startswith("change the input")]
    assert [f.title.split(" — ")[0] for f in inputs] == [
        "change the input to 1×1×100×100 (nearest valid size below)",
        "change the input to 1×1×104×104 (nearest valid size above)",
    ]
    assert list(fixes[-2:]) == inputs and not any(f.safe for f in inputs)
    assert not inputs[0].changes_behaviour and inputs[0].param_delta == 0


def test_crop_is_proposed_but_filtered_when_the_skip_is_smaller() -> None:
    spec = DATA / "skip_smaller.yaml"
    text = spec.read_text()
    result = check_spec(str(spec))
    assert result.graph is not None and result.table is not None
    (site,) = sites(result.graph, result.table, result.errors, text, False)
    assert any(c.title.startswith("center-crop") for c in candidates(site))
    shown = _titles(spec)
    assert not any("crop" in t or "zero-pad" in t for t in shown)
    assert "interpolate the running tensor 129×129 → 128×128" in shown


def test_both_mismatches_single_fixes_are_partial_and_pairs_are_full() -> None:
    found = suggest(str(SPECS / "unet_add_broken.yaml"))
    site, fixes = found[0]
    assert site.codes == {"SC101", "SC102"}
    concat = next(f for f in fixes if f.title.startswith("use concat"))
    assert concat.partial and concat.remaining[0].startswith("SC102")
    full = [f for f in fixes if not f.partial]
    assert full and all(" + " in f.title for f in full)
    assert list(fixes) == sorted(fixes, key=lambda f: (f.partial, f.rank, abs(f.param_delta or 0)))


def test_input_override_skips_input_edits() -> None:
    found = suggest(str(SPECS / "unet_add_broken.yaml"), input_shape=(1, 3, 256, 256))
    titles = [f.title for _, fixes in found for f in fixes]
    assert titles and not any("input" in t for t in titles)


def test_apply_takes_the_fix_number_after_the_flag(tmp_path) -> None:
    from typer.testing import CliRunner

    from skipcheck.cli import app
    from tests.conftest import SPECS

    spec = tmp_path / "broken.yaml"
    text = (SPECS / "unet_add_broken.yaml").read_text()
    spec.write_text(text)
    listing = CliRunner().invoke(app, ["fix", str(spec), "--input", "1x3x256x256"])
    assert "fix 2 (" in listing.output
    result = CliRunner().invoke(app, ["fix", str(spec), "--apply", "2", "--input", "1x3x256x256"])
    # fix 2 removes SC101 as stored too (SC102 stays at the stored 255, and is reported)
    assert result.exit_code in (0, 1), result.output
    assert "applied fix 2" in result.output
    written = spec.read_text()
    assert written != text and "# 128 vs 64 channels" in written


def test_a_mend_after_which_no_size_runs_ranks_after_those_that_leave_some(
    tmp_path: Path,
) -> None:
    """A U-Net that fails at 250 (pools floor, transposed convs double): `kernel_size: 7` on
    the third up-conv mends its merge at 250 only — the other merges then fail at every size
    it allows. It is proven (it mends the site) but ranks after the pad, the crop and the
    input size, which leave sizes that run."""
    dc = "{dc: {ch: %d}}"
    up = "{conv_transpose: {out_channels: %d, kernel_size: 2, stride: 2}}"
    stages = [
        f"  - {{stage: e1, layers: [{dc % 8}]}}",
        *(
            f"  - {{stage: e{i}, layers: [{{maxpool: 2}}, {dc % c}]}}"
            for i, c in ((2, 16), (3, 32), (4, 64), (5, 128))
        ),
        *(
            f"  - {{stage: d{i}, layers: [{up % c}, {{concat: e{i}}}, {dc % c}]}}"
            for i, c in ((4, 64), (3, 32), (2, 16), (1, 8))
        ),
    ]
    spec = tmp_path / "u.yaml"
    spec.write_text(
        "skipcheck: 1\ninput: [1, 3, 250, 250]\nblocks:\n  dc:\n    args: [ch]\n    layers:\n"
        "      - conv: {out_channels: ch, kernel_size: 3, padding: 1}\n      - relu\n"
        "layers:\n" + "\n".join(stages) + "\n"
    )
    result = check_spec(str(spec), Options(fixes=True))
    closing = 0
    for _, fixes in result.fixes:
        whole = [f for f in fixes if not f.partial]
        flags = [f.closes_sizes for f in whole]
        assert flags == sorted(flags), [f.title for f in whole]  # every closing one last
        assert not whole or not whole[0].closes_sizes
        closing += sum(flags)
    assert closing >= 1  # the case is there: a mend that leaves no size


@pytest.mark.parametrize("spec", BROKEN, ids=lambda p: p.stem)
def test_first_fix_only_marks_the_errors_every_fix_proven_would(spec: Path) -> None:
    """The concise format proves until each site has one fix: the errors it counts as
    having a fix are those that proving every candidate finds a fix for, and each fix it
    keeps is one of those."""
    every = check_spec(str(spec), Options(fixes=True, sweep=False))
    first = check_spec(str(spec), Options(fixes=True, sweep=False, first_fix=True))
    assert [d.message for d in first.errors] == [d.message for d in every.errors]
    assert [bool(d.fixes) for d in first.errors] == [bool(d.fixes) for d in every.errors]
    for d_first, d_every in zip(first.errors, every.errors, strict=True):
        assert len(d_first.fixes) <= 1
        assert {f.text for f in d_first.fixes} <= {f.text for f in d_every.fixes}
