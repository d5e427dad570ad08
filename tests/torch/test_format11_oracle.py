"""Format-1.1 ops against torch layers built here, in the test, over a sweep of sizes.

The torch side never comes from skipcheck's ``torch_layer()``: each case builds its
own torch computation, so a wrong layer description cannot agree with itself.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional

Build = Callable[[int, int], "torch.nn.Module | Callable[[torch.Tensor], torch.Tensor]"]


def conv(rank: int, c_in: int, c_out: int, k: int, **kw: object) -> torch.nn.Module:
    return getattr(nn, f"Conv{rank}d")(c_in, c_out, k, **kw)


class Residual(nn.Module):
    """x merged with a shortcut that keeps the shape (a 1x1 conv to the same channels)."""

    def __init__(self, c: int, rank: int, merge: Callable[..., torch.Tensor]) -> None:
        super().__init__()
        self.body = nn.Identity()
        self.shortcut = conv(rank, c, c, 1)
        self.merge = merge

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.merge(self.body(x), self.shortcut(x))


def chlayernorm(c: int) -> Callable[[torch.Tensor], torch.Tensor]:
    norm = nn.LayerNorm(c)

    def run(x: torch.Tensor) -> torch.Tensor:
        return norm(x.movedim(1, -1)).movedim(-1, 1)

    run.norm = norm  # type: ignore[attr-defined]
    return run


CASES: list[tuple[str, Callable[[int, int], object]]] = [
    # (the layer as a spec writes it, torch built from (rank, input channels))
    ("tile: 3", lambda r, c: lambda x: x.repeat(1, 3, *[1] * r)),
    ("pad: {padding: 2, mode: reflect}", lambda r, c: getattr(nn, f"ReflectionPad{r}d")(2)),
    ("pad: {padding: 2, mode: circular}", lambda r, c: getattr(nn, f"CircularPad{r}d")(2)),
    ("pad: {padding: 3, mode: replicate}", lambda r, c: getattr(nn, f"ReplicationPad{r}d")(3)),
    (
        "conv: {out_channels: 2, kernel_size: 3, padding: 2, padding_mode: reflect}",
        lambda r, c: conv(r, c, 2, 3, padding=2, padding_mode="reflect"),
    ),
    (
        "conv: {out_channels: 2, kernel_size: 4, padding: same, padding_mode: circular}",
        lambda r, c: conv(r, c, 2, 4, padding="same", padding_mode="circular"),
    ),
    (
        "conv: {in_channels: 2, out_channels: 3, kernel_size: 1}",
        lambda r, c: conv(r, 2, 3, 1),
    ),
    (
        "conv_transpose: {in_channels: 2, out_channels: 3, kernel_size: 2, stride: 2}",
        lambda r, c: getattr(nn, f"ConvTranspose{r}d")(2, 3, 2, stride=2),
    ),
    ("batchnorm: {num_features: 2}", lambda r, c: getattr(nn, f"BatchNorm{r}d")(2).eval()),
    ("channel_layernorm", lambda r, c: chlayernorm(c)),
    (
        "residual: {body: [identity], shortcut: [{conv: {out_channels: C, kernel_size: 1}}], merge: sub}",
        lambda r, c: Residual(c, r, torch.sub),
    ),
    (
        "residual: {body: [identity], shortcut: [{conv: {out_channels: C, kernel_size: 1}}], merge: max}",
        lambda r, c: Residual(c, r, torch.maximum),
    ),
    (
        "residual: {body: [identity], shortcut: [{conv: {out_channels: C, kernel_size: 1}}], merge: mean}",
        lambda r, c: Residual(c, r, lambda a, b: (a + b) / 2),
    ),
]
SIZES = {1: range(1, 7), 2: range(1, 6), 3: range(1, 4)}


def parameters(built: object) -> int:
    modules = [built] if isinstance(built, nn.Module) else [getattr(built, "norm", nn.Identity())]
    return sum(p.numel() for m in modules for p in m.parameters())


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("channels", [2, 3])
@pytest.mark.parametrize(("layer", "make"), CASES, ids=[c[0].split("}")[0] for c in CASES])
def test_torch_built_here_agrees(
    layer: str, make: Callable[[int, int], object], rank: int, channels: int
) -> None:
    outcomes = set()
    for size in SIZES[rank]:
        dims = [1, channels, *([size] * (rank - 1)), size + 1]
        text = (
            f"skipcheck: 1.1\ninput: {dims}\nlayers:\n  - {layer.replace('C,', f'{channels},')}\n"
        )
        table = propagate(graph_of("oracle.yaml", text=text))
        built = make(rank, channels)
        try:
            with torch.no_grad():
                out = built(torch.randn(*dims))  # type: ignore[operator]
        except (RuntimeError, ValueError) as exc:
            assert table.errors, (dims, layer, f"torch refuses: {exc}")
            outcomes.add(False)
            continue
        assert not table.errors, (dims, layer, table.errors)
        assert table.shape_of(graph_of("o.yaml", text=text).out) == "×".join(map(str, out.shape))
        assert table.total_params == parameters(built), (dims, layer)
        outcomes.add(True)
    assert True in outcomes or "in_channels: 2" in layer or "num_features: 2" in layer
