"""`skipcheck import` on models that compute with their own sizes in Python, the lines of the
model's source behind every spec line, and the mappings real models need — each a small
hand-written torch model, with torch as the referee."""

from __future__ import annotations

import inspect

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from skipcheck.torch.importer import Origin, import_model  # noqa: E402


class _Skip(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 8, 3, stride=2, padding=1)
        self.up = nn.ConvTranspose2d(8, 8, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.down(x))
        return torch.cat([y, x], dim=1)  # the merge's own line


def _line_of(cls: type, text: str) -> int:
    lines, first = inspect.getsourcelines(cls)
    return first + next(k for k, line in enumerate(lines) if text in line)


def test_every_layer_and_merge_names_the_users_source_line() -> None:
    got = import_model(_Skip(), (1, 3, 32, 32), name="m", source="test")
    lines = got.text.splitlines()
    concat = next(k for k, line in enumerate(lines, 1) if "- concat:" in line)
    origin = got.origins[concat]
    assert origin == Origin(
        file=__file__,
        line=_line_of(_Skip, "torch.cat([y, x]"),
        function="_Skip.forward",
        code="return torch.cat([y, x], dim=1)  # the merge's own line",
        module="",
    )
    conv = next(k for k, line in enumerate(lines, 1) if "- conv:" in line)
    assert got.origins[conv].module == "down"
    assert got.origins[conv].code == "y = self.up(self.down(x))"
    assert str(origin).startswith("test_import_capture.py:")


def _raising_factory(width: int = 4) -> nn.Module:
    weight = torch.empty(width, 3)
    return nn.Linear(3, width).to(weight @ torch.empty(2, 2))  # shapes cannot be multiplied


def test_a_factory_that_raises_shows_the_python_error_and_the_users_frame() -> None:
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch.importer import instantiate

    with pytest.raises(SkipcheckError) as caught:
        instantiate(_raising_factory, {})
    message = str(caught.value)
    assert message.startswith("calling _raising_factory(**args) raised RuntimeError: mat1")
    assert "frame #" not in message and "Exception raised from" not in message
    line = _line_of_function(_raising_factory, "weight @ torch.empty")
    assert f"(at test_import_capture.py:{line} in _raising_factory: return nn.Linear" in message


def _line_of_function(fn: object, text: str) -> int:
    lines, first = inspect.getsourcelines(fn)  # type: ignore[arg-type]
    return first + next(k for k, line in enumerate(lines) if text in line)


def _cpp_error_factory() -> nn.Module:
    # what torch's c10 errors read like with TORCH_SHOW_CPP_STACKTRACES (torchvision's
    # "operator torchvision::nms does not exist" printed 60 frames of this)
    frames = "\n".join(f"frame #{k}: c10::fn{k}() + 0x{k:x}" for k in range(60))
    raise RuntimeError(
        "operator torchvision::nms does not exist\n"
        f"Exception raised from findSchemaOrThrow at dispatch.cpp:12 (most recent call first):\n{frames}"
    )


def test_a_cpp_backtrace_is_cut_to_the_python_message() -> None:
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch.importer import instantiate

    with pytest.raises(SkipcheckError) as caught:
        instantiate(_cpp_error_factory, {})
    message = str(caught.value)
    assert message.startswith(
        "calling _cpp_error_factory(**args) raised RuntimeError: operator torchvision::nms "
        "does not exist (at test_import_capture.py:"
    )
    assert "frame #" not in message and "c10::" not in message
    assert "in _cpp_error_factory: raise RuntimeError(" in message


# -- Python on sizes: each pattern in a small U-Net-like model, torch as the referee --------


def _meta_heights(model: nn.Module, channels: int, width: int, hi: int) -> set[int]:
    """The heights in 1..hi where torch runs the model (CPU, zeros, eval)."""
    runs = set()
    with torch.no_grad():
        for h in range(1, hi + 1):
            try:
                out = model.eval()(torch.zeros(1, channels, h, width))
            except (RuntimeError, ValueError, IndexError, AssertionError):
                continue
            if out.numel() > 0:
                runs.add(h)
    return runs


def _spec_heights(text: str, hi: int) -> set[int]:
    from tests.torch.import_reference import spec_heights

    return spec_heights(text, hi)


class _Down(nn.Module):
    def __init__(self, c: int) -> None:
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(torch.relu(self.conv(x)))


class _DivisibleBy16(nn.Module):
    """smp's base model: ``if h % output_stride != 0 or w % output_stride != 0: raise``."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)
        self.up = nn.ConvTranspose2d(4, 4, 2, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[-2:]
        if h % 16 != 0 or w % 16 != 0:
            raise ValueError(f"sizes must be divisible by 16, got {h}x{w}")
        x = self.stem(x)
        return torch.cat([self.up(self.down(x)), x], dim=1)


class _LenShape(nn.Module):
    """MONAI's UpCat: ``dimensions = len(x.shape) - 2`` picks the code path."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        dimensions = len(x.shape) - 2
        y = self.down(x)
        mode = "bilinear" if dimensions == 2 else "trilinear"
        return torch.cat([x, F.interpolate(y, scale_factor=2, mode=mode)], dim=1)


class _ShapeArithmetic(nn.Module):
    """Sizes unpacked and used in Python: ``h, w = skip.shape[2:]``, then ``size=(h, w)``."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = nn.Conv2d(4, 4, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.stem(x)
        h, w = skip.shape[2:]
        y = F.interpolate(self.down(skip), size=(h, w), mode="nearest")
        return y + skip


class _NumpyShape(nn.Module):
    """``np.array(x.shape)`` for the size to resize to."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = nn.Conv2d(4, 4, 3, stride=3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        import numpy as np

        skip = self.stem(x)
        size = np.array(skip.shape[2:])
        y = F.interpolate(self.down(skip), size=tuple(size))
        return torch.cat([y, skip], dim=1)


class _AsTensorCheck(nn.Module):
    """``torch.as_tensor`` of a size, checked in Python."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (torch.as_tensor(x.shape[2:]) % 8 != 0).any():
            raise ValueError("the input must be a multiple of 8")
        x = self.stem(x)
        return x + F.interpolate(self.down(x), scale_factor=2)


class _SizeCompare(nn.Module):
    """``if out.size() != skip.size(): raise`` — the model's own check of its skip: even sizes."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)
        self.down = _Down(4)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skip = self.stem(x)
        out = self.up(self.down(skip))
        if out.size() != skip.size():
            raise ValueError(f"{out.size()} != {skip.size()}")
        return torch.cat([out, skip], dim=1)


class _MinimumSize(nn.Module):
    """A bound: ``if h < 24 or w < 24: raise``."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        if h < 24 or w < 24:
            raise ValueError("too small")
        return self.stem(x)


PATTERNS = {
    "divisible_check": (_DivisibleBy16, ["H % 16 == 0", "W % 16 == 0"]),
    "len_shape": (_LenShape, []),
    "shape_arithmetic": (_ShapeArithmetic, []),
    "numpy_shape": (_NumpyShape, []),
    "as_tensor_check": (_AsTensorCheck, ["H % 8 == 0", "W % 8 == 0"]),
    "size_compare": (_SizeCompare, ["H % 2 == 0", "W % 2 == 0"]),
    "minimum_size": (_MinimumSize, ["H >= 24", "W >= 24"]),
}


@pytest.mark.parametrize("pattern", list(PATTERNS))
def test_python_on_sizes_imports_and_sizes_equal_brute_force(pattern: str) -> None:
    cls, requires = PATTERNS[pattern]
    model = cls()
    got = import_model(model, None, name=pattern, source="test")  # no example size given
    assert got.parameters == sum(p.numel() for p in model.parameters())
    stated = [line for line in got.text.splitlines() if line.startswith("  - {condition:")]
    assert [line.split('"')[1] for line in stated] == requires
    hi = 80
    assert _spec_heights(got.text, hi) == _meta_heights(cls(), 3, 256, hi)


def test_a_requirement_names_the_models_source_line() -> None:
    got = import_model(_DivisibleBy16(), None, name="m", source="test")
    lines = got.text.splitlines()
    at = next(k for k, line in enumerate(lines, 1) if '"H % 16 == 0"' in line)
    origin = got.origins[at]
    assert origin.function == "_DivisibleBy16.forward"
    assert origin.code == "if h % 16 != 0 or w % 16 != 0:"
    assert origin.line == _line_of(_DivisibleBy16, "if h % 16 != 0")
    assert (
        f'source: "test_import_capture.py:{origin.line} in _DivisibleBy16.forward' in lines[at - 1]
    )
    # the other sizes of the proof: where the model's own check refuses, the spec's too
    assert any(line.startswith("1x3x257x257: both fail") for line in got.report)


class _PadIfOdd(nn.Module):
    """MONAI's UpCat: ``if x_e.shape[-1] != x_0.shape[-1]: pad`` — the size picks a path."""

    def __init__(self) -> None:
        super().__init__()
        self.down = _Down(3)
        self.up = nn.Upsample(scale_factor=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.up(self.down(x))
        if y.shape[-1] != x.shape[-1]:
            y = F.pad(y, [0, 1])
        return torch.cat([x, y], dim=1)


def test_a_branch_on_the_input_size_is_refused_at_the_users_line() -> None:
    from skipcheck.torch.importer import CannotMap

    with pytest.raises(CannotMap) as caught:
        import_model(_PadIfOdd(), (1, 3, 64, 64), name="m", source="test")
    message = str(caught.value)
    line = _line_of(_PadIfOdd, "if y.shape[-1] != x.shape[-1]")
    assert f"at test_import_capture.py:{line} in _PadIfOdd.forward" in message
    assert "the model branches on its input size" in message
    assert "at 1x3x64x65 the model runs another" in message
