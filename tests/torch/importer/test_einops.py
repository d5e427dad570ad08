"""`skipcheck import` on einops rearranges: one that flattens all but the batch is `flatten`,
one that permutes into a channels-last view and back around layers on the channels is those
layers on the channels — as the einops ``Rearrange`` layer and as ``einops.rearrange`` in
forward. torch is the referee (parameters, the heights that run, the output shapes); any
other pattern (a token layout, a patch split) is refused with the pattern named."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
einops = pytest.importorskip("einops")

from einops.layers.torch import Rearrange  # noqa: E402
from torch import nn  # noqa: E402

from skipcheck.check import Options, check_spec  # noqa: E402
from skipcheck.torch.importer import import_model  # noqa: E402
from skipcheck.torch.importer.capture import CannotMap  # noqa: E402
from skipcheck.torch.importer.rearrange import equivalent  # noqa: E402
from tests.torch.importer.test_values import _referee  # noqa: E402


class _Classifier(nn.Module):
    """A conv stem, a global pool and a Linear head on the flattened map ([N, 8, 1, 1] →
    [N, 8]); ``pooled=False`` flattens the whole map (the head then fits one size only)."""

    def __init__(self, functional: bool, pooled: bool = True) -> None:
        super().__init__()
        self.functional = functional
        self.conv = nn.Conv2d(3, 8, 3, stride=2)
        self.pool = nn.AdaptiveAvgPool2d(1) if pooled else nn.Identity()
        self.flat = Rearrange("b c h w -> b (c h w)")
        self.fc = nn.Linear(8 if pooled else 8 * 8 * 8, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.pool(self.conv(x))
        x = einops.rearrange(x, "b c h w -> b (c h w)") if self.functional else self.flat(x)
        return self.fc(x)


class _Block(nn.Module):
    """ConvNeXt's block written with einops: a depthwise conv, then a LayerNorm and an MLP in
    a channels-last view, permuted back and added to the input; a strided conv before it
    makes the heights that run a real question."""

    def __init__(self, functional: bool, c: int = 8) -> None:
        super().__init__()
        self.functional = functional
        self.down = nn.Conv2d(3, c, 3, stride=2)
        self.dw = nn.Conv2d(c, c, 7, padding=3, groups=c)
        self.last = Rearrange("b c h w -> b h w c")
        self.norm = nn.LayerNorm(c)
        self.up = nn.Linear(c, 4 * c)
        self.act = nn.GELU()
        self.back = nn.Linear(4 * c, c)
        self.first = Rearrange("b h w c -> b c h w")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.down(x)
        y = self.dw(x)
        y = einops.rearrange(y, "b c h w -> b h w c") if self.functional else self.last(y)
        y = self.back(self.act(self.up(self.norm(y))))
        y = einops.rearrange(y, "b h w c -> b c h w") if self.functional else self.first(y)
        return x + y


class _Norm3d(nn.Module):
    """A channel LayerNorm on a volume (SwinUNETR's 'b c d h w -> b d h w c')."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv3d(2, 4, 3, stride=2, padding=1)
        self.norm = nn.LayerNorm(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = einops.rearrange(self.conv(x), "b c d h w -> b d h w c")
        return einops.rearrange(self.norm(x), "b d h w c -> b c d h w")


@pytest.mark.parametrize("functional", [False, True], ids=["Rearrange", "rearrange"])
def test_a_rearrange_that_flattens_all_but_the_batch_is_flatten(functional: bool) -> None:
    text = _referee(_Classifier(functional), (1, 3, 16, 16))
    assert "      - flatten" in text, text
    if not functional:  # a step of the model itself carries no comment
        assert "- flatten  # flat (einops 'b c h w -> b (c h w)')" in text, text


@pytest.mark.parametrize("functional", [False, True], ids=["Rearrange", "rearrange"])
def test_a_flatten_of_the_whole_map_into_a_linear_is_imported_at_the_example(
    functional: bool,
) -> None:
    """The head fits one map size: sizes are not exact over heights here (a product of two
    input sizes), so torch referees the parameters and the output shape at the example."""
    model = _Classifier(functional, pooled=False).eval()
    got = import_model(model, (2, 3, 17, 17), name="m", source="t")
    assert got.parameters == sum(p.numel() for p in model.parameters())
    result = check_spec("m", Options(input_shape=(2, 3, 17, 17)), text=got.text)
    with torch.no_grad():
        want = tuple(model(torch.zeros(2, 3, 17, 17, device="meta")).shape)
    assert result.output_shape() == "×".join(map(str, want)), got.text


@pytest.mark.parametrize("functional", [False, True], ids=["Rearrange", "rearrange"])
def test_a_rearrange_into_channels_last_and_back_is_the_layers_on_the_channels(
    functional: bool,
) -> None:
    text = _referee(_Block(functional), (1, 3, 20, 20))
    assert "channel_layernorm" in text, text
    assert "in_channels: 8, out_channels: 32, kernel_size: 1" in text, text


def test_a_rearrange_of_a_volume_into_channels_last_and_back() -> None:
    text = _referee(_Norm3d(), (1, 2, 12, 10, 10))
    assert "channel_layernorm" in text, text


@pytest.mark.parametrize(
    "pattern",
    [
        "b c h w -> b (h w) c",  # ViT's tokens
        "b c (h p) (w q) -> b (h w) (p q c)",  # a patch split
        "b c h w -> b c w h",  # a permute, but not into a channels-last view
        "b c h w -> b (c h) w",  # a flatten of some axes only
    ],
)
@pytest.mark.parametrize("functional", [False, True], ids=["Rearrange", "rearrange"])
def test_other_patterns_are_refused_with_the_pattern(pattern: str, functional: bool) -> None:
    lengths = {"p": 2, "q": 2} if "(h p)" in pattern else {}

    class Tokens(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed = nn.Conv2d(3, 8, 3, padding=1)
            self.tokens = Rearrange(pattern, **lengths)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = self.embed(x)
            if functional:
                return einops.rearrange(x, pattern, **lengths)
            return self.tokens(x)

    with pytest.raises(CannotMap) as err:
        import_model(Tokens(), (1, 3, 16, 16), name="m", source="t")
    message = str(err.value)
    assert f"einops {pattern!r}" in message, message
    assert "token layout" in message or "a reshape other than" in message, message
    assert "KeyError" not in message, message
    if not functional:
        assert "in tokens (Rearrange)" in message, message


@pytest.mark.parametrize(
    ("pattern", "rank", "want"),
    [
        ("b c h w -> b (c h w)", 4, ("flatten", [])),
        ("b c d h w -> b (c d h w)", 5, ("flatten", [])),
        ("b c h w -> b h w c", 4, ("permute", [0, 2, 3, 1])),
        ("n c h w -> n w c h", 4, ("permute", [0, 3, 1, 2])),
        ("b c h w -> b (h w c)", 4, None),  # grouped out of order: not torch.flatten
        ("b c h w -> b (h w) c", 4, None),
        ("b c h w -> b h w c", 5, None),  # another rank than the tensor's
        ("b ... -> b (...)", 4, None),
        ("b c 1 w -> b c w", 4, None),
        ("b c h h -> b c h h", 4, None),
        ("b c h w", 4, None),
    ],
)
def test_which_patterns_are_a_torch_op(
    pattern: str, rank: int, want: tuple[str, list[int]] | None
) -> None:
    assert equivalent(pattern, rank) == want


def test_a_rearrange_made_in_forward_is_the_op_its_pattern_is() -> None:
    """``Rearrange(...)(x)`` made inside forward: not the model's module, traced through."""

    class Head(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, stride=2)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(8, 10)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.fc(Rearrange("b c h w -> b (c h w)")(self.pool(self.conv(x))))

    assert "      - flatten" in _referee(Head(), (1, 3, 16, 16))


def test_swinunetrs_proj_out_is_a_channel_layernorm_without_weights() -> None:
    """MONAI SwinUNETR's ``proj_out``: ``rearrange`` to channels-last, ``F.layer_norm(x,
    [ch])`` with no weights, ``rearrange`` back."""
    import torch.nn.functional as F

    class ProjOut(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3, stride=2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = einops.rearrange(self.conv(x), "n c h w -> n h w c")
            x = F.layer_norm(x, [8])
            return einops.rearrange(x, "n h w c -> n c h w")

    text = _referee(ProjOut(), (1, 3, 15, 15))
    assert "channel_layernorm: {elementwise_affine: false, bias: false}" in text, text
