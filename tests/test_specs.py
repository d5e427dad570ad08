"""The shipped contract specs give exactly the results the format sketch states."""

from __future__ import annotations

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate
from skipcheck.shapes.dims import concrete
from tests.conftest import SPECS


def stage_sizes(table):
    graph = table.graph
    return {name: concrete(table.shapes[node][2], table.at) for name, node in graph.stages}


def test_unet_original() -> None:
    table = propagate(graph_of(str(SPECS / "unet_original.yaml")))
    assert table.diagnostics == []
    assert table.shape_of(table.graph.out) == "1×2×388×388"
    assert table.total_params == 31_030_658
    assert stage_sizes(table) == {
        "enc1": 568,
        "enc2": 280,
        "enc3": 136,
        "enc4": 64,
        "bottom": 28,
        "dec4": 52,
        "dec3": 100,
        "dec2": 196,
        "dec1": 388,
    }
    crops = [
        (
            concrete(table.shapes[n.inputs[1]][2], table.at),
            concrete(table.shapes[n.inputs[0]][2], table.at),
        )
        for n in table.graph.nodes
        if n.op == "concat"
    ]
    assert crops == [(64, 56), (136, 104), (280, 200), (568, 392)]
    for var in ("H", "W"):
        assert table.valid_sizes(var).describe() == f"every {var} ≥ 188"
        assert table.valid_sizes(var, "clean").describe() == f"{var} ≡ 12 (mod 16), {var} ≥ 188"


def test_unet_add_broken() -> None:
    table = propagate(graph_of(str(SPECS / "unet_add_broken.yaml")))
    first = [d for d in table.errors if d.pos.line == 20]
    assert {d.code for d in first} == {"SC101", "SC102"}
    channels = next(d for d in first if d.code == "SC101")
    spatial = next(d for d in first if d.code == "SC102")
    assert "128 channels with 64 channels" in channels.message
    assert "height 126 vs 127; width 126 vs 127" in spatial.message
    assert [o.shape for o in spatial.operands] == ["1×128×126×126", "1×64×127×127"]
    assert "255 → 127 (maxpool, line 14)" in spatial.operands[1].origin
    assert any("needs H, W ≡ 0, 1 (mod 4)" in n for n in spatial.notes)
    # the channel errors stop the model at every size: no "the whole model runs for" note
    assert not any("the whole model runs" in n for d in table.errors for n in d.notes)
    assert table.valid_sizes("H").describe() == "H ≡ 0 (mod 4)"


def test_the_whole_model_note_where_only_the_size_is_wrong() -> None:
    text = (SPECS / "unet_add_broken.yaml").read_text()
    fixed = text.replace("- add: e2 ", "- concat: e2").replace("- add: e1", "- concat: e1")
    table = propagate(graph_of("fixed.yaml", text=fixed))
    spatial = next(d for d in table.errors if d.pos.line == 20)
    assert any(
        "the whole model runs for H, W ≡ 0 (mod 4); nearest to H = W = 255: 252, 256" in n
        for n in spatial.notes
    )


def test_unet_add_broken_at_256_has_only_channel_errors() -> None:
    table = propagate(graph_of(str(SPECS / "unet_add_broken.yaml")), [1, 3, 256, 256])
    assert {d.code for d in table.diagnostics} == {"SC101"}
    assert [d.pos.line for d in table.diagnostics] == [20, 25]


def test_unet_add_broken_with_channel_fix_validates_clean() -> None:
    text = (SPECS / "unet_add_broken.yaml").read_text()
    fixed = text.replace("- add: e2 ", "- concat: e2").replace("- add: e1", "- concat: e1")
    table = propagate(graph_of("fixed.yaml", text=fixed), [1, 3, 256, 256])
    assert table.diagnostics == []


def test_symbolic_input_reports_constraints_not_errors() -> None:
    text = (SPECS / "unet_add_broken.yaml").read_text().replace("[1, 3, 255, 255]", "[N, 3, H, W]")
    table = propagate(graph_of("sym.yaml", text=text))
    assert {d.code for d in table.diagnostics} == {"SC101"}
    assert table.valid_sizes("H").describe() == "H ≡ 0 (mod 4)"
    assert table.shape_of(table.graph.out) == "N×1×(4·⌊H/4⌋)×(4·⌊W/4⌋)"


def test_input_override_keeps_the_specs_symbols_for_declared_shapes() -> None:
    graph = graph_of(str(SPECS / "unet_padded.yaml"))
    assert propagate(graph, [1, 3, 256, 256]).diagnostics == []
    broken = propagate(graph, [1, 3, 250, 256])
    # the invalid size is reported where it breaks (the merges), not again at every declaration
    assert {d.code for d in broken.errors} == {"SC102"}
