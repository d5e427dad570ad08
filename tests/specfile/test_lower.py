"""Spec errors: a clear message at the right line and column, exit code 2, no traceback."""

from __future__ import annotations

import textwrap

import pytest
from typer.testing import CliRunner

from skipcheck.check import graph_of
from skipcheck.cli import app
from skipcheck.core.errors import SkipcheckError

HEAD = "skipcheck: 1\ninput: [1, 3, 64, 64]\nparams: {base: 8}\n"

CASES = [
    # (body after HEAD, message fragment, line, col)
    (
        "layers:\n  - conv2d: {out_channels: 8, kernel_size: 3}\n",
        "unknown op or block 'conv2d' — did you mean 'conv'?",
        5,
        5,
    ),
    (
        "layers:\n  - conv: {out_channels: 8, kernal_size: 3}\n",
        "no parameter 'kernal_size' — did you mean 'kernel_size'?",
        5,
        29,
    ),
    (
        "layers:\n  - conv: {in_channels: 3, out_channels: 8, kernel_size: 3}\n",
        "inferred from the input",
        5,
        12,
    ),
    ("layers:\n  - conv: {kernel_size: 3}\n", "conv needs out_channels", 5, 5),
    ("layers:\n  - conv: {out_channels: bsae, kernel_size: 3}\n", "did you mean 'base'", 5, 26),
    (
        "layers:\n  - conv: {out_channels: base / 3, kernel_size: 3}\n",
        "must be a whole number",
        5,
        26,
    ),
    (
        "layers:\n  - conv: {out_channels: 8, kernel_size: 3, bias: yes please}\n",
        "must be true or false",
        5,
        51,
    ),
    ("layers:\n  - conv: {out_channels: [8], kernel_size: 3}\n", "must be a number", 5, 26),
    ("layers:\n  - conv: {out_channels: 8.5, kernel_size: 3}\n", "whole number, not 8.5", 5, 26),
    (
        "layers:\n  - conv: {out_channels: base / 3, kernel_size: 3}\n",
        "whole number, but 'base / 3' is",
        5,
        26,
    ),
    ("layers:\n  - add: enc9\n", "unknown name 'enc9'", 5, 10),
    ("layers:\n  - add: later\n  - {relu: null, name: later}\n", "defined later", 5, 10),
    (
        "layers:\n  - upsample: {scale_factor: 2, mode: bilinaer}\n",
        "did you mean 'bilinear'",
        5,
        39,
    ),
    (
        "blocks:\n  b: {args: [ch], layers: [{conv: {out_channels: ch, kernel_size: 1}}]}\nlayers:\n  - b: {}\n",
        "needs argument 'ch'",
        7,
        8,
    ),
    (
        "blocks:\n  b: {args: [ch], layers: [{conv: {out_channels: ch, kernel_size: 1}}]}\nlayers:\n  - b: {cj: 2}\n",
        "no argument 'cj' — did you mean 'ch'?",
        7,
        9,
    ),
    (
        "blocks:\n  a: {layers: [b]}\n  b: {layers: [a]}\nlayers:\n  - a\n",
        "block recursion: a → b → a",
        6,
        16,
    ),
    ("layers:\n  - relu\n  - {relu: null, sigmoid: null}\n", "one layer per list item", 6, 18),
    ("encoder: []\nlayers: [relu]\n", "not both", 5, 1),
    ("layers: {relu: null}\n", "must be a list of layers", 4, 9),
    ("layerz: [relu]\n", "unknown top-level key 'layerz' — did you mean 'layers'?", 4, 1),
    ("layers:\n  - {relu: null, repeat: 100000}\n", "more than 1000", 5, 26),
]


@pytest.mark.parametrize(("body", "message", "line", "col"), CASES)
def test_spec_error_message_and_position(
    spec_file, body: str, message: str, line: int, col: int
) -> None:
    path = spec_file(HEAD + body)
    with pytest.raises(SkipcheckError) as info:
        graph_of(path)
    err = info.value
    assert message in err.message
    assert err.pos is not None
    assert (err.pos.line, err.pos.col) == (line, col), str(err)


@pytest.mark.parametrize(("body", "message", "line", "col"), CASES[:4])
def test_spec_errors_exit_2_without_traceback(
    spec_file, body: str, message: str, line: int, col: int
) -> None:
    path = spec_file(HEAD + body)
    result = CliRunner().invoke(app, ["validate", path])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert f"{path}:{line}:{col}" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("- just\n- a list\n", "not a list"),
        ("skipcheck: 2\ninput: [1, 1, 8]\nlayers: [relu]\n", "unsupported format version"),
        ("input: [1, 1, 8]\nlayers: [relu]\n", "missing `skipcheck: 1`"),
        ("skipcheck: 1\nlayers: [relu]\n", "missing `input:`"),
        ("skipcheck: 1\ninput: [1, 1, 8]\n", "no layers"),
        ("skipcheck: 1\ninput: [1, H, 8]\nlayers: [relu]\n", "channel count"),
        ("skipcheck: 1\ninput: [1, 1, 8]\nlayers: [!!python/name:os.system relu]\n", "not allowed"),
    ],
)
def test_whole_file_errors(spec_file, text: str, message: str) -> None:
    path = spec_file(text)
    result = CliRunner().invoke(app, ["validate", path])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_blocks_repeat_and_defaults(spec_file) -> None:
    path = spec_file(
        HEAD
        + textwrap.dedent(
            """\
            blocks:
              unit:
                args: [ch, k=3, pad=(k - 1) // 2]
                layers:
                  - conv: {out_channels: ch, kernel_size: k, padding: pad}
                  - relu
              pair:
                args: [ch]
                layers: [{unit: {ch: ch}}, {unit: {ch: ch * 2, k: 5}}]
            layers:
              - {unit: {ch: base * 2 ** i}, repeat: 3}
              - pair: {ch: 4}
            """
        )
    )
    graph = graph_of(path)
    convs = [n for n in graph.nodes if n.op == "conv"]
    assert [n.params["out_channels"] for n in convs] == [8, 16, 32, 4, 8]
    assert [n.params["padding"] for n in convs] == [1, 1, 1, 1, 2]
    assert len({n.path for n in graph.nodes}) == len(graph.nodes)


def test_names_inside_blocks_are_local(spec_file) -> None:
    path = spec_file(
        HEAD
        + textwrap.dedent(
            """\
            blocks:
              gated:
                layers:
                  - {conv: {out_channels: 3, kernel_size: 1}, name: g}
                  - sigmoid
                  - mul: g
            layers:
              - gated
              - gated
            """
        )
    )
    graph = graph_of(path)
    muls = [n for n in graph.nodes if n.op == "mul"]
    assert muls[0].inputs[1] != muls[1].inputs[1]


def test_pad_or_interpolate_takes_one_skip(spec_file) -> None:
    path = spec_file(
        HEAD + "layers:\n  - {relu: null, name: a}\n  - {relu: null, name: b}\n"
        "  - concat: {skip: [a, b], align: pad}\n"
    )
    with pytest.raises(SkipcheckError) as info:
        graph_of(path)
    assert "give one skip" in info.value.message
    assert info.value.pos is not None and info.value.pos.line == 7


def test_a_hundred_thousand_layers_are_checked_and_a_million_refused(spec_file) -> None:
    from skipcheck.check import check_spec

    head = (
        "skipcheck: 1\ninput: [1, 8, 32, 32]\nblocks:\n"
        "  unit: {layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}, relu]}\n"
        "  hundred: {layers: [{unit: {}, repeat: 50}]}\n"
    )
    result = check_spec(spec_file(head + "layers: [{hundred: {}, repeat: 1000}]\n"))
    assert result.error is None and result.ok
    assert result.graph is not None and len(result.graph.nodes) == 100_001
    refused = check_spec(spec_file(head + "layers:\n" + "  - {hundred: {}, repeat: 1000}\n" * 3))
    assert refused.error is not None
    assert "more than 200,000 layers" in refused.error.message


def test_a_block_called_again_reads_its_params_again_for_each_call() -> None:
    """Params read once are kept for a call with the same values: each call still gets
    its own values, with their own types, in a dict of its own."""
    text = textwrap.dedent(
        """\
        skipcheck: 1
        input: [1, 3, 64, 64]
        params: {zero: 0.0, minus: -0.0, one: 1, half: 0.5}
        blocks:
          unit:
            args: [ch, p]
            layers:
              - conv: {out_channels: ch, kernel_size: 3, padding: 1}
              - dropout: {p: p}
        layers:
          - unit: {ch: 8, p: half}
          - unit: {ch: 16, p: zero}
          - unit: {ch: 8, p: minus}
          - unit: {ch: 8, p: one}
          - unit: {ch: 8, p: half}
        """
    )
    graph = graph_of("blocks.yaml", text=text)
    convs = [n for n in graph.nodes if n.op == "conv"]
    drops = [n for n in graph.nodes if n.op == "dropout"]
    assert [n.params["out_channels"] for n in convs] == [8, 16, 8, 8, 8]
    assert [repr(n.params["p"]) for n in drops] == ["0.5", "0.0", "-0.0", "1", "0.5"]
    assert len({id(n.params) for n in graph.nodes}) == len(graph.nodes)
    assert len({id(n.param_pos) for n in convs}) == len(convs)


def test_node_init_and_changed_keep_every_field() -> None:
    """Node's own ``__init__`` and ``changed`` write the fields one by one: a field added
    to Node must be written there too, and a node stays frozen."""
    from dataclasses import FrozenInstanceError, fields, replace

    from skipcheck.core.graph import Node
    from skipcheck.core.position import Position

    pos = Position("f.yaml", 3, 5)
    values = {
        "id": 7,
        "op": "conv",
        "params": {"out_channels": 8},
        "inputs": (6,),
        "pos": pos,
        "path": "enc.0.conv",
        "stage": "enc",
        "name": "before",
        "param_pos": {"out_channels": pos},
        "skips": ("e1",),
        "expects": (((1, 8), pos, "enc"),),
        "group": "via",
        "calls": (pos,),
    }
    assert set(values) == {f.name for f in fields(Node)}
    node = Node(**values)
    assert vars(node) == values
    assert node.changed(name="after") == replace(node, name="after")
    assert vars(node.changed(name="after", group=None)) == {
        **values,
        "name": "after",
        "group": None,
    }
    assert node.name == "before"
    with pytest.raises(TypeError, match="no field nmae"):
        node.changed(nmae="after")
    with pytest.raises(FrozenInstanceError):
        node.name = "after"  # type: ignore[misc]
    bare = Node(1, "relu", {}, (0,), pos, "relu")
    assert (bare.stage, bare.name, bare.param_pos, bare.skips, bare.expects, bare.group) == (
        None,
        None,
        {},
        (),
        (),
        None,
    )
    assert bare.calls == () and bare.param_pos is not Node(1, "relu", {}, (0,), pos, "r").param_pos
    assert repr(bare).startswith("Node(id=1, op='relu', params={}, inputs=(0,), pos=")


def test_defaults_that_read_no_name_are_read_once_and_the_rest_at_each_call() -> None:
    """A default without names (``k=3``) is read with the block; a plain word (a number
    where a param is named so), a name and an unreadable default are read at each call."""
    from skipcheck.specfile.blocks import Blocks
    from skipcheck.specfile.yamltree import load_text

    def spec(args: str) -> str:
        return (
            "skipcheck: 1\ninput: [1, 3, 64, 64]\nparams: {up: 2, two: 2}\nblocks:\n  unit:\n"
            f"    args: [ch, {args}]\n    layers:\n"
            "      - conv: {out_channels: ch * up, kernel_size: k, stride: s, dilation: w}\n"
            "      - upsample: {scale_factor: half * 4}\n"
            "layers: [unit: 8]\n"
        )

    args = "k=3, s=2 * 2, half=0.5, up=up, w=two"
    tree = load_text(spec(args), "d.yaml")
    assert Blocks.read(tree["blocks"], tree.pos)["unit"].fixed == {"k": 3, "s": 4, "half": 0.5}
    conv, up = graph_of("d.yaml", text=spec(args)).nodes[1:]
    assert [conv.params[p] for p in ("out_channels", "kernel_size", "stride", "dilation")] == [
        16,
        3,
        4,
        2,
    ]
    assert up.params["scale_factor"] == 2.0
    for bad, message in (("1 // 0", "division by zero"), ("2 ** 70", r"2 \*\* 70 is too large")):
        with pytest.raises(SkipcheckError, match=f"5:3: default of bad: {message}"):
            graph_of("e.yaml", text=spec(f"{args}, bad={bad}"))
