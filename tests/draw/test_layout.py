from skipcheck.draw import load, sections
from skipcheck.draw.layout import Layout, layout
from tests.conftest import SPECS


def _layout(name: str) -> Layout:
    result = load(str(SPECS / name))
    assert result.graph is not None and result.table is not None
    return layout(
        result.graph,
        result.table,
        result.diagnostics,
        sections(result.graph, result.lines),
    )


def _boxes(picture: Layout) -> dict[str, object]:
    return {box.title: box for box in picture.boxes}


def test_sections_come_from_the_spec_text():
    result = load(str(SPECS / "unet_original.yaml"))
    assert result.graph is not None
    found = sections(result.graph, result.lines)
    assert found["enc1"] == found["enc4"] == "encoder"
    assert found["bottom"] == "bottleneck"
    assert found["dec4"] == found["dec1"] == "decoder"


def test_unet_is_drawn_as_a_u():
    picture = _layout("unet_original.yaml")
    assert picture.kind == "u"
    box = {b.title: b for b in picture.boxes}
    # down the encoder, the bottleneck lowest, back up the decoder to its partner's level
    assert box["enc1"].cy < box["enc2"].cy < box["enc3"].cy < box["enc4"].cy < box["bottom"].cy
    for k in "1234":
        assert box[f"dec{k}"].cy == box[f"enc{k}"].cy
    # log-scaled sizes: more channels wider, larger images taller
    assert box["enc1"].w < box["enc2"].w < box["bottom"].w
    assert box["enc1"].h > box["enc2"].h > box["bottom"].h
    assert box["enc1"].shape == "64×568×568"


def test_long_skips_carry_merge_kind_and_alignment():
    picture = _layout("unet_original.yaml")
    skips = [e for e in picture.edges if e.kind == "skip"]
    assert len(skips) == 4
    assert {e.label for e in skips} == {"concat · center_crop"}
    assert all(e.severity is None for e in skips)


def test_skip_through_via_layers_starts_at_the_encoder():
    skips = [e for e in _layout("fpn_resnet50.yaml").edges if e.kind == "skip"]
    assert len(skips) == 3
    assert {e.label for e in skips} == {"add · via"}


def test_resnet_is_a_chain_with_repeats_drawn_once():
    picture = _layout("resnet50.yaml")
    assert picture.kind == "chain"
    titles = [b.title for b in picture.boxes]
    assert titles.count("bottleneck_down") == 4
    assert {"bottleneck ×2", "bottleneck ×3", "bottleneck ×5"} <= set(titles)
    assert len(picture.boxes) < 25  # 176 nodes
    assert len({round(b.cy) for b in picture.boxes}) > 1  # wrapped into rows
    arcs = [e for e in picture.edges if e.kind == "arc"]
    assert len(arcs) == 4 and {e.label for e in arcs} == {"add"}


def test_dense_blocks_are_one_box_each():
    picture = _layout("densenet121.yaml")
    titles = [b.title for b in picture.boxes]
    for count in (6, 12, 24, 16):
        assert f"dense_layer ×{count}" in titles
    assert len(picture.boxes) < 30  # 430 nodes
    assert len([e for e in picture.edges if e.kind == "arc"]) == 4


def test_findings_colour_the_merge_and_its_skip():
    picture = _layout("unet_add_broken.yaml")
    errors = [f for f in picture.findings if f.severity == "error"]
    warnings = [f for f in picture.findings if f.severity == "warning"]
    assert [(f.code, f.line) for f in errors] == [
        ("SC101", 20),
        ("SC102", 20),
        ("SC101", 25),
        ("SC102", 25),
    ]
    assert errors[0].shapes == ("1×128×126×126", "1×64×127×127")
    assert "merges 128 channels with 64 channels" in errors[0].message
    assert {f.code for f in warnings} == {"SC201"}
    box = {b.title: b for b in picture.boxes}
    assert box["d2"].severity == box["d1"].severity == "error"
    assert box["e2"].severity == "warning"
    assert box["e1"].severity is None
    skips = [e for e in picture.edges if e.kind == "skip"]
    assert len(skips) == 2 and all(e.severity == "error" for e in skips)
    # numbered markers sit on the box that has the finding
    d2 = box["d2"]
    assert d2.x + d2.w <= errors[0].marker[0] <= d2.x + d2.w + 40


def test_clean_spec_has_no_findings():
    picture = _layout("unet_original.yaml")
    assert picture.findings == []
    assert all(b.severity is None for b in picture.boxes)
