"""A PyTorch model where a spec goes (`validate model.py:UNet --input 1x3x250x250`): the
user's crashing U-Net is told where and why, at the user's own source line, with the valid
sizes and the nearest one — and torch, run on the CPU here, is the referee of each claim."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from skipcheck.torch.reference import is_model_reference
from tests.conftest import ROOT, SPECS

torch = pytest.importorskip("torch")

from tests.torch.zoo import unets  # noqa: E402

runner = CliRunner()
SOURCE = Path(unets.__file__).relative_to(ROOT)
UNET = f"{SOURCE}:UNet"


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def torch_stops_at(model: torch.nn.Module, size: int) -> tuple[int, str]:
    """The line of unets.py where torch itself (CPU, real numbers) raises, and its message."""
    with torch.no_grad(), pytest.raises(RuntimeError) as err:
        model.eval()(torch.zeros(1, 3, size, size))
    frames = [
        f for f in traceback.extract_tb(err.value.__traceback__) if f.filename == unets.__file__
    ]
    return frames[-1].lineno or 0, str(err.value).splitlines()[0]


def test_the_crashing_unet_is_told_at_the_users_line_with_the_valid_and_nearest_sizes() -> None:
    line, message = torch_stops_at(unets.UNet(), 250)
    assert "Sizes of tensors must match" in message
    code = inspect.getsourcelines(unets)[0][line - 1].strip()
    result = runner.invoke(app, ["validate", UNET, "--input", "1x3x250x250"])
    assert result.exit_code == 1, result.output
    out = result.output
    assert f"note: in your code: unets.py:{line} in UNet.forward: {code}" in out
    # torch's own words (on the meta device its message names the dimension)
    assert "note: torch at this size: RuntimeError: Sizes of tensors must match" in out
    assert "note: module: the model itself (UNet)" in out
    assert "valid input sizes: H, W ≡ 0 (mod 16)" in out
    assert "nearest to H = W = 250: 240, 256" in out
    # torch's message is told once, at the first error: where torch stops
    assert out.count("torch at this size:") == 1
    # the valid sizes are torch's: it runs at 240 and 256, and at no size between
    with torch.no_grad():
        model = unets.UNet().eval()
        for size in range(240, 257):
            try:
                model(torch.zeros(1, 3, size, size))
                ran = True
            except RuntimeError:
                ran = False
            assert ran == (size % 16 == 0), size


def test_fixes_say_what_to_change_in_the_pytorch_code() -> None:
    result = runner.invoke(app, ["fix", UNET, "--input", "1x3x250x250"])
    assert result.exit_code == 1, result.output
    source = inspect.getsourcelines(unets)[0]
    made = next(k for k, text in enumerate(source, 1) if "nn.ConvTranspose2d(w[i + 1]" in text)
    assert (
        "in your PyTorch code: nn.ConvTranspose2d(..., output_padding=1) for ups.0, made at "
        f"unets.py:{made} in UNet.__init__ (`nn.ConvTranspose2d(w[i + 1], w[i], kernel_size=2, "
        "stride=2)`)" in result.output
    ), result.output
    pool = next(k for k, text in enumerate(source, 1) if "self.pool = nn.MaxPool2d(2)" in text)
    assert (
        "in your PyTorch code: nn.MaxPool2d(..., ceil_mode=True) for pool, made at "
        f"unets.py:{pool} in UNet.__init__" in result.output
    )
    assert "--- a/" not in result.output  # no diff of the spec held in memory
    applied = runner.invoke(app, ["fix", UNET, "--input", "1x3x250x250", "--apply"])
    assert applied.exit_code == 2
    assert "is PyTorch code, not a spec file" in applied.output


def test_the_fix_it_states_is_one_torch_accepts() -> None:
    """The first fix (output_padding=1 on the deepest transposed conv) done in PyTorch: the
    model then runs where the fix says it does (H ≡ 8 mod 16, from 24 on)."""
    model = unets.UNet().eval()
    first = model.ups[0]
    model.ups[0] = torch.nn.ConvTranspose2d(
        first.in_channels, first.out_channels, 2, stride=2, output_padding=1
    )
    runs = set()
    with torch.no_grad():
        for size in range(8, 80):
            try:
                model(torch.zeros(1, 3, size, size))
            except RuntimeError:
                continue
            runs.add(size)
    assert runs == {n for n in range(8, 80) if n % 16 == 8 and n >= 24}


def test_a_size_where_it_runs_is_clean() -> None:
    result = runner.invoke(app, ["validate", UNET, "--input", "1x3x256x256"])
    assert result.exit_code == 0, result.output
    assert "in your code" not in result.output


def test_sizes_of_a_module_factory_with_args() -> None:
    result = runner.invoke(
        app,
        ["sizes", "tests.torch.zoo.unets:UNet", "--args", "{width: 4}", "--output-format", "json"],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.output)
    assert "≡ 0 (mod 16)" in json.dumps(doc, ensure_ascii=False)


def test_draw_takes_a_model(tmp_path: Path) -> None:
    out = tmp_path / "unet.svg"
    result = runner.invoke(app, ["draw", UNET, "--input", "1x3x250x250", "-o", str(out)])
    assert result.exit_code == 1, result.output  # a broken merge, drawn in red
    assert out.read_text().startswith("<svg")


def test_a_model_that_cannot_be_loaded_exits_2_with_the_reason(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", f"{SOURCE}:NoSuchNet", "--input", "1x3x64x64"])
    assert result.exit_code == 2
    assert "has no 'NoSuchNet'" in result.output
    result = runner.invoke(app, ["sizes", "no_such_package.models:Net"])
    assert result.exit_code == 2
    assert "cannot import no_such_package.models" in result.output


def test_a_model_reference_is_told_from_a_spec_file_by_its_form(tmp_path: Path) -> None:
    assert is_model_reference("model.py:UNet")
    assert is_model_reference("path/to/model.py:build.unet")
    assert is_model_reference("monai.networks.nets:UNet")
    assert not is_model_reference("specs/unet.yaml")
    assert not is_model_reference("model.py")
    assert not is_model_reference("-")
    assert not is_model_reference("a.yaml:3")
    odd = tmp_path / "weird.py:Net"  # a file of that name exists: it is the file
    odd.write_text("skipcheck: 1.0\n")
    assert not is_model_reference(str(odd))


def test_validate_on_yaml_does_not_import_torch() -> None:
    code = (
        "import sys; from skipcheck.batch import validate_command; "
        f"validate_command([{str(SPECS / 'unet_original.yaml')!r}], output_format='concise'); "
        "print('TORCH' if 'torch' in sys.modules else 'NO TORCH')"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip().endswith("NO TORCH"), out.stdout + out.stderr
