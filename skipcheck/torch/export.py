"""Export: a spec as readable, standalone PyTorch source (it imports only torch).

The generated model places every layer at the same path as ``build`` does, so
both have the same ``state_dict`` keys and either can load the other's weights.
"""

from __future__ import annotations

import inspect
import keyword
import math
import re
from collections.abc import Sequence
from typing import Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph
from skipcheck.core.version import __version__
from skipcheck.ops.base import TorchLayer
from skipcheck.torch import layers
from skipcheck.torch.model import buildable, concrete_input, module_path

HELPERS = ("Merge", "Crop", "Tile", "ChannelLayerNorm", "ResizeTo")
RESERVED = frozenset({"x", "m", "self", "torch", "nn", "F", "put", "annotations", *HELPERS})


def class_name(name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words) or "Model"
    return f"Model{out}" if out[0].isdigit() else out


_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def call(spec: TorchLayer) -> str:
    """``nn.Conv2d(3, 64, 3, padding=1)``: names checked as identifiers, values as literals."""
    if not _DOTTED.match(spec.cls) or not all(k.isidentifier() for k in spec.kwargs):
        raise SkipcheckError(f"cannot export a layer named {spec.cls!r}")
    args = [_value(a) for a in spec.args] + [f"{k}={_value(v)}" for k, v in spec.kwargs.items()]
    return f"{spec.cls}({', '.join(args)})"


def _value(value: Any) -> str:
    """A layer argument as Python source: only plain data, written by repr."""
    if isinstance(value, (tuple, list)):
        inner = ", ".join(_value(v) for v in value)
        return (
            f"({inner},)"
            if isinstance(value, tuple) and len(value) == 1
            else (f"({inner})" if isinstance(value, tuple) else f"[{inner}]")
        )
    if isinstance(value, float) and not math.isfinite(value):
        raise SkipcheckError(f"cannot export the number {value!r}")
    if value is None or isinstance(value, (bool, int, float, str)):
        return repr(value)
    raise SkipcheckError(f"cannot export a layer argument of type {type(value).__name__}")


def variable_names(graph: Graph) -> dict[int, str]:
    """``x`` for a value only the next layer reads; a name for the rest (skips, stage outputs)."""
    readers: dict[int, list[int]] = {}
    for node in graph.nodes:
        for i in node.inputs:
            readers.setdefault(i, []).append(node.id)
    taken: set[str] = set()
    names: dict[int, str] = {}
    # an output is returned at the end: it keeps its own name unless it is the last value
    kept = {i for _, i in graph.results if i != graph.nodes[-1].id}
    for node in graph.nodes:
        if readers.get(node.id) in ([node.id + 1], None) and node.id not in kept:
            names[node.id] = "x"
            continue
        name = node.name if node.id and node.name else f"x{node.id}"
        if not name.isidentifier() or keyword.iskeyword(name) or name in RESERVED | taken:
            name = f"x{node.id}"
        taken.add(name)
        names[node.id] = name
    return names


def export_source(graph: Graph, input_shape: Sequence[int | str] | None = None) -> str:
    """The standalone PyTorch module for ``graph`` as Python source text."""
    shape = concrete_input(graph, input_shape)
    seen = buildable(graph, shape, "cannot export: torch fails at")
    cls = class_name(graph.name)
    used = {spec.cls for spec in seen.specs.values()}
    if graph.outputs:
        outs = ", ".join(f"{o.name} {_show(seen.shapes[o.node])}" for o in graph.outputs)
        returns = "dict[str, torch.Tensor]"
        show_out = "{k: tuple(v.shape) for k, v in model(x).items()}"
    else:
        outs = f"output {_show(seen.shapes[graph.out])}"
        returns = "torch.Tensor"
        show_out = "model(x).shape"
    doc = (
        f"{graph.name}: exported by skipcheck {__version__} from {graph.file}.\n\n"
        f"Input {_show(shape)} → {outs}; {seen.parameters:,} parameters.\n"
        "Standalone: needs only torch. Layers sit at the spec's paths (the state_dict keys).\n"
    )
    head = [
        # the spec's name and file are the author's text: written as a literal (repr),
        # never pasted between quotes, so no quote or newline in them can end the string
        _literal(doc),
        "",
        "from __future__ import annotations",
        "",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        "",
    ]
    helpers: list[Any] = []
    if "Merge" in used:
        helpers += [layers.Merge, layers._center_crop, layers._pad_to]
    helpers += [getattr(layers, name) for name in HELPERS if name != "Merge" and name in used]
    helpers.append(layers.put)
    body = ["", *("\n" + inspect.getsource(h) for h in helpers)]
    init, forward = _body(graph, seen.specs, seen.shapes)
    model = [
        "",
        "",
        f"class {cls}(nn.Module):",
        f"    {_literal(f'{graph.name}, built layer by layer as the spec writes it.')}",
        "",
        "    def __init__(self) -> None:",
        "        super().__init__()",
        *init,
        "",
        f"    def forward(self, x: torch.Tensor) -> {returns}:",
        "        m = self.get_submodule",
        *forward,
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {cls}()",
        f"    x = torch.randn({', '.join(map(str, shape))})",
        f"    print({show_out})",
        "",
    ]
    return "\n".join(head) + "\n".join(body) + "\n".join(model)


def _body(
    graph: Graph, specs: dict[int, TorchLayer], shapes: dict[int, tuple[int, ...]]
) -> tuple[list[str], list[str]]:
    names = variable_names(graph)
    init: list[str] = []
    forward: list[str] = []
    if names[0] != "x":
        forward.append(f"        {names[0]} = x")
    stage: str | None = None
    for node in graph.nodes[1:]:
        if node.stage != stage and node.stage is not None:
            stage = node.stage
            init.append(f"        # {_comment(stage)}")
            forward.append(f"        # {_comment(stage)}")
        path = module_path(node)
        init.append(f"        put(self, {path!r}, {call(specs[node.id])})")
        args = ", ".join(names[i] for i in node.inputs)
        forward.append(
            f"        {names[node.id]} = m({path!r})({args})  # {node.op} {_show(shapes[node.id])}"
        )
    if graph.outputs:
        items = ", ".join(f"{o.name!r}: {names[o.node]}" for o in graph.outputs)
        forward.append(f"        return {{{items}}}")
    else:
        forward.append(f"        return {names[graph.out]}")
    return init, forward


def _literal(text: str) -> str:
    """A string literal for ``text``: repr escapes quotes, newlines and every control."""
    return repr(text)


def _comment(text: str) -> str:
    """``text`` for a comment: on one line whatever it holds (repr's escapes, unquoted)."""
    return repr(text)[1:-1]


def _show(shape: Sequence[Any]) -> str:
    return "×".join(str(d) for d in shape)
