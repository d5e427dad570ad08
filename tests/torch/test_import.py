"""`skipcheck import`: torchvision-style models mapped and proven, the brute force on the
original model, what cannot be mapped, and the CLI (safety of what is written)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from skipcheck.check import check_spec  # noqa: E402
from skipcheck.cli import app  # noqa: E402
from skipcheck.core.errors import SkipcheckError  # noqa: E402
from skipcheck.torch.importer import CannotMap, import_model, instantiate  # noqa: E402
from tests.torch import tv_models as tv  # noqa: E402
from tests.torch.import_reference import assert_sizes_match, imported  # noqa: E402

runner = CliRunner()


def test_resnet18_imports_with_torchvisions_parameter_count() -> None:
    got = imported(tv.resnet18, (1, 3, 224, 224))
    assert got.parameters == 11_689_512  # torchvision.models.resnet18's count
    assert got.report[0] == "parameters: spec 11,689,512 · model 11,689,512 — equal"
    assert got.report[1] == "1x3x224x224: both run, output 1x1000 (the example)"
    assert got.report[5] == (
        "blocks: repeated modules folded; the same shapes, parameters, findings and sizes"
    )
    # the BasicBlocks are two blocks (with and without a downsample), their channels and
    # the tensor each adds as arguments
    assert "  BasicBlock:\n    args: [ch_in, skip]\n" in got.text
    assert "  BasicBlock_2:\n    args: [ch_in, ch, skip]\n" in got.text
    assert (
        "  - stage: layer2_0\n    layers:\n      - BasicBlock_2: {ch_in: 64, ch: 128, skip: layer1_1}\n"
        in got.text
    )
    # the downsample is a side path: written as the via of the block's add
    assert (
        "        skip: skip\n        via:\n          - conv: {in_channels: ch_in, out_channels: ch, kernel_size: 1, stride: 2, bias: false}  # .downsample.0 (Conv2d)\n"
        in got.text
    )


def test_resnet50_imports_with_torchvisions_parameter_count() -> None:
    # (tests assert no times: docs/import.md gives the measured import times)
    got = imported(tv.resnet50, (1, 3, 224, 224))
    assert got.parameters == 25_557_032  # torchvision.models.resnet50's count


def test_fpn_interpolates_to_the_laterals_size() -> None:
    got = imported(tv.ResNetFPNSegmentation, (1, 3, 224, 224))
    # F.interpolate(last_inner, size=inner_lateral.shape[-2:]) + inner_lateral
    assert got.text.count("align: interpolate") == 3
    # torchvision's FPN computes the layer blocks of every level and the head reads one: the
    # others are branches nothing reads, since torch runs them (their parameters count)
    assert got.report[0] == "parameters: spec 11,386,050 · model 11,386,050 — equal"
    assert got.text.count("- branch:  # the model drops this value; torch computes it") == 3
    assert "# fpn.layer_blocks.1 (Conv2d)" in got.text


@pytest.mark.parametrize(
    ("factory", "shape"),
    [
        (tv.resnet18, (1, 3, 32, 32)),
        (tv.resnet50, (1, 3, 32, 32)),
        (tv.ResNetFPNSegmentation, (1, 3, 32, 32)),
    ],
    ids=["resnet18", "resnet50", "fpn"],
)
def test_sizes_equal_brute_force_on_the_original(factory: Any, shape: tuple[int, ...]) -> None:
    # a narrow copy (width 4): channels do not change which sizes run, and torch on the
    # CPU is then quick enough to try every height from 1 to 512
    model = instantiate(factory, {"width": 4})
    got = import_model(model, shape, name="m", source="test")
    cpu = factory(width=4)
    assert_sizes_match(got.text, cpu, shape)


class _Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.attn = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x: Any) -> Any:
        x = self.conv(x)
        n, c, h, w = x.shape
        seq = x.flatten(2).transpose(1, 2)
        seq, _ = self.attn(seq, seq, seq)
        return seq.transpose(1, 2).reshape(n, c, h, w)


class _Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)

    def forward(self, x: Any) -> Any:
        if x.sum() > 0:
            return self.conv(x)
        return x


@torch.library.custom_op("skipcheck_test::double", mutates_args=())
def _double(x: torch.Tensor) -> torch.Tensor:
    return x * 2


@_double.register_fake
def _(x: torch.Tensor) -> torch.Tensor:
    return torch.empty_like(x)


class _Custom(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1))
        self.gate = _Gate()

    def forward(self, x: Any) -> Any:
        return self.gate(self.block(x))


class _Gate(nn.Module):
    def forward(self, x: Any) -> Any:
        return _double(x)


@pytest.mark.parametrize(
    ("model", "says"),
    [
        (_Attention(), "cannot be mapped: Tensor.transpose in the model itself (_Attention)"),
        (_Branchy(), "in the model itself (_Branchy): data-dependent control flow"),
        (_Custom(), "cannot be mapped: "),
    ],
    ids=["attention", "control-flow", "autograd-function"],
)
def test_what_cannot_be_mapped_is_named(model: nn.Module, says: str) -> None:
    with pytest.raises(CannotMap) as err:
        import_model(model, (1, 3, 16, 16), name="m", source="test")
    assert says in str(err.value)


def test_custom_autograd_op_names_the_module_and_the_op() -> None:
    with pytest.raises(CannotMap) as err:
        import_model(_Custom(), (1, 3, 16, 16), name="m", source="test")
    assert "cannot be mapped: skipcheck_test.double" in str(err.value)
    assert "in gate (_Gate)" in str(err.value)
    assert "--opaque gate=identity" in str(err.value)


def test_opaque_identity_continues_and_marks_the_spec_partial() -> None:
    got = import_model(
        _Custom(), (1, 3, 16, 16), name="m", source="test", opaque={"gate": ("identity", {})}
    )
    assert got.partial
    assert "PARTIAL" in got.text and "OPAQUE" in got.text
    assert check_spec("<t>", text=got.text).ok


def test_opaque_states_a_shape_rule() -> None:
    class Pooled(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, padding=1)
            self.pool = _Halve()

        def forward(self, x: Any) -> Any:
            return self.pool(self.conv(x))

    rule = {"pool": ("maxpool", {"kernel_size": 2, "ceil_mode": True})}
    got = import_model(Pooled(), (1, 3, 16, 16), name="m", source="test", opaque=rule)
    assert "maxpool: {kernel_size: 2, ceil_mode: true}" in got.text
    assert got.report[1] == "1x3x16x16: both run, output 1x8x8x8 (the example)"
    assert got.report[2] == "1x3x17x17: both run, output 1x8x9x9"
    # a stated rule that is wrong is caught by the round trip, and nothing is written
    wrong = {"pool": ("maxpool", {"kernel_size": 2})}
    with pytest.raises(SkipcheckError, match="round trip failed at 1x3x17x17: the model gives"):
        import_model(Pooled(), (1, 3, 16, 16), name="m", source="test", opaque=wrong)


class _Halve(nn.Module):
    def forward(self, x: Any) -> Any:
        return x[:, :, ::2, ::2]  # ceil(H / 2): a strided slice, which no spec op maps


def test_interpolating_to_another_tensors_size_then_merging_elsewhere_is_resize_to() -> None:
    class Odd(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
            self.side = nn.Conv2d(3, 8, 1)
            self.pool = nn.MaxPool2d(3, stride=1, padding=1)

        def forward(self, x: Any) -> Any:
            up = torch.nn.functional.interpolate(self.down(x), size=x.shape[2:])
            # the same size as x, but not by a rule `align: interpolate` could state: the
            # resize is written as `resize_to: input`, and the add checks the sizes itself
            return up + self.pool(self.side(x))

    got = import_model(Odd(), (1, 3, 16, 16), name="m", source="test")
    assert "- resize_to: {size_of: input}" in got.text
    result = check_spec("m.yaml", text=got.text)
    assert result.error is None and not result.errors


def test_several_outputs_are_named_outputs() -> None:
    class Two(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = nn.Conv2d(3, 4, 1)
            self.b = nn.Conv2d(3, 4, 1)

        def forward(self, x: Any) -> Any:
            return self.a(x), self.b(x)

    got = import_model(Two(), (1, 3, 8, 8), name="m", source="test")
    assert "outputs:\n  - a  # the model's output 0\n  - b  # the model's output 1\n" in got.text
    assert got.report[1] == "1x3x8x8: both run, output 1x4x8x8, 1x4x8x8 (the example)"


def test_fpn_levels_are_branches_and_outputs() -> None:
    got = imported(tv.ResNetFPN, (1, 3, 224, 224))
    assert got.text.count("- branch:") == 3
    assert "  - fpn_layer_blocks_3  # the model's output 3\n" in got.text
    assert got.report[1] == (
        "1x3x224x224: both run, output 1x64x56x56, 1x64x28x28, 1x64x14x14, 1x64x7x7 (the example)"
    )


MODEL_FILE = """
import torch
from torch import nn


class Net(nn.Module):
    def __init__(self, width=8):
        super().__init__()
        self.enc = nn.Sequential(nn.Conv2d(3, width, 3, padding=1), nn.ReLU())
        self.down = nn.MaxPool2d(2)
        self.mid = nn.Conv2d(width, width, 3, padding=1)
        self.up = nn.Upsample(scale_factor=2)
        self.head = nn.Conv2d(2 * width, 2, 1)

    def forward(self, x):
        e = self.enc(x)
        y = self.up(self.mid(self.down(e)))
        return self.head(torch.cat([y, e], dim=1))


def build_model(width=8):
    return Net(width)
"""


def _model_file(tmp_path: Path) -> Path:
    path = tmp_path / "models.py"
    path.write_text(MODEL_FILE)
    return path


def test_cli_imports_a_file_and_the_spec_answers_sizes(tmp_path: Path) -> None:
    src = _model_file(tmp_path)
    out = tmp_path / "model.yaml"
    args = ["import", f"{src}:build_model", "--args", "{width: 4}", "-i", "1x3x64x64"]
    result = runner.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    assert "parameters: spec 278 · model 278 — equal" in result.output
    assert "1x3x65x65: both fail at torch.cat in the model (SC102)" in result.output
    sizes = runner.invoke(app, ["sizes", str(out)])
    assert "H ≡ 0 (mod 2)" in sizes.output, sizes.output
    bad = runner.invoke(app, ["validate", str(out), "--input", "1x3x63x64"])
    assert bad.exit_code == 1


def test_cli_refuses_to_overwrite_the_model_source(tmp_path: Path) -> None:
    src = _model_file(tmp_path)
    before = src.read_text()
    result = runner.invoke(app, ["import", f"{src}:build_model", "-i", "1x3x8x8", "-o", str(src)])
    assert result.exit_code == 2
    assert "refusing to overwrite the model's source" in result.output
    assert src.read_text() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--args", "!!python/object/apply:os.system [echo hi]"], "is not allowed"),
        (["--args", "[1, 2]"], "--args must be a YAML mapping"),
        (["--args", "{nope: 1}"], "unexpected keyword argument 'nope'"),
        (["-i", "1x3xH"], "numbers only"),
    ],
)
def test_cli_bad_arguments_exit_2(tmp_path: Path, args: list[str], says: str) -> None:
    src = _model_file(tmp_path)
    full = ["import", f"{src}:build_model", "-i", "1x3x8x8", *args]
    result = runner.invoke(app, full)
    assert result.exit_code == 2, result.output
    assert says in result.output


def test_cli_cannot_map_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "m.py"
    src.write_text(
        "from torch import nn\n"
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.body = nn.Sequential(nn.Conv2d(3, 4, 1), nn.Unfold(2))\n"
        "    def forward(self, x):\n"
        "        return self.body(x)\n"
    )
    out = tmp_path / "m.yaml"
    result = runner.invoke(app, ["import", f"{src}:M", "-i", "1x3x8x8", "-o", str(out)])
    assert result.exit_code == 2
    assert "cannot be mapped: Unfold in body.1 (Unfold)" in result.output
    assert not out.exists()


class UpSample(nn.Module):
    """A module class named as an op reads (MONAI has one): its blocks take another name."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x: Any) -> Any:
        return torch.relu(self.conv(x))


def test_a_module_named_as_an_op_reads_folds_into_a_block_named_otherwise() -> None:
    model = nn.Sequential(UpSample(), UpSample(), UpSample())
    got = import_model(model, (1, 3, 8, 8), name="ups", source="test")
    assert "  UpSample_2:\n" in got.text and "  UpSample:\n" not in got.text
    assert check_spec("<t>", text=got.text).ok


def test_hostile_module_names_never_reach_the_yaml_unquoted() -> None:
    model = nn.Sequential()
    model.add_module("x: !!python/object #", nn.Conv2d(3, 4, 3))
    model.add_module("y: {a: [b", nn.ReLU())
    got = import_model(model, (1, 3, 8, 8), name="evil\n: [", source="a\nb: !!x")
    result = check_spec("<t>", text=got.text)
    assert result.ok and result.graph is not None
    assert result.graph.name == "evil\n: ["
    for line in got.text.splitlines():
        assert line.isprintable()
        if "!!" in line:  # only in comments, or inside the quoted description
            assert line.startswith(("#", 'description: "')) or "  # " in line


def test_no_model_found_is_a_clear_error() -> None:
    from skipcheck.torch.importer.load import load_factory

    with pytest.raises(SkipcheckError, match="module:callable"):
        load_factory("resnet18")
    with pytest.raises(SkipcheckError, match="no such file"):
        load_factory("nothere.py:build")


def test_a_size_that_runs_only_by_broadcasting_is_reported_as_the_specs_finding() -> None:
    class Stretch(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = nn.Conv2d(3, 3, 3, stride=2, padding=1)
            self.up = nn.Upsample(scale_factor=2)

        def forward(self, x: Any) -> Any:
            return self.up(self.down(x)) + x

    got = import_model(Stretch(), (1, 3, 2, 2), name="m", source="test")
    # at 1x1 torch stretches the skip's size-1 axes to the upsampled 2x2 and runs
    assert got.report[3] == (
        "1x3x1x1: the model runs only by broadcasting a size-1 axis in operator.add in the "
        "model; the spec reports it (SC102)"
    )
    assert got.report[2] == "1x3x3x3: both fail at operator.add in the model (SC102)"


def test_cli_opaque_marks_the_written_spec_partial(tmp_path: Path) -> None:
    src = tmp_path / "gated.py"
    src.write_text(
        "import torch\n"
        "from torch import nn\n"
        "class Gate(nn.Module):\n"
        "    def forward(self, x):\n"
        "        return x * torch.softmax(x.flatten(2), -1).view_as(x)\n"
        "class M(nn.Module):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.conv = nn.Conv2d(3, 4, 3, padding=1)\n"
        "        self.gate = Gate()\n"
        "    def forward(self, x):\n"
        "        return self.gate(self.conv(x))\n"
    )
    out = tmp_path / "gated.yaml"
    refused = runner.invoke(app, ["import", f"{src}:M", "-i", "1x3x8x8", "-o", str(out)])
    assert refused.exit_code == 2
    assert "in gate (Gate)" in refused.output and "--opaque gate=identity" in refused.output
    args = ["import", f"{src}:M", "-i", "1x3x8x8", "-o", str(out), "--opaque", "gate=identity"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "warning: the spec is partial (layers marked OPAQUE)" in result.output
    text = out.read_text()
    assert "# PARTIAL: layers marked OPAQUE are stated by --opaque" in text
    assert "- identity  # gate (Gate) OPAQUE" in text
    bad = runner.invoke(app, [*args[:-1], "nothere=identity"])
    assert bad.exit_code == 2 and "--opaque names no module of the model: nothere" in bad.output


@pytest.mark.parametrize("bilinear", [False, True], ids=["transposed", "bilinear"])
def test_milesial_unet_pads_to_the_skip(bilinear: bool) -> None:
    from tests.torch import unet_models

    got = imported(unet_models.UNet, (1, 3, 256, 256), bilinear=bilinear)
    # F.pad(x1, [diffX // 2, diffX - diffX // 2, ...]) then torch.cat([x2, x1]): align: pad
    assert "concat: {skip: skip, align: pad}" in got.text
    assert "  - stage: up1\n    layers:\n      - Up" in got.text
    assert got.parameters == (17_263_042 if bilinear else 31_037_698)
    model = instantiate(unet_models.UNet, {"bilinear": bilinear, "width": 2})
    narrow = import_model(model, (1, 3, 32, 32), name="m", source="test")
    cpu = unet_models.UNet(bilinear=bilinear, width=2)
    assert_sizes_match(narrow.text, cpu, (1, 3, 32, 32))


def test_padding_by_another_rule_is_refused() -> None:
    class Lopsided(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.down = nn.MaxPool2d(2)
            self.up = nn.Upsample(scale_factor=2)

        def forward(self, x: Any) -> Any:
            y = self.up(self.down(x))
            d = x.size()[2] - y.size()[2]
            y = torch.nn.functional.pad(y, [d, 0, d, 0])  # all of it at the near end
            return torch.cat([x, y], dim=1)

    with pytest.raises(CannotMap, match="by a rule other than half on each side"):
        import_model(Lopsided(), (1, 3, 16, 16), name="m", source="test")
