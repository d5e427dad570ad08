"""Spec → ``nn.Module``: one torch layer per node, placed at the node's path.

The model's forward pass is an explicit node-by-node executor over the Graph, so
every node's output can be observed (``run``), and tensors are freed after their
last use. Layers are built from *torch's own* input shapes, found by a forward
pass on the meta device: the shapes that torch reports never come from
skipcheck's shape rules, which keeps torch an independent referee.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn

from skipcheck.check import Options, graph_of
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph, Node
from skipcheck.ops import OPS
from skipcheck.ops.base import TorchLayer
from skipcheck.torch import layers

_INDEX = re.compile(r"^\d+(_\d+)?$")


def module_path(node: Node) -> str:
    """The node's dotted path as torch module names (stable: it is the state_dict key).

    A layer written as item ``k`` of a list sits at ``k`` itself, as in nn.Sequential
    (``enc1.0.double_conv.0.conv`` → ``enc1.0.double_conv.0``).
    """
    raw = node.path.split(".")
    if len(raw) > 1 and _INDEX.match(raw[-2]):
        raw = raw[:-1]
    parts = []
    for part in raw:
        name = re.sub(r"\W", "_", part) or "_"
        while hasattr(nn.Module, name):  # a stage called `forward` or `train`
            name += "_"
        parts.append(name)
    return ".".join(parts)


def instantiate(spec: TorchLayer) -> nn.Module:
    cls = getattr(nn, spec.cls[3:]) if spec.cls.startswith("nn.") else getattr(layers, spec.cls)
    module: nn.Module = cls(*spec.args, **spec.kwargs)
    return module


@dataclass
class Failure:
    """Where torch stopped: the node, the phase (``build`` or ``forward``) and torch's message."""

    node: Node
    phase: str
    error: str


@dataclass
class Trace:
    """What one node-by-node pass observed."""

    graph: Graph
    input_shape: tuple[int, ...]
    shapes: dict[int, tuple[int, ...]] = field(default_factory=dict)
    specs: dict[int, TorchLayer] = field(default_factory=dict)
    layers: dict[int, nn.Module] = field(default_factory=dict)
    failure: Failure | None = None
    peak_bytes: int = 0  # the most bytes of activations alive at once

    @property
    def parameters(self) -> int:
        return sum(p.numel() for layer in self.layers.values() for p in layer.parameters())


def last_uses(graph: Graph) -> dict[int, int]:
    """For each node, the last node that reads its output (the outputs: never freed)."""
    last: dict[int, int] = {}
    for node in graph.nodes:
        for i in node.inputs:
            last[i] = node.id
    for _, node_id in graph.results:
        last[node_id] = len(graph.nodes)
    return last


def trace(
    graph: Graph,
    input_shape: Sequence[int],
    device: str = "meta",
    on_node: Callable[[Node, torch.Tensor], None] | None = None,
) -> Trace:
    """Build and run every node in order on ``device`` until torch refuses one.

    Layers are built in eval mode (batch statistics are not a shape question) and run
    without autograd. On the meta device nothing is allocated.
    """
    result = Trace(graph, tuple(input_shape))
    last = last_uses(graph)
    dev = torch.device(device)
    x = (
        torch.empty(result.input_shape, device=dev)
        if dev.type == "meta"
        else torch.randn(result.input_shape, device=dev)
    )
    values: dict[int, torch.Tensor] = {0: x}
    result.shapes[0] = tuple(x.shape)
    live = x.nbytes
    result.peak_bytes = live
    with torch.no_grad():
        for node in graph.nodes[1:]:
            inputs = [values[i] for i in node.inputs]
            phase = "build"
            try:
                spec = OPS[node.op].torch_layer(node, [tuple(t.shape) for t in inputs])
                with dev:
                    layer = instantiate(spec).eval()
                result.specs[node.id] = spec
                result.layers[node.id] = layer
                phase = "forward"
                out = layer(*inputs)
            except Exception as exc:  # torch's refusal is the finding we report
                result.failure = Failure(node, phase, f"{type(exc).__name__}: {exc}".strip())
                return result
            if 0 in out.shape:  # e.g. `area` resizing to 0 returns an empty tensor, silently
                shown = "×".join(map(str, out.shape))
                result.failure = Failure(
                    node, "forward", f"torch returns an empty tensor ({shown})"
                )
                return result
            values[node.id] = out
            result.shapes[node.id] = tuple(out.shape)
            if on_node is not None:
                on_node(node, out)
            live += out.nbytes
            result.peak_bytes = max(result.peak_bytes, live)
            for i in set(node.inputs):
                if last[i] == node.id:
                    live -= values.pop(i).nbytes
    return result


def confirm_on_cpu(seen: Trace, node: Node, limit_bytes: int = 1 << 28) -> Failure | None:
    """Run one layer on the CPU, where torch checks arguments that meta kernels skip.

    (``output_padding`` not below the stride is one: the meta kernel computes a size.)
    Returns torch's refusal, or None when the CPU runs it too or it is too big to try.
    """
    shapes = [seen.shapes[i] for i in node.inputs]
    if sum(math.prod(s) for s in shapes) * 4 > limit_bytes:
        return None
    phase = "build"
    try:
        layer = instantiate(OPS[node.op].torch_layer(node, shapes)).eval()
        phase = "forward"
        with torch.no_grad():
            layer(*(torch.zeros(s) for s in shapes))
    except Exception as exc:  # torch's refusal is the finding we report
        return Failure(node, phase, f"{type(exc).__name__}: {exc} (on cpu; meta skips this check)")
    return None


def refute(seen: Trace, node: Node, failure: Failure) -> None:
    """Record that torch fails at ``node`` after all: nothing after it ran."""
    seen.failure = failure
    for node_id in [i for i in seen.shapes if i >= node.id]:
        del seen.shapes[node_id]
        seen.layers.pop(node_id, None)
        seen.specs.pop(node_id, None)


class SpecModel(nn.Module):
    """A spec as a torch model: layers at their spec paths, run node by node."""

    def __init__(self, graph: Graph, built: Mapping[int, nn.Module]) -> None:
        super().__init__()
        self.spec_name = graph.name
        self.input_shape = tuple(graph.input_dims)
        steps: list[tuple[int, tuple[int, ...], nn.Module, tuple[int, ...]]] = []
        last = last_uses(graph)
        for node in graph.nodes[1:]:
            layer = built[node.id]
            layers.put(self, module_path(node), layer)
            free = tuple(i for i in set(node.inputs) if last[i] == node.id)
            steps.append((node.id, node.inputs, layer, free))
        # a plain list: the layers are registered once, by path, above
        self._steps = steps
        self._out = graph.out
        # format 1.1 `outputs:` — forward returns them by name, in the order written
        self._outputs = [(o.name, o.node) for o in graph.outputs]

    def forward(self, x: torch.Tensor) -> torch.Tensor | dict[str, torch.Tensor]:
        return self.run(x)

    def run(
        self, x: torch.Tensor, on_node: Callable[[int, torch.Tensor], None] | None = None
    ) -> torch.Tensor | dict[str, torch.Tensor]:
        """The forward pass; ``on_node(node_id, output)`` sees every node's output.

        A spec with named ``outputs:`` returns a dict of them, in the order written.
        """
        values: dict[int, torch.Tensor] = {0: x}
        for node_id, inputs, layer, free in self._steps:
            out = layer(*(values[i] for i in inputs))
            values[node_id] = out
            if on_node is not None:
                on_node(node_id, out)
            for i in free:
                del values[i]
        if self._outputs:
            return {name: values[node_id] for name, node_id in self._outputs}
        return values[self._out]

    def extra_repr(self) -> str:
        return f"spec={self.spec_name!r}, input={list(self.input_shape)}"


def concrete_input(graph: Graph, input_shape: Sequence[int | str] | None = None) -> tuple[int, ...]:
    """The input as torch needs it: every size a number (a symbolic batch becomes 1)."""
    dims = tuple(input_shape) if input_shape is not None else graph.input_dims
    if len(dims) != len(graph.input_dims):
        spec = list(graph.input_dims)
        raise SkipcheckError(
            f"--input has {len(dims)} axes but the spec's input {spec} has {len(spec)}"
        )
    out = [1 if isinstance(dims[0], str) else dims[0]]
    for d in dims[1:]:
        if isinstance(d, str):
            raise SkipcheckError(
                f"the input {list(dims)} has the symbolic size {d!r}; torch needs numbers: "
                "give them with --input, e.g. --input 1x3x256x256"
            )
        out.append(d)
    return tuple(out)


def buildable(graph: Graph, input_shape: Sequence[int | str] | None, what: str) -> Trace:
    """The graph traced at its concrete input; a SkipcheckError where torch refuses a layer."""
    seen = trace(graph, concrete_input(graph, input_shape))
    if seen.failure is not None:
        f = seen.failure
        raise SkipcheckError(
            f"{what} {f.node.label}: {f.error} (`skipcheck dryrun` shows why)",
            f.node.pos,
        )
    return seen


def build_from_graph(
    graph: Graph, input_shape: Sequence[int | str] | None = None, device: str = "cpu"
) -> SpecModel:
    """The model for a lowered graph, with freshly initialised weights on ``device``."""
    seen = buildable(graph, input_shape, "torch cannot build")
    with torch.device(device):
        built = {node_id: instantiate(spec) for node_id, spec in seen.specs.items()}
    return SpecModel(graph, built)


def build(
    spec: str | Path, /, *, input_shape: Sequence[int | str] | None = None, **params: Any
) -> SpecModel:
    """Build the spec at ``spec`` (a path, or YAML text) as an ``nn.Module``.

    >>> model = build("specs/unet_original.yaml", base=32)   # doctest: +SKIP
    >>> model(torch.randn(1, 1, 572, 572)).shape              # doctest: +SKIP
    torch.Size([1, 2, 388, 388])
    """
    text = str(spec)
    options = Options(params=params)
    is_text = "\n" in text
    graph = graph_of("<spec>", options, text=text) if is_text else graph_of(text, options)
    return build_from_graph(graph, input_shape)
