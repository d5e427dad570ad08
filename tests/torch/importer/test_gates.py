"""`skipcheck import` on channel gates computed on a (N, C) vector — squeeze-and-excitation as
senet.pytorch and MONAI's ChannelSELayer write it, CBAM's channel attention — which the spec
states as 1x1 layers on the pooled map (``gates.py``). Hand-written models in each repository's
style, with torch as the referee: the import succeeds, the parameter count is the model's, the
heights ``skipcheck sizes`` derives are the heights where torch runs the original model, and
the output shapes are torch's."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402

from skipcheck.check import Options, check_spec  # noqa: E402
from skipcheck.torch.importer import import_model  # noqa: E402
from skipcheck.torch.importer.capture import CannotMap  # noqa: E402
from tests.torch.import_reference import spec_heights  # noqa: E402

HI = 64  # heights 1..HI, brute force (the width held at the example's)


def _referee(model: nn.Module, shape: tuple[int, ...]) -> str:
    """Import ``model`` and hold the spec against torch (on the CPU, a copy made before the
    import moves the model to meta); the spec's text."""
    cpu = type(model)(*model.args).eval()  # type: ignore[operator]
    cpu.load_state_dict(model.state_dict())
    got = import_model(model.eval(), shape, name="m", source="test")
    assert got.parameters == sum(p.numel() for p in cpu.parameters())
    runs = set()
    with torch.no_grad():
        for h in range(1, HI + 1):
            try:
                cpu(torch.zeros(shape[0], shape[1], h, *shape[3:]))
            except (RuntimeError, ValueError):
                continue
            runs.add(h)
    assert runs, "the model runs at no height: the example is wrong"
    assert spec_heights(got.text, HI) == runs
    ordered = sorted(runs)
    for h in {ordered[0], ordered[len(ordered) // 2], ordered[-1], HI + 1}:
        at = (shape[0], shape[1], h, *shape[3:])
        result = check_spec("m", Options(input_shape=at), text=got.text)
        try:
            with torch.no_grad():
                want = tuple(cpu(torch.zeros(*at)).shape)
        except RuntimeError:
            assert result.errors, h
            continue
        assert not result.errors, (h, [d.message for d in result.errors])
        assert result.output_shape() == "×".join(map(str, want)), h
    return got.text


class _Net(nn.Module):
    """A stem, a gated block with a residual, a strided conv: ``gate`` is the block under test."""

    def __init__(self, gate: type[nn.Module], *args: object) -> None:
        super().__init__()
        self.args = (gate, *args)
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
        self.gate = gate(16, *args)
        self.down = nn.Conv2d(16, 8, 3, stride=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return self.down(self.gate(x) + x)


class SELayer(nn.Module):
    """senet.pytorch's SELayer (moskomule): ``view(b, c)``, Linears, ``view(b, c, 1, 1)``,
    ``expand_as``."""

    def __init__(self, channel: int, reduction: int = 4) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channel, channel // reduction, bias=False),
            nn.ReLU(inplace=True),
            nn.Linear(channel // reduction, channel, bias=False),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c, _, _ = x.size()
        y = self.avg_pool(x).view(b, c)
        y = self.fc(y).view(b, c, 1, 1)
        return x * y.expand_as(x)


class ChannelSELayer(nn.Module):
    """MONAI's ChannelSELayer: ``b, c = x.shape[:2]``, ``view([b, c] + [1] * (ndim - 2))``."""

    def __init__(self, channel: int, style: str = "view") -> None:
        super().__init__()
        self.style = style
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Sequential(
            nn.Linear(channel, channel // 2),
            nn.ReLU(inplace=True),
            nn.Linear(channel // 2, channel),
            nn.Sigmoid(),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, c = x.shape[:2]
        if self.style == "view":
            y = self.fc(self.avg_pool(x).view(b, c)).view([b, c] + [1] * (x.ndimension() - 2))
        elif self.style == "flatten-none":  # torch.flatten, then [:, :, None, None]
            y = self.fc(torch.flatten(self.avg_pool(x), 1))[:, :, None, None]
        elif self.style == "squeeze-unsqueeze":
            y = self.fc(self.avg_pool(x).squeeze(-1).squeeze(-1)).unsqueeze(-1).unsqueeze(-1)
        else:  # a mean over the spatial axes, and a BatchNorm1d on the vector
            y = self.fc(x.mean((2, 3))).reshape(b, c, 1, 1)
        return x * y


def _mlp(channel: int, reduction: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(channel, channel // reduction),
        nn.ReLU(),
        nn.Linear(channel // reduction, channel),
    )


class ChannelAttention(nn.Module):
    """CBAM's channel attention (Woo et al. 2018, the common PyTorch port): an MLP of Linears
    on the average- and max-pooled vectors, summed, a sigmoid, ``expand_as``. CBAM shares
    one MLP between the two (``shared``); a spec cannot share weights (format 1.1), so this
    variant gives each pooled vector its own."""

    def __init__(self, channel: int, reduction: int = 4, shared: bool = False) -> None:
        super().__init__()
        self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.max_pool = nn.AdaptiveMaxPool2d(1)
        self.mlp = _mlp(channel, reduction)
        self.mlp_max = self.mlp if shared else _mlp(channel, reduction)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        att = self.mlp(self.avg_pool(x)) + self.mlp_max(self.max_pool(x))
        scale = torch.sigmoid(att).unsqueeze(2).unsqueeze(3).expand_as(x)
        return x * scale


class NormedGate(nn.Module):
    """A gate with a BatchNorm1d and a LayerNorm on the vector, and F.relu."""

    def __init__(self, channel: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(channel, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, channel)
        self.ln = nn.LayerNorm(channel)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.adaptive_avg_pool2d(x, 1).flatten(1)
        y = self.ln(self.fc2(F.relu(self.bn(self.fc1(y)))))
        return x * y.sigmoid().view(x.size(0), -1, 1, 1)


@pytest.mark.parametrize(
    ("gate", "args"),
    [
        pytest.param(SELayer, (), id="senet-pytorch"),
        pytest.param(ChannelSELayer, ("view",), id="monai-view"),
        pytest.param(ChannelSELayer, ("flatten-none",), id="flatten-index-none"),
        pytest.param(ChannelSELayer, ("squeeze-unsqueeze",), id="squeeze-unsqueeze"),
        pytest.param(ChannelSELayer, ("mean",), id="mean-reshape"),
        pytest.param(ChannelAttention, (), id="cbam-channel-attention"),
        pytest.param(NormedGate, (), id="norms-on-the-vector"),
    ],
)
def test_a_gate_on_the_vector_is_1x1_layers_on_the_pooled_map(
    gate: type[nn.Module], args: tuple[object, ...]
) -> None:
    text = _referee(_Net(gate, *args), (1, 3, 24, 24))
    # a Linear(c, k) on the squeezed vector is the 1x1 conv of the same weights
    assert "conv: {in_channels: 16, out_channels:" in text and "kernel_size: 1" in text
    assert "linear" not in text and "flatten" not in text
    assert "- mul:" in text or "mul: " in text


class _Pooled(nn.Module):
    """A conv, a pool to 1x1 and the layers on its vector (``fc``): the models below."""

    def __init__(self, conv: nn.Module, fc: nn.Module, pool: nn.Module | None = None) -> None:
        super().__init__()
        self.args = ()
        self.conv = conv
        self.pool = pool if pool is not None else nn.AdaptiveAvgPool2d(1)
        self.fc = fc


class SE3d(_Pooled):
    """MONAI's ChannelSELayer with spatial_dims=3: the map is (N, C, 1, 1, 1)."""

    def __init__(self) -> None:
        fc = nn.Sequential(nn.Linear(8, 2), nn.ReLU(), nn.Linear(2, 8), nn.Sigmoid())
        super().__init__(nn.Conv3d(1, 8, 3), fc, nn.AdaptiveAvgPool3d(1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        b, c = x.shape[:2]
        y = self.fc(self.pool(x).view(b, c)).view([b, c] + [1] * (x.ndimension() - 2))
        return x * y


def test_a_3d_gate() -> None:
    text = _referee(SE3d(), (1, 1, 12, 12, 12))
    assert text.count("kernel_size: 1") == 2


class Classifier(_Pooled):
    """pool → flatten → Linear, an (N, K) output: not a gate, still flatten and linear."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(3, 8, 3), nn.Linear(8, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.pool(self.conv(x)).view(x.size(0), -1))


def test_a_classifier_head_is_still_flatten_and_linear() -> None:
    text = _referee(Classifier(), (1, 3, 16, 16))
    assert "- flatten" in text and "- linear: {in_features: 8, out_features: 4}" in text


class ReshapedClassifier(_Pooled):
    """MONAI's Classifier: its last Linear's (N, K), reshaped by ``Reshape`` to (N, K)."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(3, 8, 3), nn.Linear(8, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(self.pool(self.conv(x)).flatten(1))
        shape = [4]
        return y.reshape([y.shape[0], *shape])


def test_a_linears_output_viewed_as_itself_is_that_output() -> None:
    text = _referee(ReshapedClassifier(), (1, 3, 16, 16))
    assert "reshape" not in text.lower()


class SoftmaxGate(_Pooled):
    """A gate whose vector goes through a softmax over its last axis: that axis is the
    channels only while the vector is (N, C), not on the 1x1 map."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(3, 8, 3), nn.Linear(8, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        y = torch.softmax(self.fc(x.mean((2, 3))), dim=-1)
        return x * y[:, :, None, None]


class GateOfOneChannel(_Pooled):
    """A vector indexed to one channel before the view back: not a step on the channels."""

    def __init__(self) -> None:
        super().__init__(nn.Conv2d(3, 8, 3), nn.Linear(8, 8))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(x)
        y = self.fc(x.mean((2, 3)))
        return x * y[:, :, None, None] + x * y[:, :1, None, None]


def test_cbams_shared_mlp_is_refused_as_weight_sharing() -> None:
    # the shared MLP is called on both pooled vectors: a spec layer holds its own weights
    model = _Net(ChannelAttention, 4, True).eval()
    with pytest.raises(CannotMap, match=r"gate\.mlp\.1 \(Linear\) is called 2 times with the same"):
        import_model(model, (1, 3, 16, 16), name="m", source="test")


@pytest.mark.parametrize("model", [SoftmaxGate, GateOfOneChannel])
def test_what_a_gate_does_to_the_vector_besides_is_refused_with_the_reason(model: type) -> None:
    with pytest.raises(CannotMap, match=r"reads a \(N, C\) vector squeezed from a 1x1 map"):
        import_model(model().eval(), (1, 3, 16, 16), name="m", source="test")
