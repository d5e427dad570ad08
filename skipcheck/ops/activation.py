"""Element-wise layers that keep the shape: activations, dropout, identity, softmax."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from skipcheck.core.graph import Node
from skipcheck.ops.base import Op, Param, Shape, Sizes, TorchLayer
from skipcheck.rules import NotAnAxis, PReLUParameters
from skipcheck.shapes.dims import concrete

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context


class Elementwise(Op):
    """A shape-keeping layer; ``torch_name`` is the nn class it builds."""

    name = "identity"
    doc = "nn.Identity."
    torch_name = "Identity"
    min_rank = 0

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        return inputs[0]

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        kwargs = self.torch_kwargs(node, *(p.name for p in self.params))
        return TorchLayer(f"nn.{self.torch_name}", (), kwargs)


def _make(
    name: str,
    torch_name: str,
    params: tuple[Param, ...] = (),
    primary: str | None = None,
    doc: str = "",
) -> type[Elementwise]:
    attrs = {
        "name": name,
        "doc": doc or f"nn.{torch_name}.",
        "torch_name": torch_name,
        "params": params,
        "primary": primary,
        "__module__": __name__,
    }
    return type(torch_name, (Elementwise,), attrs)


class Softmax(Elementwise):
    name = "softmax"
    doc = "nn.Softmax over one axis (dim counts N as 0; negative counts from the end)."
    torch_name = "Softmax"
    params = (Param("dim", "int", 1),)
    primary = "dim"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        x, dim = inputs[0], node.params["dim"]
        ctx.check(
            [-len(x) <= dim < len(x)],
            NotAnAxis(self.name, dim, ctx.table.show(x), len(x)),
            fatal=True,
        )
        return x


class LogSoftmax(Softmax):
    name = "log_softmax"
    doc = "nn.LogSoftmax over one axis (dim counts N as 0; negative counts from the end)."
    torch_name = "LogSoftmax"


ACTIVATIONS: tuple[type[Elementwise], ...] = (
    Elementwise,
    _make("relu", "ReLU", (Param("inplace", "bool", False),)),
    _make("relu6", "ReLU6", (Param("inplace", "bool", False),)),
    _make(
        "leaky_relu",
        "LeakyReLU",
        (Param("negative_slope", "number", 0.01), Param("inplace", "bool", False)),
        "negative_slope",
    ),
    _make("elu", "ELU", (Param("alpha", "number", 1.0), Param("inplace", "bool", False)), "alpha"),
    _make("gelu", "GELU", (Param("approximate", "choice", "none", choices=("none", "tanh")),)),
    _make("silu", "SiLU", (Param("inplace", "bool", False),)),
    _make("sigmoid", "Sigmoid"),
    _make("tanh", "Tanh"),
    _make("hardswish", "Hardswish", (Param("inplace", "bool", False),)),
    _make("hardsigmoid", "Hardsigmoid", (Param("inplace", "bool", False),)),
    _make("mish", "Mish", (Param("inplace", "bool", False),)),
    _make(
        "softplus", "Softplus", (Param("beta", "number", 1.0), Param("threshold", "number", 20.0))
    ),
    Softmax,
    LogSoftmax,
    _make(
        "dropout",
        "Dropout",
        (Param("p", "number", 0.5, minimum=0, maximum=1), Param("inplace", "bool", False)),
        "p",
        "nn.Dropout; `p` between 0 and 1.",
    ),
)


class PReLU(Elementwise):
    name = "prelu"
    doc = "nn.PReLU(num_parameters): one slope, or one per channel."
    torch_name = "PReLU"
    params = (Param("num_parameters", "int", 1, minimum=1), Param("init", "number", 0.25))
    primary = "num_parameters"

    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        n, c = node.params["num_parameters"], inputs[0][1]
        # after a flatten the channels are a product: compare at the given input
        known = c if isinstance(c, int) else concrete(c, ctx.at)
        ctx.check(
            [True if n == 1 else (None if not isinstance(known, int) else n == known)],
            PReLUParameters(n, c),
            fatal=True,
        )
        return inputs[0]

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        return int(node.params["num_parameters"])


class ChannelScale(Elementwise):
    name = "channel_scale"
    doc = (
        "x times one learnable value per channel (ConvNeXt's layer scale: "
        "x * self.gamma[:, None, None]); the channels' parameters."
    )
    torch_name = "ChannelScale"
    since = "1.1"

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        c = inputs[0][1]
        return c if isinstance(c, int) else None

    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        return TorchLayer("ChannelScale", (inputs[0][1],))
