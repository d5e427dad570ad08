import re
import xml.etree.ElementTree as ET

from skipcheck.draw import draw, load, opened, picture
from skipcheck.draw.layout import Layout, shorten
from tests.conftest import SPECS


def _layout(name: str, depth: int = 1) -> Layout:
    return picture(load(str(SPECS / name)), depth)


def _boxes(picture: Layout) -> dict[str, object]:
    return {box.title: box for box in picture.boxes}


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


CONV = "{conv: {out_channels: %d, kernel_size: 3, padding: 1}%s}"


def _layers_only(name: str, shape: str, *layers: str) -> str:
    """A spec with no sections at all: its layers under `layers:`."""
    body = "".join(f"  - {layer}\n" for layer in layers)
    return f"skipcheck: 1\nname: {name}\ninput: {shape}\nlayers:\n{body}"


# down twice, up twice, a concat at each resolution on the way up
NO_SECTIONS = _layers_only(
    "plain",
    "[1, 1, 64, 64]",
    CONV % (8, ", name: a"),
    "maxpool: 2",
    CONV % (16, ", name: b"),
    "maxpool: 2",
    CONV % (32, ""),
    "upsample: {scale_factor: 2}",
    "concat: b",
    "upsample: {scale_factor: 2}",
    "concat: a",
    "conv: {out_channels: 2, kernel_size: 1}",
)
# residuals, and a pool between them: down once, never back up
CHAIN = _layers_only(
    "plain-chain",
    "[1, 8, 64, 64]",
    CONV % (8, ", name: a"),
    "add: a",
    "maxpool: 2",
    CONV % (8, ", name: b"),
    CONV % (8, ""),
    "add: b",
)
# squeeze-excitation: 32×32 → 1×1 → multiplied onto its 32×32 input; never upsampled
SQUEEZE_EXCITE = _layers_only(
    "se-chain",
    "[1, 8, 32, 32]",
    CONV % (16, ", name: a"),
    "global_avgpool",
    "conv: {out_channels: 16, kernel_size: 1}",
    "sigmoid",
    "mul: a",
    CONV % (16, ""),
)


def test_the_u_comes_from_the_graph_not_the_section_names(spec_file):
    # every stage written under `encoder:`: no decoder section says where the U turns
    text = (SPECS / "unet_original.yaml").read_text()
    merged = text.replace("bottleneck:\n", "").replace("decoder:\n", "")
    assert "decoder:" not in merged
    picture_ = picture(load(spec_file(merged, "one_section.yaml")))
    assert picture_.kind == "u"
    box = {b.key: b for b in picture_.boxes}
    for k in "1234":
        assert box[f"dec{k}"].cy == box[f"enc{k}"].cy


def test_a_layers_only_spec_is_a_u_and_a_chain_stays_a_chain(spec_file):
    u = picture(load(spec_file(NO_SECTIONS, "u.yaml")), 2)
    assert u.kind == "u"
    box = {b.key: b for b in u.boxes}
    assert len({round(b.cy) for b in u.boxes}) == 3  # three resolutions, three levels
    assert min(b.cy for b in u.boxes) == box["input"].cy
    assert [e.kind for e in u.edges].count("skip") == 2
    chain = picture(load(spec_file(CHAIN, "chain.yaml")), 2)
    assert chain.kind == "chain"


def test_a_gate_that_goes_deep_and_broadcasts_back_is_no_u(spec_file):
    assert picture(load(spec_file(SQUEEZE_EXCITE, "se.yaml")), 2).kind == "chain"


def test_many_way_merge_is_one_bundled_edge_with_one_label():
    picture_ = _layout("vnet.yaml")
    from_input = [e for e in picture_.edges if e.kind == "skip" and e.points[0][0] < 150]
    assert len(from_input) == 1
    assert from_input[0].label == "concat ×15"
    assert from_input[0].tooltip.count("\n") == 14  # every merge named in the tooltip


def test_depth_opens_the_stages_into_their_blocks():
    one, two = _layout("unet_original.yaml", 1), _layout("unet_original.yaml", 2)
    assert [b.key for b in one.boxes][:3] == ["input", "enc1", "enc2"]
    keys = [b.key for b in two.boxes]
    assert "enc2.0.maxpool" in keys and "enc2.1.double_conv" in keys
    assert len(two.boxes) > len(one.boxes) and two.kind == "u"
    # as deep as the paths go: every layer its own box
    deepest = _layout("unet_original.yaml", 9)
    result = load(str(SPECS / "unet_original.yaml"))
    assert result.graph is not None
    assert len(deepest.boxes) == len(result.graph.nodes)


def test_html_page_opens_a_stage_when_clicked_without_script():
    page, _ = draw(str(SPECS / "unet_original.yaml"), "html")
    assert "<script" not in page
    anchors = re.findall(r'<a href="#(open-\d+)">', page)
    # every stage with more than one block inside: not enc1 (one double_conv) nor the head
    assert len(anchors) == 8
    for anchor in anchors:
        assert f'<section class="opened" id="{anchor}">' in page
    assert "section.opened:target{display:block}" in page
    views = opened(load(str(SPECS / "unet_original.yaml")), _layout("unet_original.yaml"))
    enc2 = next(view for _, name, view in views if name == "enc2")
    assert [b.title for b in enc2.boxes] == ["from enc1", "maxpool", "double_conv"]


def test_long_names_are_shortened_in_the_middle_with_the_full_name_in_the_tooltip():
    name = "model_1_submodule_1_submodule_1_submodule_0"
    short = shorten(name)
    assert len(short) <= 22 and short.startswith("model_1_") and short.endswith("submodule_0")
    assert "…" in short
    assert shorten("enc1") == "enc1"


def test_text_is_at_least_11_px_and_the_findings_are_listed_once():
    svg, _ = draw(str(SPECS / "unet_add_broken.yaml"), "svg")
    sizes = [float(v) for v in re.findall(r"font-size:([\d.]+)px", svg)]
    assert sizes and min(sizes) >= 11
    page, _ = draw(str(SPECS / "unet_add_broken.yaml"), "html")
    figure = re.search(r"<figure>(.*?)</figure>", page, re.S)
    assert figure is not None
    assert 'class="section"' not in figure.group(1)  # no list under the picture in the page
    assert page.count("<li ") == 6
    root = ET.fromstring(svg)
    legend = "".join(root.find(".//{http://www.w3.org/2000/svg}g[@class='legend']").itertext())
    assert "error" in legend and "warning" in legend and "concat" not in legend
    assert "add (summed)" in legend


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
    picture = _layout("resnet50.yaml", 3)  # stage, res_stage call, the blocks it repeats
    assert picture.kind == "chain"
    titles = [b.title for b in picture.boxes]
    assert titles.count("bottleneck_down") == 4
    assert {"bottleneck ×2", "bottleneck ×3", "bottleneck ×5"} <= set(titles)
    assert len(picture.boxes) < 25  # 176 nodes
    assert len({round(b.cy) for b in picture.boxes}) > 1  # wrapped into rows
    arcs = [e for e in picture.edges if e.kind == "arc"]
    assert len(arcs) == 4 and {e.label for e in arcs} == {"add"}


def test_dense_blocks_are_one_box_each():
    picture = _layout("densenet121.yaml", 2)
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
