"""Sweeps over channels and input sizes on the shipped specs and small test specs."""

from __future__ import annotations

import pytest

from skipcheck.check import Options, check_spec, graph_of
from skipcheck.core.errors import SkipcheckError
from skipcheck.whatif.sweep import compact, parse_sweep, run_sweep

ORIGINAL = "specs/unet_original.yaml"
BROKEN = "specs/unet_add_broken.yaml"
GROUPNORM = "tests/data/whatif_groupnorm.yaml"
SHUFFLE = "tests/data/whatif_shuffle.yaml"


def verdicts(path: str, text: str, sets: list[str] | None = None) -> dict[str, str]:
    sweep = run_sweep(path, *parse_sweep(text), Options.parse(sets, None))
    return {r.value: r.verdict for r in sweep.rows}


def test_parse_sweep_forms() -> None:
    assert parse_sweep("base=16,24, 32") == ("base", ["16", "24", "32"])
    assert parse_sweep("H=10..20:5") == ("H", ["10", "15", "20"])
    assert parse_sweep("H=10..13", step=2) == ("H", ["10", "12"])
    assert parse_sweep("d2.add={skip: e2, align: pad},e3") == (
        "d2.add",
        ["{skip: e2, align: pad}", "e3"],
    )
    for bad in ("base", "H=5..1", "H=1..100000", "base=1,,2"):
        with pytest.raises(SkipcheckError):
            parse_sweep(bad)


def test_channel_sweep_on_the_original_unet_passes_everywhere() -> None:
    sweep = run_sweep(ORIGINAL, *parse_sweep("base=16,24,32,48,64"))
    assert [r.verdict for r in sweep.rows] == ["pass"] * 5
    assert sweep.rows[-1].params == 31_030_658
    assert all(r.output == "1×2×388×388" for r in sweep.rows)
    assert sweep.rows[0].sizes == "every H, W ≥ 188"


def test_channel_sweep_on_the_broken_unet_fails_everywhere() -> None:
    assert set(verdicts(BROKEN, "base=16,32,64").values()) == {"fail"}
    fixed = ["input=1x3x256x256", "d2.layers[1]={concat: e2}", "d1.layers[1]={concat: e1}"]
    assert verdicts(BROKEN, "base=16,32,64", fixed) == {"16": "pass", "32": "pass", "64": "pass"}


def test_groupnorm_sweep_and_summary() -> None:
    sweep = run_sweep(GROUPNORM, *parse_sweep("base=16,24,32,48,64"))
    assert {r.value: r.verdict for r in sweep.rows} == {
        "16": "fail",
        "24": "fail",
        "32": "pass",
        "48": "fail",
        "64": "pass",
    }
    assert sweep.summary() == "base: 32, 64 pass; 16, 24, 48 fail SC104 groupnorm in e1 (line 9)"
    assert "GroupNorm(32)" in sweep.rows[0].first_message
    # linear in_features follows the channels: 10·base + 10 for the head
    params = [r.params for r in sweep.rows]
    assert params[0] is not None and params[2] == params[0] + 800


def test_groups_and_pixel_shuffle_sweeps() -> None:
    assert verdicts(SHUFFLE, "base=6,8,12,16") == {
        "6": "fail",
        "8": "pass",
        "12": "pass",
        "16": "pass",
    }
    # groups=3 divides 12 but 12 → pixel_shuffle(2) needs a multiple of 4: fine; 6 is not
    assert verdicts(SHUFFLE, "g=1,2,3,16", ["base=12"]) == {
        "1": "pass",
        "2": "pass",
        "3": "pass",
        "16": "fail",
    }


def test_path_sweep() -> None:
    assert verdicts(BROKEN, "d2.add.align=none,interpolate", ["base=64"]) == {
        "none": "fail",
        "interpolate": "fail",
    }


@pytest.mark.parametrize(
    ("path", "key", "lo", "hi", "sets"),
    [
        (ORIGINAL, "H", 184, 196, []),
        (ORIGINAL, "size", 187, 189, []),
        (BROKEN, "size", 1, 24, ["d2.layers[1]={concat: e2}", "d1.layers[1]={concat: e1}"]),
        (BROKEN, "W", 1, 12, []),
        (GROUPNORM, "size", 1, 8, []),
    ],
)
def test_fast_input_sweep_matches_one_check_per_size(
    path: str, key: str, lo: int, hi: int, sets: list[str]
) -> None:
    sweep = run_sweep(path, key, [str(v) for v in range(lo, hi + 1)], Options.parse(sets, None))
    assert sweep.fast
    graph = graph_of(path, Options.parse(sets, None))
    axes = {"H": [2], "W": [3], "size": [2, 3]}[key]
    for row in sweep.rows:
        dims = list(graph.input_dims)
        for k in axes:
            dims[k] = int(row.value)
        options = Options.parse(sets, "x".join(map(str, dims)))
        result = check_spec(path, options)
        assert row.ok == result.ok, row.value
        if row.ok:
            assert row.output == result.output_shape(), row.value


def test_input_sweep_verdicts_on_the_original_unet() -> None:
    sweep = run_sweep(ORIGINAL, *parse_sweep("H=180..200"))
    passing = [r.value for r in sweep.rows if r.ok]
    assert passing == [str(v) for v in range(188, 201)]
    assert sweep.rows[8].output == "1×2×4×388"
    assert sweep.summary().startswith("H: 188–200 pass; 180–187 fail SC103")
    assert sweep.valid == "every H ≥ 188"


def test_input_sweep_on_the_broken_unet_with_the_channel_fix() -> None:
    sets = ["d2.layers[1]={concat: e2}", "d1.layers[1]={concat: e1}"]
    assert verdicts(BROKEN, "size=252..257", sets) == {
        "252": "pass",
        "253": "fail",
        "254": "fail",
        "255": "fail",
        "256": "pass",
        "257": "fail",
    }


def test_bad_sweep_values() -> None:
    with pytest.raises(SkipcheckError, match="not an input size"):
        run_sweep(ORIGINAL, "H", ["abc"])
    with pytest.raises(SkipcheckError, match="did you mean 'base'"):
        run_sweep(ORIGINAL, "bsae", ["1", "2"])


def test_compact() -> None:
    assert compact(["16", "32", "64"]) == "16, 32, 64"
    assert compact([str(v) for v in range(188, 201)]) == "188–200"
    assert compact(["4", "8", "12", "16", "30"]) == "4–16 step 4, 30"
    assert compact(["none", "pad"]) == "none, pad"
