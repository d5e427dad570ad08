"""Format 1.1: what it adds, and the version rule (a 1.0 file keeps its exact meaning)."""

from __future__ import annotations

import pytest

from skipcheck.check import graph_of
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.propagate import propagate
from tests.conftest import SPECS

V10 = "skipcheck: 1\ninput: [1, 3, 16, 16]\n"
V11 = "skipcheck: 1.1\ninput: [1, 3, 16, 16]\n"

FEATURES_11 = [
    # (body, what the 1.0 error names, line, col)
    ("layers: [{tile: 2}]\n", "the op 'tile'", 3, 11),
    ("layers: [{conv: {out_channels: 3, kernel_size: 1}}, {sub: input}]\n", "the op 'sub'", 3, 54),
    ("layers: [channel_layernorm]\n", "the op 'channel_layernorm'", 3, 10),
    ("layers: [{residual: {body: [relu], merge: mean}}]\n", "merge: mean", 3, 43),
    ("layers: [{pad: {padding: 1, mode: reflect}}]\n", "pad's parameter 'mode'", 3, 29),
    (
        "layers: [{conv: {out_channels: 4, kernel_size: 3, padding_mode: circular}}]\n",
        "conv's parameter 'padding_mode'",
        3,
        51,
    ),
    ("layers: [{branch: {name: b, layers: [relu]}}]\n", "`branch:`", 3, 11),
    ("layers: [{relu: null, name: r}]\noutputs: [r]\n", "`outputs:`", 4, 1),
]


@pytest.mark.parametrize(("body", "what", "line", "col"), FEATURES_11)
def test_a_1_0_file_using_a_1_1_feature_says_which_version_it_needs(
    body: str, what: str, line: int, col: int
) -> None:
    with pytest.raises(SkipcheckError) as info:
        graph_of("old.yaml", text=V10 + body)
    assert f"{what} is new in format 1.1; write `skipcheck: 1.1`" in info.value.message
    assert info.value.pos is not None
    assert (info.value.pos.line, info.value.pos.col) == (line, col)
    graph_of("new.yaml", text=V11 + body)  # and 1.1 reads it


def test_stated_in_channels_in_a_1_0_file_keeps_the_old_answer() -> None:
    body = "layers: [{conv: {in_channels: 3, out_channels: 4, kernel_size: 1}}]\n"
    with pytest.raises(SkipcheckError, match="inferred from the input in format 1; write"):
        graph_of("old.yaml", text=V10 + body)


@pytest.mark.parametrize("version", ["1.1", '"1.1"', "1", '"1"'])
def test_versions_read(version: str) -> None:
    assert graph_of("v.yaml", text=f"skipcheck: {version}\ninput: [1, 1, 4]\nlayers: [relu]\n")


@pytest.mark.parametrize("version", ["2", "1.2", "true", "1.0.1"])
def test_unknown_versions_are_refused(version: str) -> None:
    with pytest.raises(SkipcheckError, match=r"reads versions 1 and 1\.1"):
        graph_of("v.yaml", text=f"skipcheck: {version}\ninput: [1, 1, 4]\nlayers: [relu]\n")


@pytest.mark.parametrize(
    "name", ["unet_original.yaml", "unet_padded.yaml", "fpn_resnet50.yaml", "vnet.yaml"]
)
def test_a_1_0_spec_means_the_same_as_1_1(name: str) -> None:
    text = (SPECS / name).read_text()
    assert text.startswith("skipcheck: 1\n")
    old = propagate(graph_of(name, text=text))
    new = propagate(graph_of(name, text=text.replace("skipcheck: 1\n", "skipcheck: 1.1\n", 1)))
    assert [old.shape_of(n.id) for n in old.graph.nodes] == [
        new.shape_of(n.id) for n in new.graph.nodes
    ]
    assert old.total_params == new.total_params
    assert [d.message for d in old.diagnostics] == [d.message for d in new.diagnostics]


def test_a_1_0_block_argument_naming_a_stage_stays_text() -> None:
    # in 1.0 a plain word is text (a mode name); only 1.1 binds it to a tensor
    body = (
        "blocks:\n  b: {args: [s], layers: [{add: s}]}\n"
        "layers:\n  - {relu: null, name: nearest}\n  - b: {s: nearest}\n"
    )
    with pytest.raises(SkipcheckError, match="unknown name 's'"):
        graph_of("old.yaml", text=V10 + body)
    graph = graph_of("new.yaml", text=V11 + body)
    assert graph.nodes[-1].inputs == (1, 1)


BRANCHES = """skipcheck: 1.1
input: [1, 3, 16, 16]
layers:
  - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}]}
  - stage: e2
    layers:
      - maxpool: 2
      - branch: {name: aux, from: e1, layers: [{conv: {out_channels: 2, kernel_size: 1}}]}
      - conv: {out_channels: 8, kernel_size: 1}
  - {stage: d1, layers: [{upsample: 2}, {add: e1}]}
outputs:
  - d1: [1, 8, 16, 16]
  - aux
"""


def test_branch_starts_from_an_earlier_tensor_and_leaves_the_running_one() -> None:
    graph = graph_of("b.yaml", text=BRANCHES)
    aux = graph.names["aux"]
    assert graph.nodes[aux].inputs == (graph.names["e1"],)
    after = next(n for n in graph.nodes if n.op == "conv" and n.id > aux)
    assert graph.nodes[after.inputs[0]].op == "maxpool"  # the running tensor went on
    assert [(o.name, o.node) for o in graph.outputs] == [("d1", graph.out), ("aux", aux)]
    table = propagate(graph)
    assert table.shape_of(aux) == "1×2×16×16"
    assert table.diagnostics == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("{name: aux, from: e1,", "{from: e1,", "a branch needs `name:`"),
        ("from: e1,", "from: d1,", "'d1' is defined later"),
        ("{name: aux, from: e1,", "{name: e1, from: e1,", "name 'e1' is used twice"),
        ("  - aux\n", "  - aux\n  - aux\n", "output 'aux' is listed twice"),
        ("  - aux\n", "  - auxx\n", "unknown name 'auxx' — did you mean 'aux'?"),
        ("outputs:", "output: [1, 8, 16, 16]\noutputs:", "not both"),
        (
            "layers: [{conv: {out_channels: 2",
            "lyrs: [{conv: {out_channels: 2",
            "unknown key 'lyrs'",
        ),
    ],
)
def test_branch_and_output_mistakes(old: str, new: str, message: str) -> None:
    assert old in BRANCHES
    with pytest.raises(SkipcheckError, match=message):
        graph_of("b.yaml", text=BRANCHES.replace(old, new, 1))


def test_each_output_is_checked_at_its_line() -> None:
    text = BRANCHES.replace("  - aux\n", "  - aux: [1, 3, 16, 16]\n")
    errors = propagate(graph_of("b.yaml", text=text)).errors
    assert [(d.code, d.pos.line) for d in errors] == [("SC301", 13)]
    assert "output aux is declared 1×3×16×16, but the model produces 1×2×16×16" in errors[0].message


def test_block_takes_a_tensor_argument() -> None:
    text = V11 + (
        "blocks:\n  up: {args: [ch, skip], layers: [{upsample: 2}, {concat: skip},"
        " {conv: {in_channels: 2 * ch, out_channels: ch, kernel_size: 1}}]}\n"
        "layers:\n  - {stage: e1, layers: [{conv: 4}]}\n  - {stage: e2, layers: [{maxpool: 2}]}\n"
        "  - up: {ch: 4, skip: e1}\n"
    )
    text = text.replace("{conv: 4}", "{conv: {out_channels: 4, kernel_size: 1}}")
    graph = graph_of("t.yaml", text=text)
    concat = next(n for n in graph.nodes if n.op == "concat")
    assert concat.inputs[1] == graph.names["e1"]
    assert concat.skips == ("skip",)
    assert propagate(graph).diagnostics == []


def test_block_tensor_argument_defined_later() -> None:
    text = V11 + (
        "blocks:\n  b: {args: [skip], layers: [{add: skip}]}\n"
        "layers:\n  - b: {skip: later}\n  - {relu: null, name: later}\n"
    )
    with pytest.raises(SkipcheckError, match="argument skip: 'later' is defined later"):
        graph_of("t.yaml", text=text)


def test_stated_channels_count_parameters_and_are_checked() -> None:
    text = V11 + "layers:\n  - conv: {in_channels: 6, out_channels: 4, kernel_size: 1}\n"
    table = propagate(graph_of("c.yaml", text=text))
    assert table.counts[1] == 6 * 4 + 4  # torch's weights follow the stated number
    assert [(d.code, d.pos.line, d.pos.col) for d in table.errors] == [("SC107", 4, 25)]
    assert (
        "takes 6 channels (in_channels: 6) but receives 3, from the input"
        in table.errors[0].message
    )
