import re
import xml.etree.ElementTree as ET

import pytest

from skipcheck.draw import draw, load, svg
from skipcheck.ops import MERGE_OPS
from tests.conftest import SPECS

NS = "{http://www.w3.org/2000/svg}"
SHIPPED = sorted(p.name for p in SPECS.glob("*.yaml"))


def _texts(root: ET.Element) -> str:
    return "\n".join("".join(t.itertext()) for t in root.iter(f"{NS}text"))


def _with_class(root: ET.Element, *classes: str) -> list[ET.Element]:
    return [e for e in root.iter() if set(classes) <= set(e.get("class", "").split())]


@pytest.mark.parametrize("name", SHIPPED)
def test_svg_parses_and_names_every_stage_with_its_shape(name):
    text, has_errors = draw(str(SPECS / name), "svg")
    root = ET.fromstring(text)
    assert root.tag == f"{NS}svg"
    result = load(str(SPECS / name))
    assert result.graph is not None and result.table is not None
    words = _texts(root)
    for stage, node_id in result.graph.stages:
        assert stage in words
        shape = result.table.shapes[node_id]
        assert result.table.show(shape[1:]) in words, stage
    errors = [d for d in result.diagnostics if d.severity == "error"]
    warnings = [d for d in result.diagnostics if d.severity == "warning"]
    assert has_errors == bool(errors)
    assert len(_with_class(root, "finding", "error")) == len(errors)
    assert len(_with_class(root, "finding", "warning")) == len(warnings)


def test_broken_spec_has_one_red_finding_per_error_with_code_shapes_line_and_tooltip():
    root = ET.fromstring(draw(str(SPECS / "unet_add_broken.yaml"), "svg")[0])
    findings = _with_class(root, "finding", "error")
    assert [f.get("data-code") for f in findings] == ["SC101", "SC102", "SC101", "SC102"]
    first = "".join(findings[0].itertext())
    assert "line 20" in first and "1×128×126×126 vs 1×64×127×127" in first
    tooltip = findings[0].find(f"{NS}title")
    assert tooltip is not None and "merges 128 channels with 64 channels" in (tooltip.text or "")
    assert len(_with_class(root, "edge", "skip", "error")) == 2
    assert len(_with_class(root, "box", "error")) == 2
    assert len(_with_class(root, "box", "warning")) == 2


def test_dark_and_light_colours_are_both_declared():
    text = draw(str(SPECS / "unet_original.yaml"), "svg")[0]
    assert "@media (prefers-color-scheme: dark)" in text
    # a background of its own, so the picture reads the same in any viewer
    assert 'class="bg"' in text


HOSTILE = """\
skipcheck: 1
name: "<script>alert('x')</script> & </svg>"
input: [1, 3, 64, 64]
encoder:
  - {stage: e1, layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}]}
  - {stage: e2, layers: [{maxpool: 2}, {conv: {out_channels: 16, kernel_size: 3, padding: 1}}]}
decoder:
  - stage: d1
    layers:
      - upsample: {scale_factor: 2}
      - concat: e1
"""


def test_text_from_the_spec_is_escaped(spec_file):
    path = spec_file(HOSTILE, name="a&b<c>.yaml")
    text, _ = draw(path, "svg")
    root = ET.fromstring(text)  # raw markup in the name would break parsing
    assert "<script>" not in text
    assert "<script>alert('x')</script> & </svg>" in _texts(root)
    assert "a&b<c>.yaml" in _texts(root)
    page, _ = draw(path, "html")
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_html_page_embeds_the_svg_and_lists_the_findings():
    page, has_errors = draw(str(SPECS / "unet_add_broken.yaml"), "html")
    assert has_errors
    assert page.startswith("<!DOCTYPE html>")
    svg = re.search(r"<svg .*?</svg>", page, re.S)
    assert svg is not None
    ET.fromstring(svg.group(0))
    assert "<script" not in page and "http" not in page.replace("http://www.w3.org/2000/svg", "")
    items = re.findall(r'<li class="(\w+)">', page)
    assert items == ["error"] * 4 + ["warning"] * 2
    assert "add e2 in d2 merges 128 channels with 64 channels" in page


def test_clean_page_says_so():
    page, has_errors = draw(str(SPECS / "unet_original.yaml"), "html")
    assert not has_errors
    assert "No findings" in page


@pytest.mark.parametrize(
    "name",
    [
        "a\\u001bb",
        "a\\u0000b\\u0008",
        "a\\uffffb\\ufffe",
        "a\\ufdd0b",
        "c1 \\u0085 next",
        "a\\U0010FFFFb",
    ],
)
def test_names_with_characters_xml_forbids_still_parse(spec_file, name):
    # YAML's double-quoted escapes put the character itself into the spec's name
    text = HOSTILE.replace("\"<script>alert('x')</script> & </svg>\"", f'"{name}"')
    path = spec_file(text, name="odd.yaml")
    result = load(path)
    assert result.graph is not None and result.graph.name != "odd"
    svg, _ = draw(path, "svg")
    root = ET.fromstring(svg)  # an XML parser: a raw control character fails here
    assert "\ufffd" in _texts(root)
    page, _ = draw(path, "html")
    for match in re.finditer(r"<svg .*?</svg>", page, re.S):
        ET.fromstring(match.group(0))
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]", page)


@pytest.mark.parametrize("merge", ["sub", "max", "mean"])
def test_the_legend_names_every_merge_kind_drawn(spec_file, merge):
    # the legend listed add, concat and mul only: a sub/max/mean skip had no entry
    text = HOSTILE.replace("skipcheck: 1\n", "skipcheck: 1.1\n").replace("concat: e1", "add: e1")
    text += f"      - {merge}: e1\n"
    text, _ = draw(spec_file(text), "svg")
    legend = _texts(ET.fromstring(text))
    assert "skip: add (summed)" in legend
    assert f"skip: {merge} ({svg.MERGE_WORDS[merge]})" in legend


def test_every_merge_op_has_words_in_the_legend():
    assert set(svg.MERGE_NAMES) == MERGE_OPS == set(svg.MERGE_WORDS)
