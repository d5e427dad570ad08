"""Token layouts (a ViT's patches, Swin's windows, an attention over flattened positions) are
refused with the module, the op and the reason in plain words — never as the KeyError einops
raises on a traced value."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch import nn  # noqa: E402

from skipcheck.torch.importer import CannotMap, import_model  # noqa: E402


class PositionAttention(nn.Module):
    """smp MAnet's PABBlock: an attention over the flattened positions whose output has the
    input's shape."""

    def __init__(self, c: int = 8) -> None:
        super().__init__()
        self.top = nn.Conv2d(c, c // 2, 1)
        self.center = nn.Conv2d(c, c // 2, 1)
        self.bottom = nn.Conv2d(c, c, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        top = self.top(x).flatten(2)
        center = self.center(x).flatten(2).transpose(1, 2)
        attention = torch.softmax(torch.matmul(center, top), dim=-1)
        out = torch.matmul(attention, self.bottom(x).flatten(2).transpose(1, 2))
        return x + out.transpose(1, 2).reshape(n, c, h, w)


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.attn = PositionAttention()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.attn(self.stem(x))


def test_an_attention_over_positions_is_refused_as_a_token_layout() -> None:
    with pytest.raises(CannotMap) as err:
        import_model(Net(), (1, 3, 16, 16), name="m", source="t")
    message = str(err.value)
    assert "in attn (PositionAttention)" in message, message
    assert "a token layout" in message and "[N, C, *spatial]" in message, message


def test_an_einops_rearrange_is_refused_with_its_pattern() -> None:
    einops = pytest.importorskip("einops.layers.torch")

    class Patches(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Conv2d(3, 8, 4, stride=4)
            self.tokens = einops.Rearrange("b c h w -> b (h w) c")
            self.mix = nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.mix(self.tokens(self.embed(x)))

    with pytest.raises(CannotMap) as err:
        import_model(Patches(), (1, 3, 16, 16), name="m", source="t")
    message = str(err.value)
    assert "einops 'b c h w -> b (h w) c' in tokens (Rearrange)" in message, message
    assert "a token layout" in message, message
    assert "KeyError" not in message
