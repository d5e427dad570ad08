"""Mend the layer that is wrong (fixes/mend.py): one parameter, written as the spec would."""

from __future__ import annotations

from skipcheck.check import Options, check_spec
from skipcheck.check.fixes.edit import SpecText
from skipcheck.check.fixes.site import Site, Value
from tests.conftest import SPECS

GATE = SPECS / "attention_unet_gate.yaml"
STRIDED = "kernel_size: 2, stride: 2, bias: false}"


def test_the_gate_whose_skip_conv_lost_its_stride_gets_the_stride_back_as_a_number() -> None:
    """Issue 23: the attention gate's theta without `stride: 2`. The mend writes the number,
    not `classes` (a param that happens to be 2 but counts classes), so it holds when
    classes changes and its title says what the diff writes."""
    text = GATE.read_text()
    assert text.count(STRIDED) == 1
    broken = text.replace(STRIDED, "kernel_size: 2, bias: false}")
    result = check_spec(str(GATE), Options(fixes=True), text=broken)
    ((_, fixes),) = result.fixes
    top = fixes[0]
    assert top.title.startswith("stride: 2 on the conv at line 47 (was 1)")
    assert top.safe
    assert (
        "+      - conv: {out_channels: inter, kernel_size: 2, bias: false, stride: 2}" in top.diff
    )
    assert top.fails_at == ()
    assert top.proven_for == ("classes = 1, 2, 4",)


def test_a_param_spells_a_number_only_where_the_spec_writes_it_for_that_kind() -> None:
    text = (
        "skipcheck: 1\n"
        "input: [1, 3, 32, 32]\n"
        "params: {classes: 2, base: 8}\n"
        "layers:\n"
        "  - conv: {out_channels: base, kernel_size: 3, padding: 1, stride: 2}\n"
        "  - conv: {out_channels: classes, kernel_size: 1}\n"
    )
    result = check_spec("m.yaml", Options(fixes=True), text=text)
    assert result.graph is not None and result.table is not None
    site = Site(result.graph, result.table, SpecText(text), [], [], False)
    assert site.spell(Value(2, key="stride"), ()) == "2"  # classes counts classes
    assert site.spell(Value(2, key="kernel_size"), ()) == "2"
    assert site.spell(Value(2), ()) == "classes"  # a width: classes is written as one
    assert site.spell(Value(8, key="num_features"), ()) == "base"
