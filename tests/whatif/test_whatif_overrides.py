"""--set by every kind of path: params, input, indices, stage/layer/op names, block bodies."""

from __future__ import annotations

import pytest

from skipcheck.check import Options, graph_of
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.propagate import propagate
from skipcheck.specfile.overrides import Overrides
from skipcheck.specfile.yamltree import load_file

BROKEN = "specs/unet_add_broken.yaml"
ORIGINAL = "specs/unet_original.yaml"


def run(path: str, *sets: str) -> tuple[str, list[str], int | None]:
    graph = graph_of(path, Options.parse(list(sets), None))
    table = propagate(graph)
    return table.shape_of(graph.out), [d.code for d in table.diagnostics], table.total_params


@pytest.mark.parametrize(
    ("sets", "output", "codes"),
    [
        # a param, bare and by full path
        (["base=48"], "1×1×252×252", ["SC201", "SC201", "SC101", "SC102", "SC101", "SC102"]),
        (["params.base=48"], "1×1×252×252", ["SC201", "SC201", "SC101", "SC102", "SC101", "SC102"]),
        # the input, as 1x3xHxW and as a YAML list
        (["input=1x3x256x256"], "1×1×256×256", ["SC101", "SC101"]),
        (["input=[1, 3, 256, 256]"], "1×1×256×256", ["SC101", "SC101"]),
        # a layer replaced by section.stage.layers[index]; a merge's value via the op name
        (
            ["decoder.d2.layers[1]={concat: e2}", "d1.add={skip: e1, align: interpolate}"],
            "1×1×255×255",
            ["SC201", "SC201", "SC102", "SC101"],
        ),
        # an op's parameter through the op name, and without spelling the op
        (["blocks.conv_block.layers[0].conv.padding=0"], "—", None),
        (
            [
                "conv_block.layers[0].kernel_size=1",
                "conv_block.layers[0].padding=0",
                "input=1x3x256x256",
                "d2.add={skip: e2, via: [{conv: {out_channels: 128, kernel_size: 1}}]}",
                "d1.add={skip: e1, via: [{conv: {out_channels: 64, kernel_size: 1}}]}",
            ],
            "1×1×256×256",
            [],
        ),
        # a block call's argument (also as shorthand), a new key on `maxpool: 2`
        (
            [
                "input=1x3x256x256",
                "e1.conv_block.ch=base*2",
                "e2.conv_block=base*4",
                "d2.conv_block.ch=base*2",
            ],
            "1×1×256×256",
            [],
        ),
        (["e2.maxpool.stride=1"], "1×1×508×508", None),
    ],
)
def test_override_paths(sets: list[str], output: str, codes: list[str] | None) -> None:
    out, found, _ = run(BROKEN, *sets)
    if output != "—":
        assert out == output
    if codes is not None:
        assert found == codes


def test_index_by_negative_and_by_name() -> None:
    a = run(ORIGINAL, "decoder[-1].layers[0].kernel_size=3")
    b = run(ORIGINAL, "dec1.conv_transpose.kernel_size=3")
    assert a == b
    assert a[0] != "1×2×388×388"


def test_override_keeps_the_source_line_for_findings() -> None:
    graph = graph_of(BROKEN, Options.parse(["decoder.d2.layers[1]={concat: e2}"], None))
    table = propagate(graph)
    spatial = [d for d in table.diagnostics if d.code == "SC102"]
    assert spatial[0].pos.line == 20


def test_original_tree_is_not_changed() -> None:
    tree = load_file(BROKEN)[0]
    Overrides.parse(["base=8", "d2.add=e3"]).apply(tree, BROKEN)
    assert tree["params"]["base"] == 32
    assert tree["decoder"][0]["layers"][1]["add"] == "e2"


def test_later_set_wins() -> None:
    assert run(ORIGINAL, "base=8", "base=16")[2] == run(ORIGINAL, "base=16")[2]


@pytest.mark.parametrize(
    ("sets", "words"),
    [
        (["bsae=48"], ["'bsae'", "did you mean 'base'"]),
        (["decoder.d3.layers[0]=relu"], ["no stage or layer 'd3'", "[0] d2", "[1] d1"]),
        (["d2.layers[9]=relu"], ["3 items", "no [9]"]),
        (["d2.ad=e3"], ["did you mean 'add'"]),
        (["conv_block.layers[0].conv.kernal_size=5"], ["did you mean 'kernel_size'"]),
        (["params.bsae=1"], ["no param 'bsae'", "did you mean 'base'"]),
        (["base.x=1"], ["is a number (32)", "no key 'x'"]),
        (["base=[1, 2]"], ["--set base=[1, 2]", "must be a number"]),
        (["base=abc"], ["--set base=abc", "unknown name 'abc'"]),
        (["d2.layers[1]=5"], ["--set d2.layers[1]=5", "a layer is"]),
        (["d2.add.align=sideways"], ["align must be", "sideways"]),
        (["d2.add={concat: [e2"], ["not YAML"]),
        (["input=1x3xa-b"], ["--set input=1x3xa-b", "not a positive size"]),
        (["noequals"], ["expected KEY=VALUE"]),
        (["a..b=1"], ["empty name"]),
        (["conv_block.layers.conv=1"], ["2 'conv' layers", "[0]", "[2]"]),
    ],
)
def test_bad_paths_and_values(sets: list[str], words: list[str]) -> None:
    if sets == ["conv_block.layers.conv=1"]:
        path = "tests/data/whatif_shuffle.yaml"
        sets = ["layers.conv=1"]
        words = ["2 'conv' layers", "layers[0]", "layers[1]"]
    else:
        path = BROKEN
    with pytest.raises(SkipcheckError) as info:
        graph_of(path, Options.parse(sets, None))
    for word in words:
        assert word in str(info.value)
