"""The model zoo: every shipped spec validates and reproduces the figures its description states.

Parameter counts are re-derived here by plain arithmetic wherever the spec's
source gives none, so a change in an op's count rule or in a spec shows up.
"""

from __future__ import annotations

import math
from functools import cache

import pytest
import yaml

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate
from skipcheck.shapes.dims import concrete
from skipcheck.shapes.sizeset import SizeSet
from skipcheck.shapes.table import ShapeTable
from tests.conftest import ROOT, SPECS

DATA = ROOT / "tests" / "data"
BROKEN_ON_PURPOSE = {"unet_add_broken.yaml"}
CONTRACT = {"unet_original.yaml", "unet_add_broken.yaml"}  # verbatim from the format sketch
ZOO = sorted(p.name for p in SPECS.glob("*.yaml"))


@cache
def table(name: str) -> ShapeTable:
    return propagate(graph_of(str(SPECS / name)))


def dims(t: ShapeTable, node: int, at: dict[str, int] | None = None) -> tuple[int, ...]:
    """A node's shape as plain ints, at the spec's input or at other input sizes."""
    point = t.at if at is None else at
    return tuple(d if isinstance(d, int) else concrete(d, point) for d in t.shapes[node])


def stages(t: ShapeTable) -> dict[str, tuple[int, ...]]:
    return {name: dims(t, node) for name, node in t.graph.stages}


def named(t: ShapeTable, label: str) -> tuple[int, ...]:
    matches = [n.id for n in t.graph.nodes if n.name == label]
    assert len(matches) == 1, f"{label}: {matches}"
    return dims(t, matches[0])


def description(name: str) -> str:
    return str(yaml.safe_load((SPECS / name).read_text())["description"])


def conv(c_in: int, c_out: int, k: int, rank: int = 2, bias: bool = True) -> int:
    return c_out * c_in * k**rank + (c_out if bias else 0)


def bn(c: int) -> int:
    return 2 * c


def sizes(var: str, modulus: int, residues: tuple[int, ...]) -> SizeSet:
    """{x >= 1 : x mod modulus in residues}."""
    return SizeSet(
        var,
        modulus,
        tuple((1 if r == 0 else 0, None) if r in residues else None for r in range(modulus)),
    )


def constraint(t: ShapeTable, code: str, var: str) -> SizeSet:
    result = SizeSet.everything(var)
    for c in t.constraints:
        if c.code == code and c.sizes.var == var:
            result = result & c.sizes
    return result


# -- every spec -------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in ZOO if n not in BROKEN_ON_PURPOSE])
def test_spec_validates_without_errors(name: str) -> None:
    t = table(name)
    assert t.errors == [], [d.message for d in t.errors]
    # dla34 flattens a 1x1 map whose size is a floor of H: exact at the input, but not affine
    assert t.inexact == [] or name == "dla34.yaml"
    assert t.total_params is not None
    if name not in CONTRACT:
        # the description states the parameter count it must reproduce
        assert f"{t.total_params:,}" in description(name)


def test_zoo_is_complete() -> None:
    assert set(ZOO) >= {
        "unet_original.yaml",
        "unet_add_broken.yaml",
        "unet_padded.yaml",
        "resnet50.yaml",
        "densenet121.yaml",
        "fpn_resnet50.yaml",
        "unet3d.yaml",
        "vnet.yaml",
        "attention_unet.yaml",
        "linknet.yaml",
        "fcn8s.yaml",
        "dla34.yaml",
        # format 1.1
        "fpn_resnet50_outputs.yaml",
        "attention_unet_gate.yaml",
        "vnet_tile.yaml",
        "unet_stated_channels.yaml",
    }


# -- same-padded U-Net ------------------------------------------------------


def test_unet_padded_runs_iff_multiple_of_16() -> None:
    t = table("unet_padded.yaml")
    assert t.at == {}
    for var in ("H", "W"):
        assert t.valid_sizes(var) == sizes(var, 16, (0,))
        assert t.valid_sizes(var).describe() == f"{var} ≡ 0 (mod 16)"
        # the concat skips alone impose it (not only the declared shapes)
        assert constraint(t, "SC102", var) == sizes(var, 16, (0,))
    assert t.total_params == 31_037_698
    for h in (16, 48, 256):
        point = {"H": h, "W": h}
        assert dims(t, t.graph.out, point)[1:] == (2, h, h)
        assert {n: dims(t, i, point)[2] for n, i in t.graph.stages} == {
            "enc1": h, "enc2": h // 2, "enc3": h // 4, "enc4": h // 8, "bottom": h // 16,
            "dec4": h // 8, "dec3": h // 4, "dec2": h // 2, "dec1": h,
        }  # fmt: skip


def test_unet_padded_reports_a_size_that_is_not_a_multiple_of_16() -> None:
    t = propagate(graph_of(str(SPECS / "unet_padded.yaml")), ["N", 3, 250, 256])
    assert {d.code for d in t.errors} >= {"SC102"}
    assert all(d.pos.line > 0 for d in t.errors)


# -- ResNet-50 --------------------------------------------------------------


def test_resnet50_table1_and_torchvision_count() -> None:
    t = table("resnet50.yaml")
    assert stages(t) == {
        "conv1": (1, 64, 112, 112),
        "conv2_x": (1, 256, 56, 56),
        "conv3_x": (1, 512, 28, 28),
        "conv4_x": (1, 1024, 14, 14),
        "conv5_x": (1, 2048, 7, 7),
    }
    assert dims(t, t.graph.out) == (1, 1000)
    assert t.total_params == 25_557_032
    projections = [n for n in t.graph.nodes if n.op == "conv" and ".shortcut." in n.path]
    assert [(n.params["kernel_size"], n.params["stride"], n.params["bias"]) for n in projections] == [
        (1, 1, False), (1, 2, False), (1, 2, False), (1, 2, False),
    ]  # fmt: skip
    bottlenecks = [n for n in t.graph.nodes if n.op == "add" and n.params.get("residual")]
    assert len(bottlenecks) == 3 + 4 + 6 + 3
    assert t.diagnostics == []
    # stride-2 convs with padding and a global pool: every input size runs
    assert t.valid_sizes("H").describe() == "every H"


# -- DenseNet-121 -----------------------------------------------------------


def test_densenet121_table1_and_torchvision_count() -> None:
    t = table("densenet121.yaml")
    assert stages(t) == {
        "stem": (1, 64, 112, 112),
        "pool0": (1, 64, 56, 56),
        "denseblock1": (1, 64 + 6 * 32, 56, 56),
        "transition1": (1, 128, 28, 28),
        "denseblock2": (1, 128 + 12 * 32, 28, 28),
        "transition2": (1, 256, 14, 14),
        "denseblock3": (1, 256 + 24 * 32, 14, 14),
        "transition3": (1, 512, 7, 7),
        "denseblock4": (1, 512 + 16 * 32, 7, 7),
    }
    assert dims(t, t.graph.out) == (1, 1000)
    assert t.total_params == 7_978_856
    dense = [n for n in t.graph.nodes if n.op == "concat" and n.params.get("residual")]
    assert len(dense) == 6 + 12 + 24 + 16
    # each dense layer appends growth-rate 32 channels to its input
    # a residual concat reads [shortcut, body], as torchvision concatenates
    assert all(dims(t, n.id)[1] - dims(t, n.inputs[0])[1] == 32 for n in dense)
    assert t.diagnostics == []


# -- FPN on ResNet-50 -------------------------------------------------------


def test_fpn_resnet50_levels_and_count_by_hand() -> None:
    t = table("fpn_resnet50.yaml")
    got = stages(t)
    assert {k: got[k] for k in ("c2", "c3", "c4", "c5")} == {
        "c2": (1, 256, 56, 56), "c3": (1, 512, 28, 28), "c4": (1, 1024, 14, 14), "c5": (1, 2048, 7, 7),
    }  # fmt: skip
    assert {k: got[k] for k in ("p5", "p4", "p3", "p2")} == {
        "p5": (1, 256, 7, 7), "p4": (1, 256, 14, 14), "p3": (1, 256, 28, 28), "p2": (1, 256, 56, 56),
    }  # fmt: skip
    backbone = 25_557_032 - (2048 * 1000 + 1000)  # resnet50 without its fc
    laterals = sum(conv(c, 256, 1) for c in (256, 512, 1024, 2048))
    outputs = 4 * conv(256, 256, 3)
    assert (backbone, laterals, outputs) == (23_508_032, 984_064, 2_360_320)
    assert t.total_params == backbone + laterals + outputs == 26_852_416
    # laterals are 1x1 convs on the skip path (`via`) of the top-down adds
    lateral_adds = [
        n for n in t.graph.nodes if n.op == "add" and n.skips in (("c4",), ("c3",), ("c2",))
    ]
    assert len(lateral_adds) == 3
    for n in lateral_adds:
        via = t.graph.nodes[n.inputs[1]]
        assert (via.op, via.params["kernel_size"], via.group) == ("conv", 1, "via")
    smooth = [
        n
        for n in t.graph.nodes
        if n.op == "conv" and n.params["kernel_size"] == 3 and "outputs" in n.path
    ]
    assert sorted(dims(t, n.id)[2] for n in smooth) == [7, 14, 28, 56]
    assert t.diagnostics == []
    # the 2x nearest upsamples meet the ceil-rounded C_k only for these sizes
    assert t.valid_sizes("H") == sizes("H", 32, (0, 29, 30, 31))


# -- 3D U-Net ---------------------------------------------------------------


def test_unet3d_132x132x116_in_44x44x28_out() -> None:
    t = table("unet3d.yaml")
    assert dims(t, 0) == (1, 3, 132, 132, 116)
    assert dims(t, t.graph.out) == (1, 3, 44, 44, 28)
    assert stages(t) == {
        "a1": (1, 64, 128, 128, 112),
        "a2": (1, 128, 60, 60, 52),
        "a3": (1, 256, 26, 26, 22),
        "bottom": (1, 512, 9, 9, 7),
        "s3": (1, 256, 14, 14, 10),
        "s2": (1, 128, 24, 24, 16),
        "s1": (1, 64, 44, 44, 28),
    }
    crops = [
        (dims(t, n.inputs[1])[2:], dims(t, n.inputs[0])[2:])
        for n in t.graph.nodes
        if n.op == "concat"
    ]
    assert crops == [
        ((26, 26, 22), (18, 18, 14)),
        ((60, 60, 52), (28, 28, 20)),
        ((128, 128, 112), (48, 48, 32)),
    ]
    convs = [(3, 32), (32, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512),
             (512 + 256, 256), (256, 256), (256 + 128, 128), (128, 128), (128 + 64, 64), (64, 64)]  # fmt: skip
    ups = [512, 256, 128]
    by_hand = (
        sum(conv(a, b, 3, rank=3) for a, b in convs)
        + sum(c * c * 8 for c in ups)
        + conv(64, 3, 1, rank=3)
    )
    assert t.total_params == by_hand == 19_069_955
    assert t.diagnostics == []
    assert t.valid_sizes("H").describe() == "every H ≥ 92"
    assert t.valid_sizes("H", "clean").describe() == "H ≡ 4 (mod 8), H ≥ 92"


# -- V-Net ------------------------------------------------------------------


def test_vnet_stages_and_count_by_hand() -> None:
    t = table("vnet.yaml")
    assert stages(t) == {
        "left1": (1, 16, 128, 128, 64),
        "left2": (1, 32, 64, 64, 32),
        "left3": (1, 64, 32, 32, 16),
        "left4": (1, 128, 16, 16, 8),
        "bottom": (1, 256, 8, 8, 4),
        "right4": (1, 256, 16, 16, 8),
        "right3": (1, 128, 32, 32, 16),
        "right2": (1, 64, 64, 64, 32),
        "right1": (1, 32, 128, 128, 64),
    }
    assert dims(t, t.graph.out) == (1, 2, 128, 128, 64)
    residual_adds = [n for n in t.graph.nodes if n.op == "add" and n.params.get("residual")]
    assert len(residual_adds) == 9

    def conv5(c: int, n: int) -> int:
        return n * (conv(c, c, 5, rank=3) + 1)

    left = (
        conv(1, 16, 5, rank=3)
        + 1
        + sum(
            conv(c // 2, c, 2, rank=3) + 1 + conv5(c, n)
            for c, n in ((32, 2), (64, 3), (128, 3), (256, 3))
        )
    )
    right = sum(conv(c_in, c // 2, 2, rank=3) + 1 + conv5(c, n)
                for c_in, c, n in ((256, 256, 3), (256, 128, 3), (128, 64, 2), (64, 32, 1)))  # fmt: skip
    assert t.total_params == left + right + conv(32, 2, 1, rank=3) == 65_171_887
    assert t.diagnostics == []


# -- Attention U-Net --------------------------------------------------------


def test_attention_unet_gates_and_count_by_hand() -> None:
    t = table("attention_unet.yaml")
    assert named(t, "att4") == (1, 1, 20, 20, 12)
    assert named(t, "att3") == (1, 1, 40, 40, 24)
    assert named(t, "att2") == (1, 1, 80, 80, 48)
    assert dims(t, t.graph.out) == (1, 2, 160, 160, 96)
    gates = [n for n in t.graph.nodes if n.op == "mul"]
    assert [n.skips for n in gates] == [("conv4",), ("conv3",), ("conv2",)]
    for n in gates:
        gate, skip = dims(t, n.inputs[0]), dims(t, n.inputs[1])
        assert gate[1] == 1 and gate[2:] == skip[2:]
        assert dims(t, n.id) == skip

    def cbr(c_in: int, c_out: int, k: int = 3) -> int:
        return conv(c_in, c_out, k, rank=3) + bn(c_out)

    def double(c_in: int, c_out: int) -> int:
        return cbr(c_in, c_out) + cbr(c_out, c_out)

    def gate(x: int, g: int) -> int:
        inter = x // 2
        phi, theta, psi = (
            conv(g, inter, 1, 3),
            conv(x, inter, 2, 3, bias=False),
            conv(inter, 1, 1, 3),
        )
        return phi + theta + psi + conv(x, x, 1, 3) + bn(x)

    encoder = double(1, 16) + double(16, 32) + double(32, 64) + double(64, 128) + double(128, 256)
    decoder = (
        cbr(256, 256, 1) + gate(128, 256) + double(128 + 256, 128)
        + gate(64, 128) + double(64 + 128, 64)
        + gate(32, 64) + double(32 + 64, 32)
        + double(16 + 32, 16)
    )  # fmt: skip
    assert t.total_params == encoder + decoder + conv(16, 2, 1, 3) == 6_083_221
    assert t.diagnostics == []


# -- LinkNet ----------------------------------------------------------------


def test_linknet_shapes_at_256_and_512() -> None:
    t = table("linknet.yaml")
    expected = {
        "initial": 64, "enc1": 32, "enc2": 16, "enc3": 8, "enc4": 4,
        "dec4": 8, "dec3": 16, "dec2": 32, "dec1": 64,
    }  # fmt: skip
    channels = {"initial": 64, "enc1": 64, "enc2": 128, "enc3": 256, "enc4": 512,
                "dec4": 256, "dec3": 128, "dec2": 64, "dec1": 64}  # fmt: skip
    assert stages(t) == {k: (1, channels[k], v, v) for k, v in expected.items()}
    assert dims(t, t.graph.out) == (1, 12, 256, 256)
    # the same symbolic shapes at 512: everything doubles
    at512 = {"H": 512, "W": 512}
    assert {k: dims(t, i, at512)[2] for k, i in t.graph.stages} == {
        k: 2 * v for k, v in expected.items()
    }
    assert dims(t, t.graph.out, at512) == (1, 12, 512, 512)
    assert [n.skips for n in t.graph.nodes if n.op == "add" and not n.params.get("residual")] == [
        ("enc3",), ("enc2",), ("enc1",), ("initial",),
    ]  # fmt: skip
    assert t.total_params == 11_538_956
    assert t.diagnostics == []


def test_linknet_valid_sizes_from_the_skips() -> None:
    t = table("linknet.yaml")
    # ceil-rounding strides: the add skips match for more than the multiples of 64
    assert constraint(t, "SC102", "H") == sizes("H", 64, (0, 61, 62, 63))
    assert constraint(t, "SC102", "H").describe() == "H ≡ 0, 61, 62, 63 (mod 64)"
    assert t.valid_sizes("H") == constraint(t, "SC102", "H")
    for h in (61, 62, 63, 64, 125, 128):
        assert h in constraint(t, "SC102", "H")
        assert dims(t, t.graph.out, {"H": h, "W": h})[2] == 64 * math.ceil(h / 64)
    t512 = propagate(t.graph, ["N", 3, 512, 512])
    assert not [d for d in t512.errors if d.code == "SC102"]
    t65 = propagate(t.graph, [1, 3, 65, 65])
    # 65 → 17 → 9, 5, 3, 2: the first mismatch is at dec4 (4 vs 3), and each later add
    # compares its own skip with the running tensor, so each is reported
    spatial = [d for d in t65.errors if d.code == "SC102"]
    assert [d.node for d in spatial] == ["dec4", "dec3", "dec2", "dec1"]
    assert "height 4 vs 3; width 4 vs 3" in spatial[0].message


# -- FCN-8s -----------------------------------------------------------------


def test_fcn8s_caffe_shapes_at_500() -> None:
    t = table("fcn8s.yaml")
    got = stages(t)
    assert {k: got[k][2] for k in ("pool1", "pool2", "pool3", "pool4", "pool5", "fc7")} == {
        "pool1": 349, "pool2": 175, "pool3": 88, "pool4": 44, "pool5": 22, "fc7": 16,
    }  # fmt: skip
    assert named(t, "fc6") == (1, 4096, 16, 16)
    assert named(t, "score_fr") == (1, 21, 16, 16)
    assert named(t, "upscore2") == (1, 21, 34, 34)
    assert named(t, "score_pool4") == (1, 21, 44, 44)
    assert named(t, "upscore_pool4") == (1, 21, 70, 70)
    assert named(t, "score_pool3") == (1, 21, 88, 88)
    assert named(t, "upscore8") == (1, 21, 568, 568)
    assert dims(t, t.graph.out) == (1, 21, 500, 500)
    # Caffe's crop offsets 5 and 9 are the centered ones
    fuses = [n for n in t.graph.nodes if n.op == "add"]
    assert [n.params["align"] for n in fuses] == ["center_crop", "center_crop"]
    assert [(dims(t, n.inputs[1])[2] - dims(t, n.inputs[0])[2]) // 2 for n in fuses] == [5, 9]
    assert t.graph.nodes[t.graph.out].params["padding"] == [-31, -37, -31, -37]


def test_fcn8s_count_by_hand() -> None:
    t = table("fcn8s.yaml")
    vgg = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
           (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]  # fmt: skip
    vgg16 = sum(conv(a, b, 3) for a, b in vgg)
    fc = conv(512, 4096, 7) + conv(4096, 4096, 1)
    scores = conv(4096, 21, 1) + conv(512, 21, 1) + conv(256, 21, 1)
    upsampling = 2 * (21 * 21 * 4 * 4) + 21 * 21 * 16 * 16
    assert (vgg16, fc) == (14_714_688, 102_764_544 + 16_781_312)
    assert t.total_params == vgg16 + fc + scores + upsampling == 134_489_759
    assert t.diagnostics == []


# -- DLA-34 -----------------------------------------------------------------


def test_dla34_levels_and_published_count() -> None:
    t = table("dla34.yaml")
    assert stages(t) == {
        "base_layer": (1, 16, 224, 224),
        "level0": (1, 16, 224, 224),
        "level1": (1, 32, 112, 112),
        "level2": (1, 64, 56, 56),
        "level3": (1, 128, 28, 28),
        "level4": (1, 256, 14, 14),
        "level5": (1, 512, 7, 7),
    }
    assert dims(t, t.graph.out) == (1, 1000)
    assert t.total_params == 15_742_104
    # the official module also builds 1x1 conv + BN projections that its two-level trees never use
    unused = (conv(64, 128, 1, bias=False) + bn(128)) + (conv(128, 256, 1, bias=False) + bn(256))
    assert unused == 41_728
    assert t.total_params + unused == 15_783_832
    # a level root concatenates a floor-halved `bottom` with ceil-halved strided convs,
    # and the 7x7 average pool needs 7 rows at stride 32 (torch agrees at 192, 223, 225, 256)
    assert t.valid_sizes("H").describe() == "H ≡ 0, 31 (mod 32), H ≥ 223"


def test_dla34_aggregation_nodes_concatenate_then_project() -> None:
    t = table("dla34.yaml")
    roots = [n for n in t.graph.nodes if n.op == "conv" and ".root." in n.path]
    # root input channels: children (and the level root's `bottom`) side by side
    got = [
        (dims(t, n.inputs[0])[1], n.params["out_channels"], n.params["kernel_size"]) for n in roots
    ]
    assert got == [
        (64 + 64, 64, 1),  # level2: cat(x2, x1)
        (128 + 128, 128, 1),  # level3 tree1
        (128 + 128 + 64 + 128, 128, 1),  # level3: cat(y2, y1, bottom, x1)
        (256 + 256, 256, 1),  # level4 tree1
        (256 + 256 + 128 + 256, 256, 1),  # level4
        (512 + 512 + 256, 512, 1),  # level5: cat(x2, x1, bottom)
    ]
    for n in roots:
        feeder = t.graph.nodes[n.inputs[0]]
        assert feeder.op == "concat"
        after = [m.op for m in t.graph.nodes if m.inputs == (n.id,)]
        assert after == ["batchnorm"]


# -- broken variants: the checks catch what they should -------------------------


def test_dense_layer_written_with_add_is_a_channel_mismatch() -> None:
    t = propagate(graph_of(str(DATA / "densenet_block_add_broken.yaml")))
    assert [(d.code, d.pos.line) for d in t.errors] == [("SC101", 11)]
    assert "32 channels with 64 channels (body vs shortcut)" in t.errors[0].message


def test_fpn_without_lateral_is_a_channel_mismatch() -> None:
    t = propagate(graph_of(str(DATA / "fpn_missing_lateral.yaml")))
    assert [(d.code, d.pos.line) for d in t.errors] == [("SC101", 22)]
    assert "256 channels with 128 channels" in t.errors[0].message


# -- format 1.1 ---------------------------------------------------------------


def test_fpn_outputs_p2_to_p6() -> None:
    t = table("fpn_resnet50_outputs.yaml")
    outputs = {o.name: dims(t, o.node) for o in t.graph.outputs}
    assert outputs == {
        "P2": (1, 256, 56, 56),
        "P3": (1, 256, 28, 28),
        "P4": (1, 256, 14, 14),
        "P5": (1, 256, 7, 7),
        "P6": (1, 256, 4, 4),
    }
    # the same FPN as the 1.0 spec, whose outputs were summed into one: same weights
    assert t.total_params == table("fpn_resnet50.yaml").total_params == 26_852_416
    assert t.diagnostics == []


def test_fpn_outputs_each_declared_shape_is_checked() -> None:
    text = (SPECS / "fpn_resnet50_outputs.yaml").read_text()
    broken = text.replace("- P6: [1, d, 4, 4]", "- P6: [1, d, 3, 3]")
    t = propagate(graph_of("fpn.yaml", text=broken))
    line = broken.splitlines().index("  - P6: [1, d, 3, 3]") + 1
    assert [(d.code, d.pos.line) for d in t.errors] == [("SC301", line)]
    assert "output P6 is declared 1×d×3×3, but the model produces 1×256×4×4" in t.errors[0].message


def test_vnet_tile_is_vnet() -> None:
    t, v10 = table("vnet_tile.yaml"), table("vnet.yaml")
    assert stages(t) == stages(v10)
    assert t.total_params == v10.total_params == 65_171_887
    assert [n.op for n in t.graph.nodes if n.op == "tile"] == ["tile"]
    assert t.diagnostics == []


def test_attention_gate_block_takes_its_skip() -> None:
    t, v10 = table("attention_unet_gate.yaml"), table("attention_unet.yaml")
    assert t.total_params == v10.total_params == 6_083_221
    assert dims(t, t.graph.out) == dims(v10, v10.graph.out)
    gates = [n for n in t.graph.nodes if n.op == "mul"]
    encoder = {name: node for name, node in t.graph.stages}
    # each gate multiplies the skip it was given as an argument
    assert [n.inputs[1] for n in gates] == [encoder["conv4"], encoder["conv3"], encoder["conv2"]]
    assert [dims(t, n.inputs[0])[1] for n in gates] == [1, 1, 1]
    assert t.diagnostics == []


def test_unet_stated_channels_catches_an_added_skip() -> None:
    t = table("unet_stated_channels.yaml")
    assert t.total_params == table("unet_padded.yaml").total_params == 31_037_698
    text = (SPECS / "unet_stated_channels.yaml").read_text()
    broken = text.replace("- concat: enc4", "- add: enc4")
    errors = propagate(graph_of("u.yaml", text=broken)).errors
    assert [d.code for d in errors] == ["SC107"]
    add_line = broken.splitlines().index("      - add: enc4") + 1
    assert (
        f"takes 1024 channels (in_channels: 1024) but receives 512, from add enc4 in dec4 at line {add_line}"
        in errors[0].message
    )
