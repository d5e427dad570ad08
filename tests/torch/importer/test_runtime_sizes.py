"""A resize to a size the model computes at run time from sizes (smp PAN's FPABlock:
``F.interpolate(x, size=(height // 4, width // 4))`` of its input's height): stated exactly —
as the tensor that has that size at every input size, or as a scale factor of the resized
tensor's own size — with torch as the referee of parameters, sizes and output shapes."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from skipcheck.torch.importer import CannotMap  # noqa: E402
from tests.torch.import_reference import (  # noqa: E402
    assert_outputs_match,
    imported,
    spec_heights,
    torch_heights,
)


class PyramidPool(nn.Module):
    """FPABlock's shape: pool twice, resize the deepest level to ``height // 4`` of the input
    (the size of the second pooled level, computed in Python), add, resize to ``height // 2``,
    add, resize to the input's size, gate."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.down1 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(8, 1, 7, padding=3))
        self.down2 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(1, 1, 5, padding=2))
        self.down3 = nn.Sequential(nn.MaxPool2d(2), nn.Conv2d(1, 1, 3, padding=1))
        self.conv2 = nn.Conv2d(1, 1, 5, padding=2)
        self.conv1 = nn.Conv2d(1, 1, 7, padding=3)
        self.mid = nn.Conv2d(8, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        _, _, height, width = x.shape
        x1 = self.down1(x)
        x2 = self.down2(x1)
        x3 = F.interpolate(self.down3(x2), size=(height // 4, width // 4), mode="bilinear")
        y = self.conv2(x2) + x3
        y = F.interpolate(y, size=(height // 2, width // 2), mode="bilinear")
        y = y + self.conv1(x1)
        y = F.interpolate(y, size=(height, width), mode="bilinear")
        return y * self.mid(x)


class ScaledBySize(nn.Module):
    """A resize to twice the tensor's own size, computed from its shape: a scale factor."""

    def __init__(self) -> None:
        super().__init__()
        self.down = nn.Conv2d(3, 4, 3, stride=2, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.down(x)
        return F.interpolate(y, size=(y.shape[2] * 2, y.shape[3] * 2))


class ThirdOfInput(nn.Module):
    """A resize to a third of the input's size: no tensor has it, and 1/3 is no exact factor."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, w = x.shape[2:]
        return F.interpolate(self.conv(x), size=(h // 3, w // 3))


@pytest.mark.parametrize("factory", [PyramidPool, ScaledBySize])
def test_a_size_computed_from_sizes_is_stated_exactly(factory: type) -> None:
    shape = (1, 3, 64, 64)
    got = imported(factory, shape)
    model = factory().eval()
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert spec_heights(got.text, 160) == torch_heights(model, shape, 160)
    assert_outputs_match(got.text, model, [(1, 3, h, 64) for h in (8, 31, 33, 64, 101)])


def test_the_pyramid_resizes_align_with_the_pooled_levels() -> None:
    text = imported(PyramidPool, (1, 3, 64, 64)).text
    # height // 4 is the second pooled level's size, height // 2 the first's, (height, width)
    # the stem's: each resize aligns with the merge that follows
    assert text.count("align: interpolate") == 3, text
    assert "skip: down2\n          align: interpolate" in text, text
    assert "skip: down1\n          align: interpolate" in text, text


def test_a_doubling_from_the_shape_is_a_scale_factor() -> None:
    text = imported(ScaledBySize, (1, 3, 64, 64)).text
    assert "upsample: {scale_factor: 2.0" in text, text


def test_a_size_no_tensor_has_is_refused_with_its_expression() -> None:
    with pytest.raises(CannotMap) as err:
        imported(ThirdOfInput, (1, 3, 64, 64))
    message = str(err.value)
    assert "F.interpolate" in message
    assert "//3" in message.replace(" ", "") or "/3" in message.replace(" ", ""), message
    assert "neither another tensor's spatial size nor this tensor's scaled" in message
