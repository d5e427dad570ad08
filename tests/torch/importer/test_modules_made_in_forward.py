"""A module made inside forward and called at once, and channels padded with zeros made from
the sizes: ResNet's parameter-free shortcut "A" as MONAI writes it
(``get_pool_layer(("avg", {"kernel_size": 1, "stride": 2}))(x)``, then
``torch.cat([out, torch.zeros(N, planes - C, *out.shape[2:])], 1)``) — imported exactly, with
torch as the referee."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from tests.torch.import_reference import (  # noqa: E402
    assert_outputs_match,
    imported,
    spec_heights,
    torch_heights,
)


class _Block(nn.Module):
    def __init__(self, cin: int, planes: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride=stride, padding=1)
        self.conv2 = nn.Conv2d(planes, planes, 3, padding=1)
        self.planes, self.stride = planes, stride
        self.relu = nn.ReLU()

    def shortcut(self, x: torch.Tensor) -> torch.Tensor:
        out = nn.AvgPool2d(kernel_size=1, stride=self.stride)(x)  # made here, not a submodule
        zeros = torch.zeros(
            out.size(0),
            self.planes - out.size(1),
            *out.shape[2:],
            dtype=out.dtype,
            device=out.device,
        )
        return torch.cat([out.data, zeros], dim=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.relu(self.conv2(self.relu(self.conv1(x))) + self.shortcut(x))


class ShortcutAResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.layer1 = _Block(8, 16, 2)
        self.layer2 = _Block(16, 32, 2)
        self.head = nn.Conv2d(32, 2, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.layer2(self.layer1(self.stem(x))))


def test_a_pool_made_in_forward_and_zero_channels_import_exactly() -> None:
    shape = (1, 3, 32, 32)
    got = imported(ShortcutAResNet, shape)
    model = ShortcutAResNet().eval()
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert "- channel_pad: {after: " in got.text, got.text
    assert "- avgpool: {kernel_size: 1, stride: 2}" in got.text, got.text
    assert spec_heights(got.text, 100) == torch_heights(model, shape, 100)
    assert_outputs_match(got.text, model, [(1, 3, h, 32) for h in (1, 2, 7, 32, 33)])
