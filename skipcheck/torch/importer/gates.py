"""Channel gates computed on a ``(N, C)`` vector: squeeze-and-excitation as senet.pytorch,
MONAI's ``ChannelSELayer`` and CBAM's channel attention write it.

```
y = self.avg_pool(x).view(b, c)        # (N, C, 1, 1) -> (N, C)
y = self.fc(y).view(b, c, 1, 1)        # Linear, ReLU, Linear, Sigmoid, and back
return x * y.expand_as(x)
```

A spec describes feature maps ``[N, C, *spatial]``; here the vector is the map with its
spatial axes, all provably 1, squeezed away. On such a map a ``Linear(c, k)`` is a 1x1 conv
with the same weights (the same parameter count), a LayerNorm over the channels is
``channel_layernorm``, a BatchNorm1d a ``batchnorm``, an activation itself, and the add or mul
of two such vectors a merge — so the whole gate is stated exactly as spec layers on the
``(N, C, 1, 1)`` map, and the view back is the map itself.

The squeeze alone is ambiguous: a classifier's ``pool → flatten → Linear`` squeezes the same
way and ends as an ``(N, K)`` output, which is a ``flatten`` and a ``linear``. So this module
only finds the **regions**: the values that follow a squeeze of a 1x1 map through such
steps, grouped where a step reads two of them. A region is a gate where one of its values is
viewed back to the map's rank (``.view(b, c, 1, 1)``, ``[:, :, None, None]``, ``unsqueeze``,
``expand_as(x)``); only those are read as 1x1 maps (``capture._Translator``), and there any
other use of a vector is refused with the reason.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

import skipcheck.torch.importer.mapping as mapping

# ops that reshape the vector without touching its values
RESHAPE_METHODS = {
    "view",
    "reshape",
    "flatten",
    "squeeze",
    "unsqueeze",
    "view_as",
    "reshape_as",
    "expand",
    "expand_as",
    *mapping.PASS_METHODS,
}
RESHAPE_FUNCTIONS: set[Any] = {
    torch.reshape,
    torch.flatten,
    torch.squeeze,
    torch.unsqueeze,
    operator.getitem,
    *mapping.PASS_FUNCTIONS,
}
WHY = (
    "reads a (N, C) vector squeezed from a 1x1 map (a squeeze-and-excitation gate); a spec "
    "states there only what acts on the channels — a Linear (as a 1x1 conv), a LayerNorm or "
    "BatchNorm over them, activations, dropout, the add or mul of two such vectors — viewed "
    "back to [N, C, 1, 1]"
)


def _method(node: fx.Node) -> str | None:
    return str(node.target) if node.op == "call_method" else None


def reshapes(node: fx.Node) -> bool:
    """A view, reshape, squeeze, unsqueeze, flatten, index or expand (which keep values)."""
    if node.op == "call_module":
        return False
    return _method(node) in RESHAPE_METHODS or node.target in RESHAPE_FUNCTIONS


class Regions:
    """The gates of one traced graph: which nodes compute a ``(N, C, 1…)`` vector that is a
    1x1 map's squeeze (``vectors``, with the map's rank) and which squeezes start them."""

    def __init__(
        self,
        gm: Any,
        values: dict[str, Any],
        ones: Callable[[str], bool],
    ) -> None:
        """``values``: each node's value at the example; ``ones(name)``: whether the node's
        spatial sizes are 1 at every input size (read from the symbolic trace)."""
        self.gm = gm
        self.values = values
        self.ones = ones
        self.rank: dict[str, int] = {}  # a vector of a gate → the rank of its 1x1 map
        self.starts: set[str] = set()  # the squeezes that begin a gate
        self.exits: set[str] = set()  # the views back to the map's rank
        self._find()

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(int(d) for d in self.values[name].shape)

    def _find(self) -> None:
        group: dict[str, int] = {}  # a vector → its region (merged where a step reads two)
        rank: dict[str, int] = {}
        parent: list[int] = []
        starts: dict[str, int] = {}
        exits: set[int] = set()
        back: dict[str, int] = {}

        def root(k: int) -> int:
            while parent[k] != k:
                parent[k] = parent[parent[k]]
                k = parent[k]
            return k

        for node in self.gm.graph.nodes:
            read = [a for a in node.all_input_nodes if a.name in group]
            if not read:
                r = self.start(node)
                if r is not None:
                    parent.append(len(parent))
                    group[node.name] = starts[node.name] = parent[-1]
                    rank[node.name] = r
                continue
            if not isinstance(self.values.get(node.name), torch.Tensor):
                continue  # a size of the vector (``y.shape[0]``)
            here = [root(group[a.name]) for a in read]
            for k in here[1:]:
                parent[k] = here[0]
            r = rank[read[0].name]
            if any(rank[a.name] != r for a in read):
                continue
            kind = self.kind(node, read, r)
            if kind == "exit":
                exits.add(here[0])
                back[node.name] = here[0]
            elif kind == "vector" or self.squeezed(node, read[0], r):
                # a step no spec layer states that still makes a vector (a softmax over its
                # last axis) stays in the region: where it is a gate, the step is refused
                # with the reason rather than as an unknown op
                group[node.name] = here[0]
                rank[node.name] = r
        gates = {root(k) for k in exits}
        for name, k in group.items():
            if root(k) in gates:
                self.rank[name] = rank[name]
        self.starts = {name for name, k in starts.items() if root(k) in gates}
        self.exits = {name for name, k in back.items() if root(k) in gates}

    def start(self, node: fx.Node) -> int | None:
        """The rank of the 1x1 map a squeeze of it to ``(N, C, 1…)`` begins from (None: not
        one): a reshape or flatten of a map whose spatial sizes are 1 at every input size, or
        a mean over every spatial axis without keepdim."""
        args = list(node.args)
        source = args[0] if args else None
        if not isinstance(source, fx.Node) or not isinstance(
            self.values.get(source.name), torch.Tensor
        ):
            return None
        value = self.values.get(node.name)
        if not isinstance(value, torch.Tensor):
            return None
        before, after = self.shape(source.name), self.shape(node.name)
        r = len(before)
        if r < 3 or len(after) >= r or after[:2] != before[:2] or any(d != 1 for d in after[2:]):
            return None
        flattens = node.op == "call_module" and isinstance(
            self.gm.get_submodule(str(node.target)), nn.Flatten
        )
        if (reshapes(node) or flattens) and self.ones(source.name):
            return r
        if _method(node) == "mean" or node.target is torch.mean:
            return r  # over every spatial axis: (N, C) from (N, C, *spatial)
        return None

    def squeezed(self, node: fx.Node, like: fx.Node, r: int) -> bool:
        """Whether the node's value has a vector's shape: ``like``'s batch, fewer axes than
        the map, every axis past the channels 1."""
        out = self.shape(node.name)
        return (
            len(out) < r
            and len(out) >= 2
            and out[0] == self.shape(like.name)[0]
            and all(d == 1 for d in out[2:])
        )

    def kind(self, node: fx.Node, read: list[fx.Node], r: int) -> str | None:
        """What a node that reads vectors of rank-``r`` maps is: ``vector`` (a step on the
        channels, or a reshape that keeps a squeezed shape), ``exit`` (the view back to the
        map's rank, or an expand to a map it multiplies), None (anything else)."""
        n, c = self.shape(read[0].name)[:2]
        out = self.shape(node.name)
        if reshapes(node):
            if node.args[0] not in read:
                return None
            if out[:2] != (n, c):
                return None
            if len(out) == r and (
                all(d == 1 for d in out[2:]) or _method(node) in ("expand", "expand_as")
            ):
                return "exit"
            return "vector" if len(out) < r and all(d == 1 for d in out[2:]) else None
        if len(out) >= r or out[0] != n or any(d != 1 for d in out[2:]):
            return None
        # a Linear or LayerNorm acts on the last axis: the channels only on (N, C) itself
        flat = len(self.shape(read[0].name)) == 2
        if node.op == "call_module":
            module = self.gm.get_submodule(str(node.target))
            got = mapping.module_layer(module)
            ok = (
                isinstance(module, nn.BatchNorm1d)
                or (isinstance(module, (nn.Linear, nn.LayerNorm)) and flat)
                or (got is not None and got[0] in mapping.ELEMENTWISE_OPS)
            )
            return "vector" if ok else None
        method = _method(node)
        if node.target in (F.linear, F.layer_norm):
            return "vector" if flat else None
        if (
            node.target is F.dropout
            or node.target in mapping.ACTIVATION_FUNCTIONS
            or method in mapping.ACTIVATION_METHODS
        ):
            return "vector"
        binary = (
            node.target in mapping.ADD | mapping.MUL | mapping.SUB
            or method in mapping.ADD_METHODS | mapping.MUL_METHODS | mapping.SUB_METHODS
        )
        if binary:
            tensors = [
                a
                for a in node.args
                if isinstance(a, fx.Node) and isinstance(self.values.get(a.name), torch.Tensor)
            ]
            if all(a in read for a in tensors) and all(
                self.shape(a.name) == self.shape(tensors[0].name) for a in tensors
            ):
                return "vector"
        return None
