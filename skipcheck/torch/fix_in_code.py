"""A proven fix of a model reference, stated as the change to make in the PyTorch code.

``skipcheck validate model.py:UNet`` checks a spec held in memory: there is no file to write
a fix into, so each fix is said the way the model's author makes it — the torch class and
the constructor argument, the module path, and the line of the user's code that constructs
the module (else the line that calls it)::

    nn.ConvTranspose2d(..., output_padding=1) for ups.0, made at model.py:50
    (`nn.ConvTranspose2d(w[i + 1], w[i], kernel_size=2, stride=2)`)

and for a change of structure, the code to add at the merge's line (``F.pad``, a centre
crop, ``F.interpolate``, ``torch.cat`` instead of ``+``, a 1x1 ``nn.Conv2d`` on the skip,
a projection shortcut). What a fix changes comes from its ``changes`` (data the fix
generators record, ``skipcheck.check.fixes.model.Change``), never from its title; a fix
with none (a declaration) keeps its spec wording.

Constructions are recorded while the model is built (``constructions``): every
``nn.Module.__init__`` notes the innermost frame of the user's code that called the
constructor — a frame that is neither torch's, skipcheck's, nor the module's own
``__init__`` chain.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from types import FrameType
from typing import TYPE_CHECKING, Any

from torch import nn

from skipcheck.torch.importer.origin import Origin, is_machinery, origin_at

if TYPE_CHECKING:
    from skipcheck.check.fixes.model import Change, Fix
    from skipcheck.check.result import FileResult
    from skipcheck.core.graph import Node

_SKIPCHECK = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep


@contextmanager
def constructions() -> Iterator[dict[int, Origin]]:
    """While the model is built: ``id(module)`` → the user's line that constructed it."""
    made: dict[int, Origin] = {}
    original = nn.Module.__init__

    def init(self: nn.Module, *args: Any, **kwargs: Any) -> None:
        frame: FrameType | None = sys._getframe(1)
        while frame is not None:
            name = frame.f_code.co_filename
            if os.path.abspath(name).startswith(_SKIPCHECK):
                frame = None  # built by skipcheck itself (the model's root): no user line
                break
            if not is_machinery(name) and frame.f_locals.get("self") is not self:
                break
            frame = frame.f_back
        if frame is not None:
            function = str(getattr(frame.f_code, "co_qualname", frame.f_code.co_name))
            function = re.sub(r"(\.<locals>\.<\w+>)+$", "", function)  # a comprehension's scope
            made[id(self)] = origin_at(frame.f_code.co_filename, frame.f_lineno, function, "")
        original(self, *args, **kwargs)

    nn.Module.__init__ = init  # type: ignore[method-assign]
    try:
        yield made
    finally:
        nn.Module.__init__ = original  # type: ignore[method-assign]


# the torch classes of each spec op that a module's constructor argument changes; where the
# module that ran a layer is none of them (a functional call), the function is named instead
_CLASSES: dict[str, tuple[type, ...]] = {
    "conv": (nn.Conv1d, nn.Conv2d, nn.Conv3d),
    "conv_transpose": (nn.ConvTranspose1d, nn.ConvTranspose2d, nn.ConvTranspose3d),
    "maxpool": (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d),
    "avgpool": (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d),
    "upsample": (nn.Upsample,),
    "groupnorm": (nn.GroupNorm,),
    "prelu": (nn.PReLU,),
    "batchnorm": (nn.modules.batchnorm._BatchNorm,),
    "linear": (nn.Linear,),
}
_FUNCTIONS = {
    "conv": "F.conv{n}d",
    "conv_transpose": "F.conv_transpose{n}d",
    "maxpool": "F.max_pool{n}d",
    "avgpool": "F.avg_pool{n}d",
    "upsample": "F.interpolate",
    "groupnorm": "F.group_norm",
}
_SYMBOLS = {
    "add": "x + skip",
    "sub": "x - skip",
    "mul": "x * skip",
    "max": "torch.maximum(x, skip)",
}
_DELTAS = {1: ("dl",), 2: ("dy", "dx"), 3: ("dz", "dy", "dx")}


@dataclass
class ModelFacts:
    """What the statements read: the checked result (its graph), the importer's origins per
    spec line and per use of a block, the model (on meta) and where its modules were made."""

    result: FileResult
    origins: Mapping[int, Origin]
    use_origins: Mapping[tuple[int, int], Origin]
    model: Any
    made: Mapping[str, Origin]  # module path → the user's line that constructed it

    def __post_init__(self) -> None:
        graph = self.result.graph
        self.nodes: dict[str, Node] = {}
        for n in graph.nodes if graph is not None else ():
            self.nodes.setdefault(n.label, n)
        self.rank = len(graph.input_dims) - 2 if graph is not None else 2

    def origin(self, node: Node) -> Origin | None:
        call = node.calls[0].line if node.calls else 0
        return self.use_origins.get((node.pos.line, call)) or self.origins.get(node.pos.line)

    def module(self, path: str) -> Any:
        try:
            return self.model.get_submodule(path) if path else self.model
        except AttributeError:
            return None


def in_code(fix: Fix, facts: ModelFacts) -> Fix:
    """The fix with its change stated in PyTorch terms (``pytorch``, and the title led by it,
    the spec's wording kept in brackets); a fix with no change recorded is returned as it is."""
    said = [statement(change, facts) for change in fix.changes]
    if not said or any(s is None for s in said):
        return fix
    text = "; and ".join(s for s in said if s is not None)
    spec = facts.result.retold(fix.title)
    return replace(fix, pytorch=text, title=f"in your PyTorch code: {text} [spec: {spec}]")


def statement(change: Change, facts: ModelFacts) -> str | None:
    """One change as PyTorch code, or None where it has no PyTorch form (another block)."""
    if change.kind == "set":
        return _set(change, facts)
    if change.kind == "input":
        return f"feed the model {change.value} (resize, crop or pad your images to it)"
    node = facts.nodes.get(change.nodes[0]) if change.nodes else None
    origin = facts.origin(node) if node is not None else None
    if origin is None:
        return None
    at = f"at {origin.quoted()}"
    conv = f"nn.Conv{facts.rank}d"
    if change.kind == "align":
        return _align(change.name, facts.rank, at)
    if change.kind == "merge_op":
        c_run, c_skip = change.numbers
        was = _SYMBOLS.get(change.value, change.value)
        return (
            f"`torch.cat([x, skip], dim=1)` instead of `{was}` {at} (x the running tensor, "
            f"skip the other); the layer after it then takes {c_run + c_skip} input channels"
        )
    if change.kind == "projection":
        c_in, c_out = change.numbers
        return (
            f"a 1x1 conv on the skip before the merge {at}: `self.proj = {conv}({c_in}, "
            f"{c_out}, kernel_size=1)` in `__init__`, and `self.proj(skip)` where the merge "
            "reads the skip"
        )
    if change.kind == "shortcut":
        c_in, c_out, stride = change.numbers
        step = f", stride={stride}" if stride != 1 else ""
        layers = f"{conv}({c_in}, {c_out}, kernel_size=1{step}"
        if change.value == "batchnorm":
            layers = f"nn.Sequential({layers}, bias=False), nn.BatchNorm{facts.rank}d({c_out}))"
        else:
            layers += ")"
        return (
            f"a projection shortcut for the residual {at}: `self.shortcut = {layers}` in "
            "`__init__`, and `self.shortcut(x)` in place of the identity it adds"
        )
    return None


def _set(change: Change, facts: ModelFacts) -> str | None:
    """``nn.MaxPool2d(..., ceil_mode=True) for pool, made at model.py:47 (…)``: one clause
    per constructor line (a module built in a loop or a helper is made at one line)."""
    value = _python(change.value)
    clauses: dict[tuple[str, str], list[str]] = {}
    for label in change.nodes:
        node = facts.nodes.get(label)
        origin = facts.origin(node) if node is not None else None
        if node is None or origin is None:
            return None
        module = facts.module(origin.module)
        classes = _CLASSES.get(node.op, ())
        if module is not None and classes and isinstance(module, classes):
            cls = type(module)
            name = f"nn.{cls.__name__}" if cls.__module__.startswith("torch.nn") else cls.__name__
            made = facts.made.get(origin.module)
            where = f"made at {made.quoted()}" if made else f"called at {origin.quoted()}"
            what = f"{name}(..., {change.name}={value})"
            clauses.setdefault((what, where), []).append(origin.module or "the model itself")
            continue
        function = _FUNCTIONS.get(node.op, "").format(n=facts.rank)
        if not function:
            return None
        clauses.setdefault((f"{function}(..., {change.name}={value})", f"at {origin.quoted()}"), [])
    said = []
    for (what, where), paths in clauses.items():
        modules = f" for {', '.join(dict.fromkeys(paths))}" if paths else ""
        said.append(f"{what}{modules}, {where}")
    if change.name == "out_channels":
        # torch does not infer widths: what reads the layer is built for its old width
        said.append(f"each layer it feeds takes {value} input channels")
    return "; ".join(said)


def _align(how: str, rank: int, at: str) -> str | None:
    """The code that aligns the running tensor ``x`` and the skip ``skip`` before a merge,
    as skipcheck's own ``align`` does (``skipcheck/torch/layers.py``: pad half on each side,
    the odd row at the far end; crop from ``(have - want) // 2``)."""
    deltas = _DELTAS.get(rank)
    if deltas is None:
        return None
    names = ", ".join(deltas)
    sizes = ", ".join(f"skip.size({2 + k}) - x.size({2 + k})" for k in range(rank))
    measure = f"`{names} = {sizes}`"
    where = f"before the merge {at} (x the running tensor, skip the other)"
    if how == "pad":
        amounts = ", ".join(f"{d} // 2, {d} - {d} // 2" for d in reversed(deltas))
        return f"{measure}, then `x = F.pad(x, [{amounts}])` {where}"
    if how == "interpolate":
        return f"`x = F.interpolate(x, size=skip.shape[2:])` {where}"
    if how == "center_crop":
        windows = ", ".join(f"{d} // 2 : {d} // 2 + x.size({2 + k})" for k, d in enumerate(deltas))
        return f"{measure}, then `skip = skip[:, :, {windows}]` {where}"
    return None


def _python(value: str) -> str:
    """A spec value as Python source: ``true`` → ``True``, ``[1, 2]`` → ``(1, 2)``, a word
    (``bilinear``, ``same``) quoted."""
    text = value.strip()
    if text in ("true", "false"):
        return text.capitalize()
    if text.startswith("[") and text.endswith("]"):
        return "(" + text[1:-1] + ")"
    try:
        float(text)
    except ValueError:
        return repr(text)
    return text
