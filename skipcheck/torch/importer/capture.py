"""Capture a model's computation as a torch.fx graph traced with symbolic sizes, and turn
each node into a step.

**The choice: an fx graph whose values carry symbolic sizes (``symbolic.py``), not
torch.export's or ``make_fx(tracing_mode="symbolic")``'s ATen graph.** The three share the
part that makes Python on sizes work — torch's ``ShapeEnv``: the input's spatial sizes are
symbols, ``len(x.shape)``, ``if h % 32: raise``, ``np.array(x.shape)`` and ``if out.size() !=
skip.size()`` are answered by them, and each answer is recorded as a guard with the frame
that asked. What differs is the graph, and the fx graph is the one a spec can be read from:

- every ``nn.Module`` call is one node that points at the module, so a step reads its
  constructor's arguments (``ceil_mode``, ``padding_mode``, ``output_padding``) and its
  path (``encoder.layer1.0.conv1``: the spec's stage, name and comment), and its parameters
  are counted as that module's. An ATen graph has ``aten.convolution`` with lifted weights
  and the path only as ``nn_module_stack`` metadata; ``max_pool2d_with_indices`` loses
  whether the model asked for the indices; a LayerNorm is ``native_layer_norm`` on views.
- shape arithmetic stays a data edge: ``F.interpolate(x, size=skip.shape[2:])`` names
  ``skip``, so it becomes ``align: interpolate`` or ``resize_to: skip``; in ATen it is
  ``upsample_nearest2d`` with a SymInt list whose provenance is a sympy expression.
- torch.export needs a size where the model runs before it starts and specialises its
  guards to it; here the guards are only collected, and which sizes run is skipcheck's own
  exact computation (``sizes``), checked against torch by brute force in the tests.

There is no separate fallback: with symbolic values off (a value the fake run cannot
compute) a node behaves exactly as under plain ``torch.fx.symbolic_trace``, so every model
that imported before imports the same way. Control flow on a tensor's *values* (``if
x.sum() > 0``) stops the trace in either approach and becomes the "cannot be mapped"
message.

The traced graph runs once on the meta device at the example size (no memory) to learn
which values are tensors and their shapes.
"""

from __future__ import annotations

import math
import operator
import sys
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.nn.functional as F
from torch import fx, nn

import skipcheck.torch.importer.mapping as mapping
from skipcheck.core.errors import SkipcheckError
from skipcheck.torch.importer import gates, rearrange
from skipcheck.torch.importer.mapping import Layer, layer
from skipcheck.torch.importer.origin import Origin, origin_at, user_frame
from skipcheck.torch.importer.rearrange import PATTERN, functional_rearranges, is_rearrange
from skipcheck.torch.importer.symbolic import (
    SymbolicTracer,
    size_max,
    size_min,
    sizes_in_max_min,
)

META = torch.device("meta")
SYMBOLIC = "skipcheck_symbolic"  # node.meta: the value with symbolic sizes, where known


@dataclass
class Step:
    """One value of the model: the spec layers that compute it from its tensor inputs.

    kind ``layer`` (one input, ``layers`` applied in order), ``merge`` (``op`` add,
    concat or mul over ``inputs``), ``resize`` (bring ``inputs[0]`` to the spatial size
    of ``size_of`` — by ``align`` interpolate or pad: a merge aligned that way), ``input``.
    """

    id: str
    kind: str
    owner: str  # the module path that computes it ('' is the model itself)
    what: str  # torch's name for it: Conv2d, torch.cat, F.interpolate
    inputs: tuple[str, ...] = ()
    layers: list[Layer] = field(default_factory=list)
    op: str = ""
    size_of: str | None = None
    align: str = "interpolate"
    opaque: bool = False
    shape: tuple[int, ...] = ()
    module: str | None = None  # the call_module target, for parameter accounting
    origin: Origin | None = None  # the line of the model's source that computes it


@dataclass(frozen=True)
class Condition:
    """A condition the model's own Python puts on one input size: ``test`` is ``%==``,
    ``%!=`` (``value`` modulo ``modulus``), ``==``, ``!=``, ``>=`` or ``<=``; ``axis`` counts
    from the batch axis (2 is the first spatial one). ``text`` is the guard as torch wrote
    it where skipcheck cannot state it (``test`` is then empty)."""

    axis: int
    test: str
    value: int
    modulus: int = 0
    origin: Origin | None = None
    text: str = ""
    probe: int | None = None  # a size of this axis where the guard fails (None: none in 1..512)
    truth: tuple[bool, ...] = field(default=(), compare=False, repr=False)  # at sizes 1..512
    # a guard true on several residues of a period (no ``test``): the `%!=` conditions that
    # state it together, one per residue excluded, as (axis, test, value, modulus)
    parts: tuple[tuple[int, str, int, int], ...] = field(default=(), compare=False)


@dataclass
class Capture:
    steps: list[Step]
    outputs: list[tuple[str, str]]  # (the model's label: a dict key or position, step id)
    graph_module: Any
    modules: dict[str, str]  # path → class name, for messages
    conditions: list[Condition] = field(default_factory=list)


class CannotMap(SkipcheckError):
    """The model uses something no spec op states exactly."""


def cannot_map(owner: str, cls: str, what: str, why: str) -> CannotMap:
    where = f"{owner} ({cls})" if owner else f"the model itself ({cls})"
    hint = (
        f" If it keeps the shape, `--opaque {owner}=identity` maps it as a shape-preserving layer; "
        f"`--opaque {owner}='{{conv: {{out_channels: 64, kernel_size: 1}}}}'` states its shape rule "
        "as a spec layer (the spec is then marked partial)."
        if owner
        else ""
    )
    return CannotMap(f"cannot be mapped: {what} in {where}: {why}.{hint}")


class _Tracer(SymbolicTracer):
    def __init__(self, opaque: Mapping[str, Layer], shape: Sequence[int]) -> None:
        super().__init__(shape)
        self.opaque = opaque

    def create_node(self, *args: Any, **kwargs: Any) -> fx.Node:
        node = super().create_node(*args, **kwargs)
        # the user's frame (not torch's) that made this node, for findings at their line
        node.meta["skipcheck_frame"] = user_frame(sys._getframe(1))
        return node

    def create_proxy(self, *args: Any, **kwargs: Any) -> fx.Proxy:
        proxy = super().create_proxy(*args, **kwargs)
        # the value with symbolic sizes, for sizes the model computes in Python
        # (``F.interpolate(x, size=(h // 4, w // 4))``): read by ``_Translator.size_equal``
        value = self.values.get(proxy.node)
        if isinstance(value, (torch.Tensor, torch.SymInt, int)):
            proxy.node.meta[SYMBOLIC] = value
        return proxy

    def rank_of(self, proxy: fx.Proxy) -> int | None:
        value = self.values.get(proxy.node)
        return len(value.shape) if isinstance(value, torch.Tensor) else None

    def call_module(
        self, m: nn.Module, forward: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> Any:
        if is_rearrange(m) and len(args) == 1 and not kwargs and isinstance(args[0], fx.Proxy):
            # einops' Rearrange that is a flatten or a permute: that torch op, recorded in
            # the layer's own scope (its path names the step); any other pattern runs einops
            rank = self.rank_of(args[0])
            if rank is not None and rearrange.equivalent(str(m.pattern), rank) is not None:
                pattern = str(m.pattern)
                forward = lambda x: rearrange.apply(x, pattern, rank)  # noqa: E731
        try:
            self.path_of_module(m)
        except NameError:
            # a module made inside forward and called at once (MONAI's ResNet shortcut "A":
            # ``get_pool_layer(("avg", ...))(x)``): not the model's, so fx has no path for it.
            # One without parameters or buffers is its functional form: traced through
            if any(True for _ in m.parameters()) or any(True for _ in m.buffers()):
                raise
            return forward(*args, **kwargs)
        return super().call_module(m, forward, args, kwargs)

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        if module_qualified_name in self.opaque or type(m).__name__ in mapping.EVAL_IDENTITIES:
            return True
        return bool(super().is_leaf_module(m, module_qualified_name))


def trace(
    model: nn.Module, opaque: Mapping[str, Layer], shape: Sequence[int]
) -> tuple[Any, list[Condition]]:
    """The fx GraphModule of ``model`` traced with symbolic sizes (``shape`` the hint) and
    the conditions the model's Python put on its input; a CannotMap that names the module
    where tracing stopped."""
    tracer = _Tracer(opaque, shape)
    scripted_isinstance = torch.jit.isinstance

    def isinstance_(obj: Any, target_type: Any) -> bool:
        # fx hands a Proxy where a tensor flows; TorchScript's isinstance would say
        # "not a tensor" and silently trace the other branch (MONAI's UpCat does this)
        if isinstance(obj, fx.Proxy):
            return target_type is torch.Tensor
        return bool(scripted_isinstance(obj, target_type))  # type: ignore[no-untyped-call]

    made: dict[str, Any] = {"as_tensor": torch.as_tensor, "tensor": torch.tensor}

    def of_sizes(name: str) -> Any:
        original = made[name]

        def make(data: Any, *args: Any, **kwargs: Any) -> Any:
            # a tensor of a traced size (``torch.as_tensor(x.shape[2:])``): torch's C code
            # reads the proxy as a sequence and fails; record it as a node instead
            if isinstance(data, fx.Proxy):
                return tracer.create_proxy("call_function", original, (data, *args), kwargs)
            return original(data, *args, **kwargs)

        return make

    torch.jit.isinstance = isinstance_
    torch.as_tensor, torch.tensor = of_sizes("as_tensor"), of_sizes("tensor")
    try:
        with (
            _factories_of_sizes(tracer),
            sizes_in_max_min(),
            functional_rearranges(tracer.rank_of),
        ):
            graph = tracer.trace(model)
    except Exception as exc:
        raise _trace_failure(model, exc) from None
    finally:
        torch.jit.isinstance = scripted_isinstance
        torch.as_tensor, torch.tensor = made["as_tensor"], made["tensor"]
    try:
        return fx.GraphModule(model, graph), conditions(tracer, model)
    except SyntaxError as exc:  # fx writes Python from module names; odd names break it
        raise CannotMap(
            f"cannot be mapped: torch.fx cannot write the traced code ({exc.msg}); "
            "a module name that is not a plain identifier?"
        ) from None


_FACTORIES = ("zeros", "ones", "empty", "full")


class _factories_of_sizes:
    """``torch.zeros(x.size(0), c, *x.shape[2:])`` while tracing: torch's argument parser
    takes no proxy for a size (TypeError), so a factory given a traced size is recorded as a
    node (MONAI's ResNet shortcut "A" pads the channels with such zeros)."""

    def __init__(self, tracer: fx.Tracer) -> None:
        self.tracer = tracer
        self.saved = {name: getattr(torch, name) for name in _FACTORIES}

    def __enter__(self) -> None:
        for name, original in self.saved.items():
            setattr(torch, name, self.wrap(original))

    def __exit__(self, *exc: object) -> None:
        for name, original in self.saved.items():
            setattr(torch, name, original)

    def wrap(self, original: Any) -> Any:
        tracer = self.tracer

        def make(*args: Any, **kwargs: Any) -> Any:
            flat = [*args, *(a for arg in args if isinstance(arg, (list, tuple)) for a in arg)]
            if any(isinstance(a, fx.Proxy) for a in [*flat, *kwargs.values()]):
                return tracer.create_proxy("call_function", original, args, kwargs)
            return original(*args, **kwargs)

        return make


def _einops_failure(model: nn.Module, exc: Exception) -> CannotMap | None:
    """Tracing that stopped inside einops (UNETR's ``Rearrange('b h (qkv l d) -> qkv b l h
    d')``, SwinUNETR's ``rearrange(x, 'b c h w -> b h w c')``): einops reads a traced value as
    a tensor it does not know. Told as what it is — a token layout — with the pattern and the
    module, not as einops' KeyError. None where einops was not on the way."""
    import os

    paths = {id(m): (name, type(m).__name__) for name, m in model.named_modules()}
    owner, cls, pattern, inside = "", type(model).__name__, "", False
    for frame, _ in traceback.walk_tb(exc.__traceback__):
        mod = frame.f_locals.get("self")
        if f"{os.sep}einops{os.sep}" in frame.f_code.co_filename:
            inside = True
            found = frame.f_locals.get("pattern") or getattr(mod, "pattern", None)
            pattern = found if isinstance(found, str) else pattern
        if id(mod) in paths:
            owner, cls = paths[id(mod)]
    if not inside:
        return None
    said = f"einops {pattern!r}" if pattern else "einops"
    return cannot_map(owner, cls, said, _TOKENS)


def _trace_failure(model: nn.Module, exc: Exception) -> CannotMap:
    einops = _einops_failure(model, exc)
    if einops is not None:
        return einops
    paths = {id(m): (name, type(m).__name__) for name, m in model.named_modules()}
    owner, cls, line = "", type(model).__name__, ""
    for frame, lineno in traceback.walk_tb(exc.__traceback__):
        mod = frame.f_locals.get("self")
        if id(mod) in paths:
            owner, cls = paths[id(mod)]
            line = f"{frame.f_code.co_filename.rsplit('/', 1)[-1]}:{lineno}"
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if "control flow" in text or "iteration" in text or "bool" in text:
        why = f"data-dependent control flow ({text})"
    else:
        why = f"tracing stopped with {type(exc).__name__}: {text}"
    return cannot_map(owner, cls, f"forward at {line}" if line else "forward", why)


class _Recorder(fx.Interpreter):
    """Runs the traced graph, keeping every node's value (meta tensors, ints, sizes)."""

    def __init__(self, gm: Any) -> None:
        super().__init__(gm)
        self.values: dict[str, Any] = {}

    def run_node(self, n: fx.Node) -> Any:
        value = super().run_node(n)
        self.values[n.name] = value
        return value


def run_traced(gm: Any, shape: Sequence[int]) -> dict[str, Any]:
    rec = _Recorder(gm)
    rec.run(torch.empty(*shape, device=META))
    return rec.values


def conditions(tracer: SymbolicTracer, model: nn.Module) -> list[Condition]:
    """The guards the model's Python recorded, as conditions on single input sizes."""
    out: list[Condition] = []
    seen: set[tuple[int, str, int, int]] = set()
    for guard in tracer.guards:
        origin = None
        if guard.frame is not None:
            origin = origin_at(*guard.frame, _owner_of_frame(model, guard.frame))
        for expr in guard.exprs:
            axis, truth = _truth(expr, tracer.symbols)
            probe = _probe(truth, tracer.shape[axis]) if truth else None
            got = _condition(axis, truth) if truth else None
            if got is None:
                # a set of residues: the spec states it as one `%!=` per residue excluded,
                # where the guard turns out to be a requirement (``_requirements``)
                parts = tuple(_residues(axis, truth)) if truth else ()
                out.append(
                    Condition(
                        axis,
                        "",
                        0,
                        origin=origin,
                        text=str(expr),
                        probe=probe,
                        truth=tuple(truth),
                        parts=parts,
                    )
                )
                continue
            if got in seen:
                continue
            seen.add(got)
            out.append(Condition(*got, origin=origin, probe=probe, truth=tuple(truth)))
    return out


def _residues(axis: int, truth: Sequence[bool]) -> list[tuple[int, str, int, int]]:
    """A guard true on a set of residue classes of a period up to 64 (MONAI RegUNet's
    ``(h // 2) % 2 == 0`` on a downsampled size: H % 4 in {0, 1}) as one ``%!=`` condition
    per residue it excludes, at most four; empty for anything else."""
    for m in range(2, 65):
        if all(truth[k] == truth[k + m] for k in range(_PROBE - m)):
            missing = [
                r
                for r in range(m)
                if not any(truth[x - 1] for x in range(1, _PROBE + 1) if x % m == r)
            ]
            if 0 < len(missing) <= 4 and len(missing) < m:
                return [(axis, "%!=", r, m) for r in missing]
            return []
    return []


def _probe(truth: Sequence[bool], example: int) -> int | None:
    """The size nearest the example (above first) where the guard fails."""
    for d in range(1, len(truth)):
        for x in (example + d, example - d):
            if 1 <= x <= len(truth) and not truth[x - 1]:
                return x
    return None


def _owner_of_frame(model: nn.Module, frame: tuple[str, int, str]) -> str:
    """The module path whose class defines the frame's function (``Net.forward`` → '')."""
    cls = frame[2].split(".")[0]
    for name, m in model.named_modules():
        if type(m).__name__ == cls:
            return str(name)
    return ""


_PROBE = 512  # sizes a guard is evaluated at to read its form


def _truth(expr: Any, symbols: Mapping[Any, int]) -> tuple[int, list[bool]]:
    """The input axis a guard is about and its truth at every size 1..512 (empty where it is
    about several sizes, or cannot be evaluated)."""
    free = list(getattr(expr, "free_symbols", ()))
    if len(free) != 1 or free[0] not in symbols:
        return 0, []
    s = free[0]
    try:
        return symbols[s], [bool(expr.subs({s: x})) for x in range(1, _PROBE + 1)]
    except (TypeError, ValueError, ZeroDivisionError):
        return 0, []


def _condition(axis: int, truth: Sequence[bool]) -> tuple[int, str, int, int] | None:
    """A guard on one input size as a spec condition: (axis, test, value, modulus).

    Read off the guard's truth at every size 1..512 (not off its sympy form: torch writes
    "even" as ``Eq(Mod(s0, 2), 0)``, ``Eq(2*FloorDiv(s0, 2), s0)`` or ``Eq(PythonMod(s0, 2),
    0)``): a residue class (``%==``) or all but one (``%!=``) of a period up to 64, a bound
    (``>=``, ``<=``) or a single size (``==``). None for anything else."""
    runs = [x for x, t in zip(range(1, _PROBE + 1), truth, strict=True) if t]
    if not runs:
        return None
    if len(runs) == 1:
        return axis, "==", runs[0], 0
    first = runs[0]
    if runs == list(range(first, _PROBE + 1)):
        return axis, ">=", first, 0
    if runs == list(range(1, runs[-1] + 1)):
        return axis, "<=", runs[-1], 0
    for m in range(2, 65):
        if all(truth[k] == truth[k + m] for k in range(_PROBE - m)):
            residues = sorted({x % m for x in runs})
            if len(residues) == 1:
                return axis, "%==", residues[0], m
            if len(residues) == m - 1:
                missing = next(r for r in range(m) if r not in residues)
                return axis, "%!=", missing, m
            return None
    return None


def capture(model: nn.Module, shape: Sequence[int], opaque: Mapping[str, Layer]) -> Capture:
    """Trace ``model`` (on the meta device, eval mode) and map every node to a step."""
    gm, found = trace(model, opaque, shape)
    try:
        values = run_traced(gm, shape)
    except Exception as exc:
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        try:
            with torch.no_grad():
                model(torch.empty(*shape, device=META))
        except Exception as theirs:
            said = str(theirs).strip().splitlines()[0] if str(theirs).strip() else ""
            raise SkipcheckError(
                f"the model does not run at the example input {list(shape)} "
                f"({type(theirs).__name__}: {said}); give an --input where it runs"
            ) from None
        raise CannotMap(
            f"cannot be mapped: the traced graph does not run at the input {list(shape)} "
            f"({type(exc).__name__}: {text}); the model's forward probably branches on "
            "something tracing cannot see (torch.jit.isinstance, a tensor's value, a global)"
        ) from None
    modules = {name: type(m).__name__ for name, m in model.named_modules()}
    caught = _Translator(gm, values, modules, opaque).run()
    caught.conditions = found
    return caught


def _owner(node: fx.Node) -> str:
    stack = node.meta.get("nn_module_stack") or {}
    if not stack:
        return ""
    last = list(stack.values())[-1]
    return str(last[0]) if isinstance(last, tuple) else str(last)


_INT_OPS: dict[Any, Any] = {
    operator.getitem: operator.getitem,
    operator.add: operator.add,
    operator.sub: operator.sub,
    operator.mul: operator.mul,
    operator.floordiv: operator.floordiv,
    operator.neg: operator.neg,
    operator.mod: operator.mod,
    # TF 'SAME' padding's arithmetic (timm's pad_same)
    operator.truediv: operator.truediv,
    math.ceil: math.ceil,
    math.floor: math.floor,
    size_max: size_max,
    size_min: size_min,
}


def _binary(target: Any, method: Any) -> str | None:
    """The spec merge an elementwise op of two tensors is, if it is one."""
    for op, functions, methods in (
        ("add", mapping.ADD, mapping.ADD_METHODS),
        ("mul", mapping.MUL, mapping.MUL_METHODS),
        ("sub", mapping.SUB, mapping.SUB_METHODS),
        ("max", mapping.MAXIMUM, {"maximum"}),
    ):
        if target in functions or method in methods:
            return op
    return None


def _fn_name(target: Any) -> str:
    if isinstance(target, str):
        return f"Tensor.{target}"
    if isinstance(target, (torch._ops.OpOverload, torch._ops.OpOverloadPacket)):
        return str(target)  # a registered (custom) op: mylib.op.default
    module = getattr(target, "__module__", "") or ""
    name = getattr(target, "__name__", repr(target))
    if module.startswith("torch.nn.functional"):
        return f"F.{name}"
    if module.startswith("torch") or module == "_operator":
        return f"torch.{name}" if module.startswith("torch") else f"operator.{name}"
    return f"{module}.{name}" if module else name


_TOKENS = (
    "a token layout (ViT's patches, Swin's windows): a spec describes feature maps "
    "[N, C, *spatial], and no spec op states a token sequence's shape rule yet"
)


_CHANNELS_LAST = (
    "reads a channels-last view (x.permute(0, 2, 3, 1)); a spec states there only what acts "
    "on each position's channels (a LayerNorm over them, a Linear as a 1x1 conv, activations, "
    "a per-channel scale), not a token layout"
)


def _slices(index: Any) -> list[Any]:
    """The bounds of an index's slices (``x[:, :, a:b]`` → [a, b, …]), for constancy checks."""
    items = list(index) if isinstance(index, tuple) else [index]
    out: list[Any] = []
    for item in items:
        if isinstance(item, slice):
            out += [item.start, item.stop, item.step]
        else:
            out.append(item)
    return out


_ZERO_MAKERS = (torch.zeros,)


def _symbolic_sizes(size: Any) -> list[Any] | None:
    """A size argument (a tuple of fx nodes and ints) as sympy expressions in the input's
    size symbols, from the values the symbolic trace computed; None where one is unknown."""
    items = list(size) if isinstance(size, (list, tuple)) else None
    if items is None and isinstance(size, fx.Node):
        value = size.meta.get(SYMBOLIC)
        items = list(value) if isinstance(value, (tuple, list, torch.Size)) else None
    if not items:
        return None
    out = []
    for item in items:
        value = item.meta.get(SYMBOLIC) if isinstance(item, fx.Node) else item
        if isinstance(value, bool) or not isinstance(value, (int, torch.SymInt)):
            return None
        out.append(_expr(value))
    return out


def _sympy() -> Any:
    import importlib

    return importlib.import_module("sympy")  # torch's own dependency, which has no type stubs


def _expr(value: Any) -> Any:
    """A size as a sympy expression in the input's size symbols (an int as a constant)."""
    if isinstance(value, torch.SymInt):
        return value.node.expr
    return _sympy().Integer(int(value))


def _at(expr: Any, values: Mapping[Any, int]) -> Any:
    return expr.xreplace({s: _sympy().Integer(v) for s, v in values.items()})


def _points(symbols: Sequence[Any]) -> list[dict[Any, int]]:
    """300 assignments of input sizes 1..300, each symbol through every residue class."""
    return [
        {s: 1 + (i * (7 + 6 * j) + 5 * j) % 300 for j, s in enumerate(symbols)} for i in range(300)
    ]


def _same_function(a: Any, b: Any) -> bool:
    """Whether two size expressions agree at every input size tried where both are ≥ 1 (where
    either is below 1 the model does not run)."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if not symbols:
        return bool(a == b)
    agree = 0
    for point in _points(symbols):
        x, y = _at(a, point), _at(b, point)
        if not (x.is_Integer and y.is_Integer):
            return False
        if x >= 1 and y >= 1:
            if x != y:
                return False
            agree += 1
    return agree >= 100


def _ratio(a: Any, b: Any) -> float | None:
    """``k`` with ``a = floor(k · b)`` at every input size tried, ``k`` a dyadic rational."""
    from fractions import Fraction

    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if not symbols:
        return None
    points = _points(symbols)
    first = next(((int(_at(a, p)), int(_at(b, p))) for p in points if int(_at(b, p)) >= 1), None)
    if first is None or first[0] < 1:
        return None
    k = Fraction(first[0], first[1])
    # floor(k·b) = a also holds for k a little above a/b: try the simplest dyadic ones
    for denominator in (1, 2, 4, 8, 16):
        for candidate in (Fraction(round(k * denominator), denominator), k):
            if candidate <= 0 or candidate.denominator & (candidate.denominator - 1):
                continue
            if all(
                int(_at(a, p)) == (candidate * int(_at(b, p))).__floor__()
                for p in points
                if int(_at(b, p)) >= 1
            ):
                return float(candidate)
    return None


_NOT_SAME = (
    "padding computed at run time from its own sizes by a rule other than TensorFlow's "
    "'SAME' (max((ceil(size / s) - 1) * s + (k - 1) * d + 1 - size, 0), half before)"
)


def _same_rule(pads: Mapping[int, int]) -> tuple[int, int] | None:
    """The (dilated window, stride) whose TF 'SAME' padding is ``pads`` (size → total) at
    every size given; None where no window up to 64 and stride up to 16 gives it."""
    for stride in range(1, 17):
        for window in range(1, 65):
            if all(
                max((-(-i // stride) - 1) * stride + window - i, 0) == p for i, p in pads.items()
            ):
                return window, stride
    return None


def _is_parameter(gm: Any, path: str) -> bool:
    """Whether ``path`` is a learnable parameter (a buffer scales with values no spec counts)."""
    try:
        gm.get_parameter(path)
    except AttributeError:
        return False
    return True


def _a(node: Any) -> list[Any]:
    """An fx node's arguments, as the loose values they are."""
    return list(node.args)


def _k(node: Any) -> dict[str, Any]:
    return dict(node.kwargs)


class _Translator:
    def __init__(
        self,
        gm: Any,
        values: dict[str, Any],
        modules: dict[str, str],
        opaque: Mapping[str, Layer],
    ) -> None:
        self.gm = gm
        self.values = values
        self.modules = modules
        self.opaque = opaque
        self.steps: list[Step] = []
        self.alias: dict[str, str] = {}
        self.sized: set[str] = set()  # tensors made of sizes and numbers only
        self.params: set[str] = set()  # get_attr: a module's parameters and buffers
        # x.permute(0, 2, 3, 1) → its source; F.layer_norm of that → (source, layer)
        self.channels_last: dict[str, str] = {}
        self.channels_last_norm: dict[str, tuple[str, Layer]] = {}
        self.modules_of: dict[str, str] = {}  # a norm's node → the module owning its weights
        self.stacks: dict[str, list[str]] = {}  # torch.stack nodes → the tensors stacked
        self.stack_axis: dict[str, int] = {}  # torch.stack nodes → the new axis
        # a view of one parameter (gamma.reshape(1, -1, 1, 1), gamma[:, None, None]) → the
        # parameter's path: read by the op that applies it (a layer scale's mul)
        self.param_of: dict[str, str] = {}
        # x.split(n, dim=1), x.chunk(k, dim=1) → (the tensor, each part's channels start..stop)
        self.splits: dict[str, tuple[str, list[tuple[int, int]]]] = {}
        # ShuffleNet's channel shuffle on its way: x.view(N, g, C/g, H, W) (False), then
        # .transpose(1, 2) (True) → (the tensor, g, transposed yet)
        self.shuffling: dict[str, tuple[str, int, bool]] = {}
        # a value computed in a channels-last view (after torchvision's Permute([0, 2, 3, 1])
        # a LayerNorm, Linears, activations) → the step computing its channels-first equal
        self.last_of: dict[str, str] = {}

    def run(self) -> Capture:
        outputs: list[tuple[str, str]] = []
        seen_input = False
        # squeeze-and-excitation on a (N, C) vector: its steps are read on the 1x1 map
        self.gates = gates.Regions(self.gm, self.values, self.spatial_ones)
        for node in self.gm.graph.nodes:
            if node.op == "placeholder":
                if not seen_input:
                    seen_input = True
                    self.steps.append(
                        Step(node.name, "input", "", "input", shape=self.shape(node.name))
                    )
                continue
            if node.op == "output":
                outputs = self.outputs(node)
                continue
            if self.channel_split(node):
                continue  # read by the getitem that takes each part
            if not isinstance(self.values.get(node.name), torch.Tensor):
                continue  # a size or a number: read by the steps that use it
            if node.op != "get_attr" and not any(
                self.tensor(a) is not None
                or a.op == "get_attr"
                or a.name in self.stacks
                or a.name in self.param_of
                or a.name in self.splits
                or a.name in self.shuffling
                or a.name in self.last_of
                for a in node.all_input_nodes
            ):
                self.sized.add(node.name)
                continue  # a tensor made of sizes and numbers (torch.as_tensor(x.shape))
            step = self.step(node)
            if step is None:
                continue
            step.shape = self.shape(node.name)
            frame = node.meta.get("skipcheck_frame")
            if frame is not None:
                file, line, function = frame
                step.origin = origin_at(file, line, function, step.module or step.owner)
            self.steps.append(step)
        return Capture(self.steps, outputs, self.gm, self.modules)

    # -- helpers -----------------------------------------------------------
    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(int(d) for d in self.values[name].shape)

    def tensor(self, value: Any) -> str | None:
        if (
            isinstance(value, fx.Node)
            and isinstance(self.values.get(value.name), torch.Tensor)
            and value.name not in self.sized
            and value.name not in self.params
            and value.name not in self.stacks
            and value.name not in self.param_of
            and value.name not in self.shuffling
            and value.name not in self.last_of
        ):
            return self.alias.get(value.name, value.name)
        return None

    def fail(self, node: fx.Node, what: str, why: str) -> CannotMap:
        owner = node.target if node.op == "call_module" else _owner(node)
        if PATTERN in node.meta:  # traced from an einops rearrange: named as the user wrote it
            what = f"einops {node.meta[PATTERN]!r}"
        return cannot_map(str(owner), self.modules.get(str(owner), "?"), what, why)

    def constant(self, value: Any) -> bool:
        if isinstance(value, (list, tuple)):
            return all(self.constant(v) for v in value)
        return not isinstance(value, fx.Node)

    def outputs(self, node: fx.Node) -> list[tuple[str, str]]:
        """One tensor, or a tuple, list or dict of tensors (an FPN's levels)."""
        value = _a(node)[0]
        if isinstance(value, dict):
            items = [(str(k), v) for k, v in value.items()]
        elif isinstance(value, (tuple, list)):
            items = [(str(k), v) for k, v in enumerate(value)]
        else:
            items = [("", value)]
        out = []
        for label, v in items:
            if v is None and len(items) > 1:
                continue  # an output the model leaves empty in eval (SegResNetVAE's loss)
            name = self.tensor(v)
            if name is None:
                raise self.fail(
                    node, "the output", f"output {label or ''} is not a tensor of the model"
                )
            out.append((label, name))
        return out

    # -- nodes -------------------------------------------------------------
    def step(self, node: fx.Node) -> Step | None:
        if node.op == "get_attr":
            # a module's own parameter: read by the functional call that uses it
            # (F.conv2d(x, self.weight), F.batch_norm(..., self.weight)); anything else fails
            self.params.add(node.name)
            return None
        if node.name in self.gates.starts or any(
            a.name in self.gates.rank for a in node.all_input_nodes
        ):
            return self.vector_step(node)
        if self.in_channels_last(node):
            return self.channels_last_step(node)
        for a in node.all_input_nodes:
            view = a.name in self.channels_last or a.name in self.channels_last_norm
            expected = (node.target is F.layer_norm and a.name in self.channels_last) or (
                node.target == "permute" and a.name in self.channels_last_norm
            )
            if view and not expected:
                what = node.target if node.op == "call_module" else _fn_name(node.target)
                raise self.fail(
                    node,
                    str(what),
                    "reads a channels-last view (x.permute(0, 2, 3, 1)); a spec states only "
                    "a layer norm there (channel_layernorm), not a token layout",
                )
        if node.op == "call_module":
            return self.module_step(node)
        return self.function_step(node)

    def module_step(self, node: fx.Node) -> Step | None:
        path = str(node.target)
        module = self.gm.get_submodule(path)
        cls = type(module).__name__
        inputs = [self.tensor(a) for a in _a(node)]
        if len(_a(node)) != 1 or inputs[0] is None or _k(node):
            raise self.fail(node, cls, "called with more than one tensor")
        if path in self.opaque:
            got: Layer | None = self.opaque[path]
            opaque = True
        elif cls in mapping.EVAL_IDENTITIES:
            # stochastic depth, drop path, drop block: the identity in eval mode
            self.passthrough(node, inputs[0], cls)
            return None
        else:
            got = mapping.module_layer(module)
            opaque = False
        if got is None:
            raise self.fail(node, cls, "no spec op states this module's shape rule exactly")
        step = Step(node.name, "layer", path, cls, (inputs[0],), [got], opaque=opaque)
        step.module = path
        return step

    def function_step(self, node: fx.Node) -> Step | None:
        target = node.target
        name = _fn_name(target)
        if PATTERN in node.meta:  # a flatten or permute traced from einops: the user's words
            name = f"einops {node.meta[PATTERN]!r}"
        method = target if node.op == "call_method" else None
        args = list(_a(node))
        tensors = [self.tensor(a) for a in args]
        first = tensors[0] if tensors else None
        owner = _owner(node)

        def single(*layers: Layer) -> Step:
            if first is None:
                raise self.fail(node, name, "its input is not a tensor of the model")
            return Step(node.name, "layer", owner, name, (first,), list(layers))

        if self.param_view(node):
            return None
        if self.shuffle_on_its_way(node, first):
            return None
        if args and isinstance(args[0], fx.Node) and args[0].name in self.shuffling:
            return self.shuffled(node, name, owner)
        sliced = self.channel_part(node, name, owner, first)
        if sliced is not None or node.name in self.alias:
            return sliced  # a part of the channels, or all of them (the value passes)
        if method in mapping.PASS_METHODS or target in mapping.PASS_FUNCTIONS:
            self.passthrough(node, first, name)
            return None
        if method in ("expand", "expand_as") and first is not None and self.broadcasts(first, node):
            # a gate's (N, C, 1, 1) expanded to the map it multiplies (``x * y.expand_as(x)``):
            # the spec's mul broadcasts the gate itself
            self.alias[node.name] = first
            return None
        if getattr(target, "__name__", "") in ("stochastic_depth", "drop_path"):
            training = _k(node).get("training", args[3] if len(args) > 3 else False)
            if training is not False:
                raise self.fail(node, name, "stochastic depth in training mode")
            self.passthrough(node, first, name)  # the identity in eval mode
            return None
        if target is F.layer_norm and first is not None:
            return self.layer_norm(node, name, owner, first)
        functional = self.functional(node, name, owner, first)
        if functional is not None:
            return functional
        if method == "permute" or target is torch.permute:
            return self.permute(node, name, owner, first)
        if method == "repeat":
            return single(self.tile(node, name))
        scaled = self.channel_scale(node, name, owner)
        if scaled is not None:
            return scaled
        used = [a.target for a in node.all_input_nodes if a.name in self.params]
        used += [self.param_of[a.name] for a in node.all_input_nodes if a.name in self.param_of]
        if used:
            raise self.fail(node, f"the tensor {used[0]}", "a parameter or buffer used as a value")
        binary = _binary(target, method)
        if binary is not None:
            both = [t for t in tensors[:2] if t is not None]
            if len(both) == 2:
                if self.shape(both[0]) != self.shape(both[1]) and binary != "mul":
                    raise self.fail(
                        node, name, f"{binary} of tensors of different shapes (broadcasting)"
                    )
                return Step(node.name, "merge", owner, name, tuple(both), op=binary)
            if len(both) == 1 and self.constant(args[1:]) and binary != "max":
                self.passthrough(node, both[0], name)
                return None
            raise self.fail(node, name, "an arithmetic op that is not a merge of two tensors")
        if target is getattr and len(args) > 1 and args[1] == "data":
            self.passthrough(node, first, name)  # x.data: the same tensor, out of autograd
            return None
        if target in mapping.CAT:
            padded = self.zero_channels(node, owner)
            return padded if padded is not None else self.cat(node, name, owner)
        if target is torch.stack:
            self.stack(node, name)
            return None
        if (
            (method == "sum" or target is torch.sum)
            and args
            and isinstance(args[0], fx.Node)
            and args[0].name in self.stacks
        ):
            return self.stacked_sum(node, name, owner)
        if (
            (method == "mean" or target is torch.mean)
            and args
            and isinstance(args[0], fx.Node)
            and args[0].name in self.stacks
        ):
            return self.stacked_sum(node, name, owner, "mean")
        if target in mapping.ACTIVATION_FUNCTIONS or method in mapping.ACTIVATION_METHODS:
            op = mapping.ACTIVATION_FUNCTIONS.get(target) or mapping.ACTIVATION_METHODS[str(method)]
            return single(self.activation(node, op))
        if target in (F.interpolate, F.upsample):
            return self.interpolate(node, name, owner, first)
        if target is F.dropout or target in (F.dropout1d, F.dropout2d, F.dropout3d):
            p = _k(node).get("p", args[1] if len(args) > 1 else 0.5)
            return single(layer("dropout", p=float(p)))
        if target is F.pad:
            same = self.pad_same(node, name, owner, first) or self.channel_pad(node, owner, first)
            if same is not None:
                return same
            if first is not None and not self.constant(_k(node).get("pad", _a(node)[1:2])):
                return self.pad_to(node, name, owner, first)
            return single(self.pad(node, name))
        if target in (torch.flatten,) or method == "flatten":
            start = _k(node).get("start_dim", args[1] if len(args) > 1 else 0)
            end = _k(node).get("end_dim", args[2] if len(args) > 2 else -1)
            if not self.constant([start, end]):
                raise self.fail(node, name, "flatten over axes computed at run time")
            return single(layer("flatten", start_dim=start, end_dim=end))
        if (method in ("view", "reshape") or target is torch.reshape) and self.same_view(
            first, node
        ):
            self.passthrough(node, first, name)  # MONAI's Reshape of a Linear's (N, K) to itself
            return None
        if method in ("view", "reshape") or target is torch.reshape:
            return single(self.reshape(node, name, first))
        if target in (F.adaptive_avg_pool1d, F.adaptive_avg_pool2d, F.adaptive_avg_pool3d):
            size = args[1] if len(args) > 1 else _k(node).get("output_size")
            if not self.constant(size):
                raise self.fail(node, name, "an output size computed at run time")
            sizes = size if isinstance(size, (list, tuple)) else [size]
            if all(s == 1 for s in sizes):
                return single(layer("global_avgpool"))
            return single(layer("adaptive_avgpool", output_size=mapping.compact(size)))
        if method == "mean" or target is torch.mean:
            return single(*self.mean(node, name, first))
        if target in (F.max_pool1d, F.max_pool2d, F.max_pool3d, F.avg_pool1d, F.avg_pool2d):
            return single(self.pool(node, name))
        if target is operator.getitem:
            index = args[1] if len(args) > 1 else None
            if first is not None and not self.constant(_slices(index)):
                return self.crop_to(node, name, owner, first, index)
            return single(self.crop(node, name, first))
        if target is F.pixel_shuffle:
            return single(layer("pixel_shuffle", upscale_factor=args[1]))
        if method in mapping.TOKEN_METHODS or target in mapping.TOKEN_FUNCTIONS:
            raise self.fail(node, name, _TOKENS)
        raise self.fail(node, name, "no spec op states it")

    def param(self, value: Any) -> tuple[str, Any] | None:
        """(owner module, tensor) of a get_attr argument; None for None."""
        if value is None:
            return None
        if not isinstance(value, fx.Node) or value.name not in self.params:
            raise KeyError("not a parameter")
        return str(value.target).rpartition(".")[0], self.values[value.name]

    def functional(self, node: fx.Node, name: str, owner: str, first: str | None) -> Step | None:
        """A conv or norm called functionally with a module's own parameters (``F.conv2d(x,
        self.weight, self.bias, ...)`` in a static-same-padding conv, ``F.batch_norm(x,
        self.running_mean, ..., self.weight, self.bias)`` in timm's BatchNormAct2d): the
        layer it computes, its parameters counted as that module's."""
        target = node.target
        args, kw = list(_a(node)) + [None] * 9, _k(node)
        if target not in mapping.FUNCTIONAL_LAYERS or first is None:
            return None
        kind = mapping.FUNCTIONAL_LAYERS[target]

        def given(key: str, at: int, default: Any = None) -> Any:
            return kw.get(key, args[at] if args[at] is not None else default)

        try:
            if kind == "conv":
                weight = self.param(given("weight", 1))
                bias = self.param(given("bias", 2))
                if weight is None:
                    return None
                module, w = weight
                groups = int(given("groups", 6, 1))
                padding = given("padding", 4, 0)
                if not self.constant([given("stride", 3, 1), padding, given("dilation", 5, 1)]):
                    raise self.fail(node, name, "convolution arguments computed at run time")
                got = layer(
                    "conv",
                    in_channels=int(w.shape[1]) * groups,
                    out_channels=int(w.shape[0]),
                    kernel_size=tuple(int(k) for k in w.shape[2:]),
                    stride=given("stride", 3, 1),
                    padding=padding if isinstance(padding, str) else mapping.compact(padding),
                    dilation=given("dilation", 5, 1),
                    groups=groups,
                    bias=bias is not None,
                )
            elif kind == "batchnorm":
                stats = self.param(given("running_mean", 1))
                weight = self.param(given("weight", 3))
                self.param(given("bias", 4))
                if self.param(given("running_var", 2)) is None and stats is not None:
                    return None
                module = (weight or stats or ("", None))[0]
                channels = self.shape(first)[1]
                got = layer(
                    "batchnorm",
                    num_features=channels,
                    eps=float(given("eps", 7, 1e-5)),
                    momentum=float(given("momentum", 6, 0.1)),
                    affine=weight is not None,
                    track_running_stats=stats is not None,
                )
            elif kind == "linear":  # timm's Linear: F.linear(x, self.weight, self.bias)
                weight = self.param(given("weight", 1))
                bias = self.param(given("bias", 2))
                if weight is None:
                    return None
                module, w = weight
                got = layer(
                    "linear",
                    in_features=int(w.shape[1]),
                    out_features=int(w.shape[0]),
                    bias=bias is not None,
                )
            else:  # group_norm
                weight = self.param(given("weight", 2))
                bias = self.param(given("bias", 3))
                module = weight[0] if weight is not None else owner
                got = layer(
                    "groupnorm",
                    num_groups=int(given("num_groups", 1)),
                    eps=float(given("eps", 4, 1e-5)),
                    affine=weight is not None,
                )
        except KeyError:
            return None  # weights that are not a module's own: the generic refusal
        step = Step(node.name, "layer", owner, name, (first,), [got])
        step.module = module or None
        return step

    def layer_norm(self, node: fx.Node, name: str, owner: str, first: str) -> Step | None:
        """``F.layer_norm`` over the channels of a channels-last view (ConvNeXt's LayerNorm2d:
        ``permute(0, 2, 3, 1)`` → layer norm → ``permute(0, 3, 1, 2)``): a channel_layernorm
        once the view is permuted back."""
        args, kw = list(_a(node)) + [None] * 5, _k(node)
        source = self.channels_last.get(node.all_input_nodes[0].name)
        shape = kw.get("normalized_shape", args[1])
        weight = self.param(kw.get("weight", args[2]))
        bias = self.param(kw.get("bias", args[3]))
        eps = kw.get("eps", args[4] if args[4] is not None else 1e-5)
        if source is None or list(shape) != [self.shape(source)[1]]:
            raise self.fail(node, name, "a layer norm over other axes than the channels")
        self.channels_last_norm[node.name] = (
            source,
            layer(
                "channel_layernorm",
                eps=float(eps),
                elementwise_affine=weight is not None,
                bias=bias is not None,
            ),
        )
        self.modules_of[node.name] = (weight or bias or (owner, None))[0]
        return None

    def permute(self, node: fx.Node, name: str, owner: str, first: str | None) -> Step | None:
        dims = list(_a(node)[1:])
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = list(dims[0])
        arg = node.all_input_nodes[0].name if node.all_input_nodes else ""
        rank = len(self.shape(node.name))
        last = [0, *range(2, rank), 1]
        back = [0, rank - 1, *range(1, rank - 1)]
        if first is not None and dims == last:
            self.channels_last[node.name] = first
            return None
        if dims == back and arg in self.channels_last_norm:
            source, norm = self.channels_last_norm[arg]
            step = Step(node.name, "layer", owner, "LayerNorm2d", (source,), [norm])
            step.module = self.modules_of.get(arg) or None
            return step
        raise self.fail(node, name, _TOKENS)

    def tile(self, node: fx.Node, name: str) -> Layer:
        dims = list(_a(node)[1:])
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = list(dims[0])
        if not self.constant(dims) or len(dims) < 2:
            raise self.fail(node, name, "repeats computed at run time")
        if dims[0] != 1 or any(d != 1 for d in dims[2:]):
            raise self.fail(node, name, "a repeat of other axes than the channels")
        return layer("tile", repeats=int(dims[1]))

    def passthrough(self, node: fx.Node, source: str | None, name: str) -> None:
        if source is None:
            raise self.fail(node, name, "its input is not a tensor of the model")
        if self.shape(source) != self.shape(node.name):
            raise self.fail(node, name, "changes the shape in a way no spec op states")
        self.alias[node.name] = source
        return None

    def activation(self, node: fx.Node, op: str) -> Layer:
        kwargs = dict(_k(node))
        kwargs.pop("inplace", None)
        extra = {"leaky_relu": "negative_slope", "elu": "alpha", "gelu": "approximate"}
        params: dict[str, Any] = {}
        if op in extra:
            key = extra[op]
            if len(_a(node)) > 1:
                params[key] = _a(node)[1]
            elif key in kwargs:
                params[key] = kwargs[key]
        return layer(op, **params)

    def stack(self, node: fx.Node, name: str) -> None:
        """``torch.stack(features)``: only as the start of a sum or mean over the new axis
        (smp's FPN merge). The parts of a channel split may be stacked whole (MONAI's
        AdditiveUpSampleBlock: ``torch.stack(x.split(C // 2, dim=1), dim=-1)``): each part is a
        ``channel_slice``."""
        items = _a(node)[0] if _a(node) else _k(node).get("tensors")
        dim = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else 0)
        if isinstance(items, fx.Node) and items.name in self.splits:
            tensors: list[str | None] = list(self.split_parts(items, _owner(node)))
        elif isinstance(items, (list, tuple)):
            tensors = [self.tensor(t) for t in items]
        else:
            tensors = [None]
        rank = len(self.values[node.name].shape)
        if not isinstance(dim, int) or any(t is None for t in tensors):
            raise self.fail(node, name, "a stack other than of feature maps")
        self.stacks[node.name] = [t for t in tensors if t is not None]
        self.stack_axis[node.name] = dim % rank

    def split_parts(self, split: fx.Node, owner: str) -> list[str]:
        """Each part of a channel split as a ``channel_slice`` step of its own (named after
        the split: the parts have no node of the graph)."""
        source, ranges = self.splits[split.name]
        parts = []
        for k, (start, stop) in enumerate(ranges):
            name = f"{split.name}:part{k}"  # ':' is in no fx node's name: no clash
            self.values[name] = self.values[source][:, start:stop]
            got = layer("channel_slice", start=start, stop=stop)
            step = Step(name, "layer", owner, "Tensor.split", (source,), [got])
            step.shape = self.shape(name)
            frame = split.meta.get("skipcheck_frame")
            if frame is not None:
                file, line, function = frame
                step.origin = origin_at(file, line, function, owner)
            self.steps.append(step)
            parts.append(name)
        return parts

    def stacked_sum(self, node: fx.Node, name: str, owner: str, op: str = "add") -> Step | None:
        """``torch.stack([a, b, c]).sum(dim=0)``: the add of the tensors (one merge);
        ``torch.mean(torch.stack(maps, dim=0), dim=0)`` (MONAI's RegistrationExtractionBlock):
        their ``mean``."""
        dim = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else None)
        names = self.stacks[_a(node)[0].name]
        what = "sum" if op == "add" else op
        axis = self.stack_axis[_a(node)[0].name]
        rank = len(self.values[_a(node)[0].name].shape)
        dims = list(dim) if isinstance(dim, (list, tuple)) else [dim]
        over = [d % rank for d in dims if isinstance(d, int)]
        if over != [axis] or not names or _k(node).get("keepdim"):
            raise self.fail(node, name, f"a {what} over another axis than the stacked one")
        if len({self.shape(t) for t in names}) != 1:
            raise self.fail(node, name, f"a {what} of stacked tensors of different shapes")
        if len(names) == 1:
            # one map stacked (RegUNet extracting one level): its sum or mean is the map
            self.passthrough(node, names[0], name)
            return None
        return Step(node.name, "merge", owner, f"torch.stack(...).{what}", tuple(names), op=op)

    def zero_channels(self, node: fx.Node, owner: str) -> Step | None:
        """``torch.cat([x, torch.zeros(N, k, *x.shape[2:])], dim=1)`` (ResNet's parameter-free
        shortcut "A"): ``channel_pad`` with k channels after, where the zeros have x's spatial size at
        every input size. None for any other concatenation."""
        items = _a(node)[0] if _a(node) else _k(node).get("tensors")
        dim = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else 0)
        if not isinstance(items, (list, tuple)) or len(items) != 2:
            return None
        tensors = [self.tensor(t) for t in items]
        zeros = [
            t
            for t in items
            if isinstance(t, fx.Node) and t.name in self.sized and t.target in _ZERO_MAKERS
        ]
        kept = [t for t in tensors if t is not None]
        if len(kept) != 1 or len(zeros) != 1:
            return None
        x, z = kept[0], zeros[0]
        rank = len(self.shape(x))
        if dim not in (1, 1 - rank) or len(self.values[z.name].shape) != rank:
            return None
        mine, theirs = self.symbolic_shape(x), self.symbolic_shape(z.name)
        if mine is None or theirs is None or mine[0] != theirs[0]:
            return None
        if not all(_same_function(a, b) for a, b in zip(mine[2:], theirs[2:], strict=True)):
            return None
        added = int(self.values[z.name].shape[1])
        return Step(
            node.name, "layer", owner, "torch.cat", (x,), [layer("channel_pad", after=added)]
        )

    def symbolic_shape(self, name: str) -> list[Any] | None:
        """The tensor's shape as the symbolic trace computed it (sympy), or None."""
        found = next((n for n in self.gm.graph.nodes if n.name == name), None)
        value = found.meta.get(SYMBOLIC) if found is not None else None
        if not isinstance(value, torch.Tensor):
            return None
        return [_expr(d) for d in value.shape]

    def cat(self, node: fx.Node, name: str, owner: str) -> Step | None:
        items = _a(node)[0] if _a(node) else _k(node).get("tensors")
        dim = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else 0)
        tensors = [self.tensor(t) for t in items] if isinstance(items, (list, tuple)) else [None]
        if any(t is None for t in tensors):
            raise self.fail(node, name, "concatenates something that is not a tensor of the model")
        names = [t for t in tensors if t is not None]
        rank = len(self.shape(names[0]))
        if dim not in (1, 1 - rank):
            raise self.fail(node, name, f"concatenates on axis {dim}; spec concat is on channels")
        if len(names) == 1:
            self.passthrough(node, names[0], name)
            return None
        return Step(node.name, "merge", owner, name, tuple(names), op="concat")

    def interpolate(self, node: fx.Node, name: str, owner: str, first: str | None) -> Step:
        args = list(_a(node)) + [None] * 6
        kw = _k(node)
        size = kw.get("size", args[1])
        scale = kw.get("scale_factor", args[2])
        mode = kw.get("mode", args[3] if args[3] is not None else "nearest")
        corners = kw.get("align_corners", args[4])
        if first is None:
            raise self.fail(node, name, "its input is not a tensor of the model")
        if not self.constant([scale, mode, corners]):
            raise self.fail(node, name, "a scale factor or mode computed at run time")
        if size is not None and not self.constant(size):
            source = self.size_source(size) or self.size_equal(node, size, first)
            if source is None:
                scaled = self.size_scaled(size, first)
                if scaled is not None:
                    how = layer("upsample", scale_factor=scaled, mode=str(mode))
                    if corners is not None:
                        how[1]["align_corners"] = corners
                    return Step(node.name, "layer", owner, name, (first,), [how])
                raise self.fail(
                    node,
                    name,
                    f"a size computed at run time ({self.size_text(size)}) that is neither "
                    "another tensor's spatial size nor this tensor's scaled by a constant",
                )
            # kept as a resize_to layer for where no merge with ``source`` follows
            how = layer("resize_to", mode=str(mode), align_corners=corners)
            return Step(node.name, "resize", owner, name, (first,), [how], size_of=source)
        got = mapping.upsample(size, scale, str(mode), corners)
        if got is None:
            raise self.fail(node, name, "neither size nor scale_factor given")
        return Step(node.name, "layer", owner, name, (first,), [got])

    def size_equal(self, node: fx.Node, size: Any, first: str) -> str | None:
        """The latest tensor before ``node`` whose spatial size is ``size`` at every input
        size (``(height // 4, width // 4)`` in smp PAN's FPABlock is the size of its second
        pooled branch): compared as the symbolic sizes the trace computed, at 300 input
        sizes. None where no tensor has it."""
        wanted = _symbolic_sizes(size)
        if wanted is None or not isinstance(size, (list, tuple)):
            return None
        concrete = tuple(self.values[v.name] if isinstance(v, fx.Node) else v for v in size)
        made = {s.id for s in self.steps}
        nodes = list(self.gm.graph.nodes)
        for earlier in reversed(nodes[: nodes.index(node)]):
            name = self.tensor(earlier)
            if name != earlier.name or name not in made or self.shape(name)[2:] != concrete:
                continue
            value = earlier.meta.get(SYMBOLIC)
            if not isinstance(value, torch.Tensor) or value.dim() != len(concrete) + 2:
                continue
            theirs = [_expr(d) for d in value.shape[2:]]
            if all(_same_function(a, b) for a, b in zip(wanted, theirs, strict=True)):
                return name
        return None

    def size_scaled(self, size: Any, first: str) -> float | None:
        """The scale factor ``k`` where ``size`` is ``floor(k · s)`` of the resized tensor's own
        sizes ``s`` at every input size (``x.shape[2] * 2``), with ``k`` exact in binary
        floating point (torch computes ``floor(s · k)`` in double)."""
        wanted = _symbolic_sizes(size)
        node = next((n for n in self.gm.graph.nodes if n.name == first), None)
        value = node.meta.get(SYMBOLIC) if node is not None else None
        if wanted is None or not isinstance(value, torch.Tensor):
            return None
        mine = [_expr(d) for d in value.shape[2:]]
        if len(mine) != len(wanted):
            return None
        factors = set()
        for a, b in zip(wanted, mine, strict=True):
            got = _ratio(a, b)
            if got is None:
                return None
            factors.add(got)
        return factors.pop() if len(factors) == 1 else None

    def size_text(self, size: Any) -> str:
        """The size as the trace computed it, in the input's size symbols."""
        wanted = _symbolic_sizes(size)
        return ", ".join(str(w) for w in wanted) if wanted else "?"

    def size_source(self, size: Any) -> str | None:
        """The tensor whose spatial size ``size`` is (``t.shape[2:]``, ``t.size()[-2:]``,
        ``[t.shape[2], t.shape[3]]``), or None."""
        picked = self.axes_of(size)
        if picked is None:
            return None
        tensor, axes = picked
        rank = len(self.shape(tensor))
        return tensor if list(axes) == list(range(2, rank)) else None

    def axes_of(self, value: Any) -> tuple[str, tuple[int, ...]] | None:
        if isinstance(value, (list, tuple)):
            parts = [self.axes_of(v) for v in value]
            if not parts or any(p is None for p in parts):
                return None
            tensors = {p[0] for p in parts if p is not None}
            if len(tensors) != 1:
                return None
            return tensors.pop(), tuple(a for p in parts if p is not None for a in p[1])
        if not isinstance(value, fx.Node):
            return None
        if value.op == "call_function" and value.target is getattr and _a(value)[1] == "shape":
            t = self.tensor(_a(value)[0])
            return None if t is None else (t, tuple(range(len(self.shape(t)))))
        if value.op == "call_method" and value.target == "size":
            t = self.tensor(_a(value)[0])
            if t is None:
                return None
            rank = len(self.shape(t))
            if len(_a(value)) > 1:
                return t, (int(_a(value)[1]) % rank,)
            return t, tuple(range(rank))
        if value.op == "call_function" and value.target is operator.getitem:
            inner = self.axes_of(_a(value)[0])
            index = _a(value)[1]
            if inner is None or isinstance(index, fx.Node):
                return None
            picked = inner[1][index]
            return inner[0], tuple(picked) if isinstance(picked, tuple) else (picked,)
        return None

    def pad(self, node: fx.Node, name: str) -> Layer:
        args = list(_a(node)) + [None] * 3
        pads = _k(node).get("pad", args[1])
        mode = _k(node).get("mode", args[2] if args[2] is not None else "constant")
        value = _k(node).get("value", args[3] if args[3] is not None else 0.0)
        value = 0.0 if value is None else value  # F.pad's default is None: zeros
        if not self.constant(pads):
            raise self.fail(node, name, "padding computed at run time from the tensors' sizes")
        if mode != "constant":
            return layer("pad", padding=list(pads), mode=mode)
        return layer("pad", padding=list(pads), value=float(value))

    def pad_to(self, node: fx.Node, name: str, owner: str, first: str) -> Step:
        """``F.pad(x, [d // 2, d - d // 2, ...])`` with ``d`` the size difference to another
        tensor (milesial's U-Net): the merge that follows aligns by padding. The pad amounts
        are computed again from the graph for many pairs of sizes and must be exactly the
        spec's ``align: pad`` (half on each side, the odd row at the far end)."""
        pads = _k(node).get("pad", _a(node)[1] if len(_a(node)) > 1 else None)
        mode = _k(node).get("mode", _a(node)[2] if len(_a(node)) > 2 else "constant")
        sources = {t for t in self.shape_sources(pads)} - {first}
        if mode != "constant" or len(sources) != 1 or not isinstance(pads, (list, tuple)):
            raise self.fail(node, name, "padding computed at run time from the tensors' sizes")
        target = sources.pop()
        rank = len(self.shape(first)) - 2
        if len(pads) != 2 * rank or len(self.shape(target)) != rank + 2:
            raise self.fail(node, name, "padding of only some axes, computed at run time")
        for trial in range(1, 40):
            mine = tuple(3 + (trial * 7 + 5 * a) % 41 for a in range(rank))
            diff = tuple((trial * 3 + a) % 6 for a in range(rank))
            theirs = tuple(m + d for m, d in zip(mine, diff, strict=True))
            sizes = {first: (1, 1, *mine), target: (1, 1, *theirs)}
            try:
                got = [self.evaluate(p, sizes) for p in pads]
            except (KeyError, IndexError, TypeError, ZeroDivisionError):
                got = None
            want = [v for d in reversed(diff) for v in (d // 2, d - d // 2)]
            if got != want:
                raise self.fail(
                    node,
                    name,
                    "padding computed from the sizes by a rule other than half on each side "
                    "(the odd row at the far end)",
                )
        return Step(node.name, "resize", owner, name, (first,), size_of=target, align="pad")

    def shape_sources(self, value: Any) -> list[str]:
        """The tensors whose sizes ``value`` is computed from."""
        if isinstance(value, (list, tuple)):
            return [t for v in value for t in self.shape_sources(v)]
        if not isinstance(value, fx.Node):
            return []
        t = self.tensor(value)
        if t is not None:
            return [t]
        return [t for a in value.all_input_nodes for t in self.shape_sources(a)]

    def evaluate(self, value: Any, sizes: dict[str, tuple[int, ...]]) -> Any:
        """An fx size computation, again, with the tensors' shapes given (ints only)."""
        if isinstance(value, (list, tuple)):
            return type(value)(self.evaluate(v, sizes) for v in value)
        if not isinstance(value, fx.Node):
            return value
        raw = _a(value)
        if value.op == "call_function" and value.target is getattr and raw[1] == "shape":
            if isinstance(raw[0], fx.Node) and raw[0].name in self.params:
                return tuple(self.values[raw[0].name].shape)  # a weight's: fixed (pad_same's k)
            return sizes[self.tensor(raw[0]) or ""]
        if value.op == "call_method" and value.target == "size":
            if isinstance(raw[0], fx.Node) and raw[0].name in self.params:
                shape = tuple(self.values[raw[0].name].shape)  # a weight's: fixed
            else:
                shape = sizes[self.tensor(raw[0]) or ""]
            return shape[self.evaluate(raw[1], sizes)] if len(raw) > 1 else shape
        if value.op == "call_function" and value.target in _INT_OPS:
            return _INT_OPS[value.target](*(self.evaluate(a, sizes) for a in raw))
        raise KeyError(value.name)  # not a size computation: no rule to check

    def reshape(self, node: fx.Node, name: str, first: str | None) -> Layer:
        if first is None:
            raise self.fail(node, name, "its input is not a tensor of the model")
        before, after = self.shape(first), self.shape(node.name)
        if len(after) == 2 and after[0] == before[0] and len(before) > 2:
            dims = list(_a(node)[1:])
            if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
                dims = list(dims[0])
            # x.view(x.size(0), -1) and x.view(N, -1): the batch kept, the rest flattened
            if len(dims) == 2 and dims[1] == -1:
                return layer("flatten")
            # sizes computed from the tensor's own (einops' 'b c h w -> b (c h w)' reshapes to
            # [b, c * h * w]): a flatten if they are that product at every size tried
            if len(dims) == 2 and not self.constant(dims) and self.flattens(first, dims):
                return layer("flatten")
        if len(after) == 3 and len(before) > 3:  # [N, C, H, W] → [N, C, H·W]: tokens
            raise self.fail(node, name, _TOKENS)
        raise self.fail(node, name, "a reshape other than flattening all but the batch")

    def same_view(self, first: str | None, node: fx.Node) -> bool:
        """A view of a Linear's ``(N, K)`` output as ``(N, K)``: the same at every input size,
        since K is the layer's and no other axis is left."""
        if (
            first is None
            or self.shape(first) != self.shape(node.name)
            or len(self.shape(first)) != 2
        ):
            return False
        made = next((s for s in reversed(self.steps) if s.id == first), None)
        return made is not None and made.kind == "layer" and made.layers[-1][0] == "linear"

    def flattens(self, first: str, dims: list[Any]) -> bool:
        rank = len(self.shape(first))
        for trial in range(1, 20):
            shape = (
                1 + trial % 3,
                1 + trial % 5,
                *(2 + (trial * 7 + 3 * a) % 29 for a in range(rank - 2)),
            )
            try:
                got = [self.evaluate(d, {first: shape}) for d in dims]
            except (KeyError, IndexError, TypeError, ZeroDivisionError):
                return False
            want = [shape[0], math.prod(shape[1:])]
            if got not in (want, [shape[0], -1], [-1, want[1]]):
                return False
        return True

    def mean(self, node: fx.Node, name: str, first: str | None) -> list[Layer]:
        if first is None:
            raise self.fail(node, name, "its input is not a tensor of the model")
        rank = len(self.shape(first))
        dims = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else None)
        keep = _k(node).get("keepdim", _a(node)[2] if len(_a(node)) > 2 else False)
        dims = [dims] if isinstance(dims, int) else list(dims or [])
        if sorted(d % rank for d in dims) != list(range(2, rank)):
            raise self.fail(node, name, "a mean over axes other than all spatial ones")
        return [layer("global_avgpool")] + ([] if keep else [layer("flatten")])

    def pool(self, node: fx.Node, name: str) -> Layer:
        fn = node.target
        names = (
            ["kernel_size", "stride", "padding", "dilation", "ceil_mode"]
            if fn in (F.max_pool1d, F.max_pool2d, F.max_pool3d)
            else ["kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"]
        )
        given = dict(zip(names, _a(node)[1:], strict=False))
        given.update({k: v for k, v in _k(node).items() if k in names})
        if _k(node).get("return_indices"):
            raise self.fail(node, name, "return_indices")
        if not self.constant(list(given.values())):
            raise self.fail(node, name, "pooling arguments computed at run time")
        if given.get("stride") in ((), []):
            given["stride"] = None
        op = "maxpool" if "dilation" in names else "avgpool"
        return layer(op, **given)

    def crop_to(self, node: fx.Node, name: str, owner: str, first: str, index: Any) -> Step:
        """``skip[:, :, dy:dy + h, dx:dx + w]`` with ``dy = (skip_h - h) // 2`` and ``h`` another
        tensor's size (jvanvugt's and the original U-Net's crop of the bridge): the merge that
        follows aligns by ``center_crop``. The slice bounds are computed again from the graph
        for many pairs of sizes and must be exactly the spec's centred crop."""
        rank = len(self.shape(first)) - 2
        items = list(index) if isinstance(index, tuple) else [index]
        if Ellipsis in items:
            at = items.index(Ellipsis)
            items = items[:at] + [slice(None)] * (rank + 2 - len(items) + 1) + items[at + 1 :]
        items += [slice(None)] * (rank + 2 - len(items))
        spatial = items[2:]
        sources = set(self.shape_sources(_slices(index))) - {first}
        if (
            len(items) != rank + 2
            or any(not (isinstance(s, slice) and s == slice(None)) for s in items[:2])
            or not all(isinstance(s, slice) and s.step in (None, 1) for s in spatial)
            or len(sources) != 1
        ):
            raise self.fail(node, name, "indexing with bounds computed at run time")
        target = sources.pop()
        if len(self.shape(target)) != rank + 2:
            raise self.fail(node, name, "a crop to the size of a tensor of another rank")
        for trial in range(1, 40):
            want = tuple(2 + (trial * 7 + 5 * a) % 37 for a in range(rank))
            have = tuple(w + (trial * 3 + a) % 7 for a, w in enumerate(want))
            sizes = {first: (1, 1, *have), target: (1, 1, *want)}
            try:
                got = [
                    (self.evaluate(s.start, sizes) or 0, self.evaluate(s.stop, sizes))
                    for s in spatial
                ]
            except (KeyError, IndexError, TypeError, ZeroDivisionError):
                got = None
            expected = [((h - w) // 2, (h - w) // 2 + w) for h, w in zip(have, want, strict=True)]
            if got != expected:
                raise self.fail(
                    node,
                    name,
                    "a crop computed from the sizes by a rule other than the centred crop "
                    "(start (skip - size) // 2)",
                )
        return Step(node.name, "resize", owner, name, (first,), size_of=target, align="center_crop")

    def crop(self, node: fx.Node, name: str, first: str | None) -> Layer:
        index = _a(node)[1]
        if first is None:
            raise self.fail(node, name, "indexing something that is not a tensor of the model")
        rank = len(self.shape(first))
        items = list(index) if isinstance(index, tuple) else [index]
        if Ellipsis in items:
            at = items.index(Ellipsis)
            items = items[:at] + [slice(None)] * (rank - len(items) + 1) + items[at + 1 :]
        items += [slice(None)] * (rank - len(items))
        margins: list[int] = []
        ok = len(items) == rank and all(
            isinstance(s, slice) and s == slice(None) for s in items[:2]
        )
        for s in items[2:] if ok else []:
            if not isinstance(s, slice) or s.step not in (None, 1):
                ok = False
                break
            start, stop = s.start or 0, s.stop
            if s == slice(None):
                margins.append(0)
            elif isinstance(start, int) and isinstance(stop, int) and start > 0 and stop == -start:
                margins.append(start)
            else:
                ok = False
                break
        if not ok:
            raise self.fail(
                node,
                name,
                "indexing that is not an equal crop of every spatial axis (x[..., m:-m])",
            )
        return layer("crop", margin=mapping.compact(margins))

    # -- a module's own parameters used as values ---------------------------------------
    def param_view(self, node: fx.Node) -> bool:
        """A view of one parameter alone (``self.gamma.reshape(1, -1, 1, 1)``,
        ``self.gamma[:, None, None]``, ``.view``, ``.unsqueeze``): remembered as that
        parameter, for the op that applies it (``channel_scale``)."""
        method = node.target if node.op == "call_method" else None
        if method not in mapping.PARAM_VIEW_METHODS and node.target not in mapping.PARAM_VIEWS:
            return False
        sources: set[str] = set()
        for a in node.all_input_nodes:
            if a.name in self.params:
                sources.add(str(a.target))
            elif a.name in self.param_of:
                sources.add(self.param_of[a.name])
            elif isinstance(self.values.get(a.name), torch.Tensor):
                return False  # a view of the model's tensor, or of something else
        if len(sources) != 1:
            return False
        self.param_of[node.name] = sources.pop()
        return True

    def channel_scale(self, node: fx.Node, name: str, owner: str) -> Step | None:
        """``x * gamma`` with ``gamma`` one parameter value per channel (ConvNeXt's layer
        scale, in any of the ways models write it): ``channel_scale``, its parameters counted
        as the module's that owns ``gamma``. None where it is not that."""
        method = node.target if node.op == "call_method" else None
        if _binary(node.target, method) != "mul" or len(_a(node)) != 2 or _k(node):
            return None
        args = _a(node)
        for x_arg, p_arg in (args, args[::-1]):
            x = self.tensor(x_arg)
            if x is None or not isinstance(p_arg, fx.Node):
                continue
            if p_arg.name in self.params:
                path = str(p_arg.target)
            elif p_arg.name in self.param_of:
                path = self.param_of[p_arg.name]
            else:
                continue
            shape = self.shape(x)
            held = self.gm.get_parameter(path) if _is_parameter(self.gm, path) else None
            scale = tuple(int(d) for d in self.values[p_arg.name].shape)
            aligned = (1,) * (len(shape) - len(scale)) + scale
            per_channel = (
                len(shape) > 1
                and len(aligned) == len(shape)
                and aligned[1] == shape[1]
                and all(d == 1 for i, d in enumerate(aligned) if i != 1)
            )
            if held is None or not per_channel or held.numel() != shape[1]:
                kind = "a parameter" if held is not None else "a buffer"
                raise self.fail(
                    node,
                    f"the tensor {path}",
                    f"{kind} of shape {list(scale)} multiplies a tensor of shape "
                    f"{list(shape)}; a spec states only a scale of one learnable value per "
                    "channel (channel_scale)",
                )
            step = Step(node.name, "layer", owner, name, (x,), [layer("channel_scale")])
            step.module = path.rpartition(".")[0] or None
            return step
        return None

    # -- the channels in parts -----------------------------------------------------------
    def channel_split(self, node: fx.Node) -> bool:
        """``x.split(n, dim=1)``, ``x.chunk(k, dim=1)`` (and ``torch.split``/``torch.chunk``) of a
        tensor of the model: remembered with each part's channels, read by ``parts[i]``."""
        method = node.target if node.op == "call_method" else None
        if method not in mapping.SPLIT_METHODS and node.target not in mapping.SPLIT_FUNCTIONS:
            return False
        args = _a(node)
        source = self.tensor(args[0]) if args else None
        parts = self.values.get(node.name)
        if source is None or not isinstance(parts, (tuple, list)):
            return False
        rank = len(self.shape(source))
        dim = _k(node).get("dim", args[2] if len(args) > 2 else 0)
        if not isinstance(dim, int) or dim % rank != 1:
            return False  # a split of another axis: the generic refusal
        ranges, start = [], 0
        for part in parts:
            stop = start + int(part.shape[1])
            ranges.append((start, stop))
            start = stop
        self.splits[node.name] = (source, ranges)
        return True

    def channel_part(self, node: fx.Node, name: str, owner: str, first: str | None) -> Step | None:
        """A part of the channels as ``channel_slice``: ``parts[i]`` of a channel split,
        ``x[:, a:b]`` and ``x.narrow(1, a, n)``. None where the node is none of these."""
        args = _a(node)
        picked: tuple[int, int] | None = None
        source = first
        if node.target is operator.getitem and isinstance(args[0], fx.Node):
            if args[0].name in self.splits:
                source, ranges = self.splits[args[0].name]
                if not isinstance(args[1], int):
                    raise self.fail(node, name, "a part of a channel split picked at run time")
                picked = ranges[args[1]]
            elif first is not None:
                picked = self.channel_index(first, args[1])
        elif (node.target == "narrow" or node.target is torch.narrow) and first is not None:
            given = args[1:] + [None] * 3
            dim = _k(node).get("dim", given[0])
            if isinstance(dim, int) and dim % len(self.shape(first)) == 1:
                at = _k(node).get("start", given[1])
                if not self.constant([at, _k(node).get("length", given[2])]):
                    raise self.fail(node, name, "a narrow computed at run time")
                start = int(at) % self.shape(first)[1]
                picked = (start, start + self.shape(node.name)[1])
        if picked is None or source is None:
            return None
        if picked == (0, self.shape(source)[1]):
            # every channel (GhostNet's ``out[:, :self.out_chs, :, :]`` where the primary and
            # cheap convs already make exactly out_chs): the value passes through
            self.passthrough(node, source, name)
            return None
        got = layer("channel_slice", start=picked[0], stop=picked[1])
        return Step(node.name, "layer", owner, name, (source,), [got])

    def channel_index(self, first: str, index: Any) -> tuple[int, int] | None:
        """``x[:, a:b]`` (every other axis whole): the channels a..b-1; None otherwise."""
        items = list(index) if isinstance(index, tuple) else [index]
        rank = len(self.shape(first))
        if Ellipsis in items:
            at = items.index(Ellipsis)
            items = items[:at] + [slice(None)] * (rank - len(items) + 1) + items[at + 1 :]
        items += [slice(None)] * (rank - len(items))
        whole = slice(None)
        if len(items) != rank or items[0] != whole or any(s != whole for s in items[2:]):
            return None
        picked = items[1]
        if not isinstance(picked, slice) or picked == whole or picked.step not in (None, 1):
            return None
        bounds = [picked.start, picked.stop]
        if not self.constant(bounds):
            # read from the channels (``y[:, : y.shape[1] // 2]``): the same at every size
            shape = self.shape(first)
            tried = set()
            for extra in (0, 3, 17):
                sizes = {first: (*shape[:2], *(d + extra for d in shape[2:]))}
                try:
                    tried.add(tuple(self.evaluate(b, sizes) for b in bounds))
                except (KeyError, IndexError, TypeError, ZeroDivisionError):
                    return None
            if len(tried) != 1:
                return None
            bounds = list(tried.pop())
        start, stop, _ = slice(*bounds).indices(self.shape(first)[1])
        return (start, stop) if stop > start else None

    # -- ShuffleNet's channel shuffle ----------------------------------------------------
    def shuffle_on_its_way(self, node: fx.Node, first: str | None) -> bool:
        """The first steps of a channel shuffle: ``x.view(N, g, C // g, *spatial)`` of a
        tensor of the model, then ``.transpose(1, 2)`` (or ``.permute(0, 2, 1, ...)``) and
        ``.contiguous()``; remembered until the view back makes it a ``channel_shuffle``."""
        method = node.target if node.op == "call_method" else None
        args = _a(node)
        reshape = method in ("view", "reshape") or node.target is torch.reshape
        if reshape and first is not None:
            before, after = self.shape(first), self.shape(node.name)
            if not (
                len(after) == len(before) + 1 >= 4
                and after[0] == before[0]
                and after[1] * after[2] == before[1]
                and after[3:] == before[2:]
                and after[1] > 1
            ):
                return False
            if not self.views_as(first, args[1:], lambda t: [t[0], after[1], after[2], *t[2:]]):
                return False
            self.shuffling[node.name] = (first, after[1], False)
            return True
        arg = args[0] if args else None
        if not isinstance(arg, fx.Node) or arg.name not in self.shuffling:
            return False
        source, groups, swapped = self.shuffling[arg.name]
        if method in mapping.PASS_METHODS:
            self.shuffling[node.name] = (source, groups, swapped)
            return True
        dims = [d for d in args[1:]] + list(_k(node).values())
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = list(dims[0])
        rank = len(self.shape(arg.name))
        transposes = (method == "transpose" or node.target is torch.transpose) and sorted(
            d % rank for d in dims if isinstance(d, int)
        ) == [1, 2]
        permutes = (method == "permute" or node.target is torch.permute) and dims == [
            0,
            2,
            1,
            *range(3, rank),
        ]
        if (transposes or permutes) and not swapped:
            self.shuffling[node.name] = (source, groups, True)
            return True
        return False

    def shuffled(self, node: fx.Node, name: str, owner: str) -> Step:
        """The view back to ``[N, C, *spatial]`` that ends a channel shuffle."""
        source, groups, swapped = self.shuffling[_a(node)[0].name]
        method = node.target if node.op == "call_method" else None
        back = (method in ("view", "reshape") or node.target is torch.reshape) and swapped
        if not back or self.shape(node.name) != self.shape(source):
            raise self.fail(node, name, "a view of the channels as groups other than a shuffle")
        if not self.views_as(source, _a(node)[1:], lambda t: list(t)):
            raise self.fail(node, name, "a view back with sizes that hold at this size only")
        return Step(
            node.name, "layer", owner, name, (source,), [layer("channel_shuffle", groups=groups)]
        )

    def views_as(self, source: str, dims: list[Any], want: Any) -> bool:
        """Whether the view sizes ``dims`` (read from ``source``'s sizes) are ``want(shape)``
        at every shape tried, ``-1`` standing for the size that is left."""
        if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
            dims = list(dims[0])
        shape = self.shape(source)
        for trial in range(1, 12):
            tried = (*shape[:2], *(1 + (trial * 7 + 3 * a) % 29 for a in range(len(shape) - 2)))
            try:
                got = [self.evaluate(d, {source: tried}) for d in dims]
            except (KeyError, IndexError, TypeError, ZeroDivisionError):
                return False
            expected = want(tried)
            if len(got) != len(expected) or got.count(-1) > 1:
                return False
            if any(g != e and g != -1 for g, e in zip(got, expected, strict=True)):
                return False
        return True

    # -- layers in a channels-last view (ConvNeXt's Permute → LayerNorm → Linear → Permute) --
    def in_channels_last(self, node: fx.Node) -> bool:
        """Whether the node computes in a channels-last view where the LayerNorm2d pattern
        (``F.layer_norm`` of the view, permuted straight back) does not cover it."""
        for a in node.all_input_nodes:
            if a.name in self.last_of:
                return True
            if a.name in self.channels_last and node.target is not F.layer_norm:
                return True
            if a.name in self.channels_last_norm and node.target != "permute":
                return True
        return False

    def channels_first_of(self, a: Any) -> str | None:
        """The step whose channels-first value a channels-last value is (None: not one)."""
        if not isinstance(a, fx.Node):
            return None
        if a.name in self.last_of:
            return self.last_of[a.name]
        if a.name in self.channels_last:
            return self.channels_last[a.name]
        if a.name in self.channels_last_norm:  # F.layer_norm of the view, read by a layer
            source, norm = self.channels_last_norm[a.name]
            step = Step(a.name, "layer", _owner(a), "LayerNorm2d", (source,), [norm])
            step.module = self.modules_of.get(a.name) or None
            self.steps.append(self.channels_first(a, step))
            return a.name
        return None

    def channels_first(self, node: fx.Node, step: Step) -> Step:
        """``step`` computes ``node``'s channels-last value: its shape is read channels first."""
        self.values[node.name] = self.values[node.name].movedim(-1, 1)
        self.last_of[node.name] = node.name
        step.shape = self.shape(node.name)
        frame = node.meta.get("skipcheck_frame")
        if frame is not None:
            file, line, function = frame
            step.origin = origin_at(file, line, function, step.module or step.owner)
        return step

    def channels_last_step(self, node: fx.Node) -> Step | None:
        """A layer on a channels-last view, as the layer it is on the channels: a LayerNorm
        over the channels is ``channel_layernorm``, a Linear a 1x1 ``conv`` (the same weights
        and bias), an activation or dropout itself, ``x * gamma`` a ``channel_scale``, the
        add of two such values an ``add``; the permute back ends the view."""
        target = node.target
        method = target if node.op == "call_method" else None
        name = str(target) if node.op == "call_module" else _fn_name(target)
        owner = str(target) if node.op == "call_module" else _owner(node)
        args = _a(node)
        x = self.channels_first_of(args[0]) if args else None
        if x is None:
            raise self.fail(node, name, _CHANNELS_LAST)
        rank = len(self.values[args[0].name].shape)
        channels = self.shape(x)[1]
        module: str | None = None
        got: Layer | None = None
        if method == "permute" or target is torch.permute:
            dims = list(args[1:])
            if len(dims) == 1 and isinstance(dims[0], (list, tuple)):
                dims = list(dims[0])
            if dims != [0, rank - 1, *range(1, rank - 1)]:
                raise self.fail(node, name, _CHANNELS_LAST)
            self.alias[node.name] = x  # back to channels first: the value itself
            return None
        if method in mapping.PASS_METHODS:
            self.last_of[node.name] = x
            return None
        if node.op == "call_module":
            sub = self.gm.get_submodule(str(target))
            module = str(target)
            name = type(sub).__name__
            if name in mapping.EVAL_IDENTITIES:
                self.last_of[node.name] = x
                return None
            got = self.channels_last_module(sub, channels)
        else:
            found = self.on_channels(node, channels)
            if found is None:
                return self.channels_last_binary(node, name, owner, x, channels)
            got, module = found
        if got is None:
            raise self.fail(node, name, _CHANNELS_LAST)
        step = Step(node.name, "layer", owner, name, (x,), [got])
        step.module = module or None
        return self.channels_first(node, step)

    def on_channels(self, node: fx.Node, channels: int) -> tuple[Layer | None, str | None] | None:
        """A function acting on each position's channels — ``F.linear`` and ``F.layer_norm``
        with a module's own weights, an activation, dropout — as (its layer, the module whose
        weights it uses), in a channels-last view or on a gate's vector; None for another."""
        target = node.target
        method = target if node.op == "call_method" else None
        if target is F.linear or target is F.layer_norm:
            return self.channels_last_functional(node, channels)
        if target in mapping.ACTIVATION_FUNCTIONS or method in mapping.ACTIVATION_METHODS:
            op = mapping.ACTIVATION_FUNCTIONS.get(target) or mapping.ACTIVATION_METHODS[str(method)]
            return self.activation(node, op), None
        if target is F.dropout:
            args = _a(node)
            p = _k(node).get("p", args[1] if len(args) > 1 else 0.5)
            return layer("dropout", p=float(p)), None
        return None

    def channels_last_module(self, sub: nn.Module, channels: int) -> Layer | None:
        if isinstance(sub, nn.LayerNorm) and tuple(sub.normalized_shape) == (channels,):
            return layer(
                "channel_layernorm",
                eps=float(sub.eps),
                elementwise_affine=bool(sub.elementwise_affine),
                bias=sub.bias is not None,
            )
        if isinstance(sub, nn.Linear):
            return layer(
                "conv",
                in_channels=sub.in_features,
                out_channels=sub.out_features,
                kernel_size=1,
                bias=sub.bias is not None,
            )
        got = mapping.module_layer(sub)
        return got if got is not None and got[0] in mapping.ELEMENTWISE_OPS else None

    def channels_last_functional(
        self, node: fx.Node, channels: int
    ) -> tuple[Layer | None, str | None]:
        """``F.linear(x, self.weight, self.bias)`` and ``F.layer_norm(x, (C,), self.weight,
        self.bias)`` on a channels-last view: a 1x1 conv, a channel_layernorm."""
        args, kw = list(_a(node)) + [None] * 5, _k(node)
        try:
            if node.target is F.linear:
                weight = self.param(kw.get("weight", args[1]))
                bias = self.param(kw.get("bias", args[2]))
                if weight is None:
                    return None, None
                w = weight[1]
                got = layer(
                    "conv",
                    in_channels=int(w.shape[1]),
                    out_channels=int(w.shape[0]),
                    kernel_size=1,
                    bias=bias is not None,
                )
                return got, weight[0]
            shape = kw.get("normalized_shape", args[1])
            weight = self.param(kw.get("weight", args[2]))
            bias = self.param(kw.get("bias", args[3]))
        except KeyError:
            return None, None
        if list(shape or []) != [channels]:
            return None, None
        eps = kw.get("eps", args[4] if args[4] is not None else 1e-5)
        got = layer(
            "channel_layernorm",
            eps=float(eps),
            elementwise_affine=weight is not None,
            bias=bias is not None,
        )
        return got, (weight or bias or ("", None))[0]

    def channels_last_binary(
        self, node: fx.Node, name: str, owner: str, x: str, channels: int
    ) -> Step | None:
        """``x * gamma`` (gamma of shape [C]) and the add or mul of two channels-last values."""
        method = node.target if node.op == "call_method" else None
        binary = _binary(node.target, method)
        args = _a(node)
        if binary is None or len(args) != 2:
            raise self.fail(node, name, _CHANNELS_LAST)
        other = args[1]
        if isinstance(other, fx.Node) and (
            other.name in self.params or other.name in self.param_of
        ):
            path = self.param_of.get(other.name, str(other.target))
            scale = tuple(int(d) for d in self.values[other.name].shape)
            held = self.gm.get_parameter(path) if _is_parameter(self.gm, path) else None
            if (
                binary != "mul"
                or held is None
                or held.numel() != channels
                or scale[-1:] != (channels,)
            ):
                raise self.fail(node, name, _CHANNELS_LAST)
            step = Step(node.name, "layer", owner, name, (x,), [layer("channel_scale")])
            step.module = path.rpartition(".")[0] or None
            return self.channels_first(node, step)
        y = self.channels_first_of(other)
        if y is None or binary not in ("add", "mul") or self.shape(x) != self.shape(y):
            raise self.fail(node, name, _CHANNELS_LAST)
        return self.channels_first(node, Step(node.name, "merge", owner, name, (x, y), op=binary))

    # -- squeeze-and-excitation on a (N, C) vector (gates.py) ----------------------------
    def spatial_ones(self, name: str) -> bool:
        """Whether the tensor's spatial sizes are 1 at every input size (the symbolic trace's
        sizes are the constant 1, not an expression that is 1 at the example)."""
        shape = self.symbolic_shape(name)
        return shape is not None and len(shape) > 2 and all(d == 1 for d in shape[2:])

    def vector_step(self, node: fx.Node) -> Step | None:
        """A step of a channel gate computed on the (N, C) squeeze of a 1x1 map, as the spec
        layer it is on the map: the squeeze and the view back are the map itself, a mean over
        the spatial axes a ``global_avgpool``, a Linear a 1x1 ``conv`` (the same weights), a
        LayerNorm over the channels ``channel_layernorm``, a BatchNorm1d ``batchnorm``, an
        activation or dropout itself, the add or mul of two vectors a merge."""
        target = node.target
        method = target if node.op == "call_method" else None
        name = str(target) if node.op == "call_module" else _fn_name(target)
        owner = str(target) if node.op == "call_module" else _owner(node)
        args = _a(node)
        x = next((t for t in (self.tensor(a) for a in args) if t is not None), None)
        if node.op == "call_module":
            name = type(self.gm.get_submodule(str(target))).__name__
        if x is None or (node.name not in self.gates.rank and node.name not in self.gates.exits):
            raise self.fail(node, name, gates.WHY)
        if gates.reshapes(node) or (node.name in self.gates.starts and node.op == "call_module"):
            self.alias[node.name] = x  # a view of the 1x1 map: the map itself
            return None
        channels = self.shape(x)[1]
        module: str | None = None
        got: Layer | None = None
        if node.name in self.gates.starts:  # x.mean((2, 3)) without keepdim
            got = layer("global_avgpool")
        elif node.op == "call_module":
            sub = self.gm.get_submodule(str(target))
            module = str(target)
            if isinstance(sub, nn.BatchNorm1d):
                got = mapping.module_layer(sub)
            else:
                got = self.channels_last_module(sub, channels)
        elif (found := self.on_channels(node, channels)) is not None:
            got, module = found
        else:
            binary = _binary(target, method)
            both = [t for t in (self.tensor(a) for a in args[:2]) if t is not None]
            if binary is None or binary == "max":
                raise self.fail(node, name, gates.WHY)
            if len(both) == 1:
                self.alias[node.name] = x  # with a number (x + 3): the shape passes
                return None
            step = Step(node.name, "merge", owner, name, tuple(both), op=binary)
            return self.as_map(node, step)
        if got is None:
            raise self.fail(node, name, gates.WHY)
        step = Step(node.name, "layer", owner, name, (x,), [got])
        step.module = module or None
        return self.as_map(node, step)

    def broadcasts(self, first: str, node: fx.Node) -> bool:
        """An expand that only stretches size-1 spatial axes (batch and channels kept)."""
        before, after = self.shape(first), self.shape(node.name)
        return (
            len(before) == len(after) > 2
            and before[:2] == after[:2]
            and all(d == 1 for d in before[2:])
            and (first in self.gates.rank or self.spatial_ones(first))  # a gate's: 1x1 by making
        )

    def as_map(self, node: fx.Node, step: Step) -> Step:
        """``step`` computes a vector of a gate: its value read as the 1x1 map's shape."""
        value = self.values[node.name]
        extra = self.gates.rank[node.name] - value.dim()
        self.values[node.name] = value.reshape(*value.shape, *([1] * extra))
        return step

    # -- TensorFlow's 'SAME' padding, computed at run time -------------------------------
    def pad_same(self, node: fx.Node, name: str, owner: str, first: str | None) -> Step | None:
        """``F.pad(x, [pw // 2, pw - pw // 2, ph // 2, ph - ph // 2])`` with ``ph = max((ceil(h /
        s) - 1) * s + (k - 1) * d + 1 - h, 0)`` computed from ``x``'s own sizes (timm's
        pad_same, before Conv2dSame and MaxPool2dSame): ``pad_same``. The amounts are computed
        again from the traced graph at many sizes, and the window and stride are the ones that
        rule gives at every size tried; None where the pad reads another tensor's sizes."""
        pads = _k(node).get("pad", _a(node)[1] if len(_a(node)) > 1 else None)
        if first is None or self.constant(pads) or not isinstance(pads, (list, tuple)):
            return None
        if set(self.shape_sources(pads)) != {first}:
            return None
        mode = _k(node).get("mode", _a(node)[2] if len(_a(node)) > 2 else "constant")
        value = _k(node).get("value", _a(node)[3] if len(_a(node)) > 3 else 0.0)
        shape = self.shape(first)
        rank = len(shape) - 2
        if mode != "constant" or len(pads) != 2 * rank or not self.constant(value):
            raise self.fail(node, name, "padding computed at run time from its own sizes")
        seen: list[dict[int, int]] = [{} for _ in range(rank)]
        for trial in range(192):
            # every size 1..96 on every axis, twice, beside different sizes of the others
            sizes = [1 + (trial + (7 if trial < 96 else 31) * a) % 96 for a in range(rank)]
            try:
                got = [self.evaluate(p, {first: (*shape[:2], *sizes)}) for p in pads]
            except (KeyError, IndexError, TypeError, ValueError, ZeroDivisionError):
                raise self.fail(node, name, _NOT_SAME) from None
            for a in range(rank):  # F.pad's pairs start at the last axis
                lo, hi = got[2 * (rank - 1 - a)], got[2 * (rank - 1 - a) + 1]
                total = lo + hi
                if lo != total // 2 or seen[a].setdefault(sizes[a], total) != total:
                    raise self.fail(node, name, _NOT_SAME)
        params = self.window_of(node, seen)
        if params is None:
            fitted = [_same_rule(pairs) for pairs in seen]
            if any(f is None for f in fitted):
                raise self.fail(node, name, _NOT_SAME)
            params = {
                "kernel_size": [f[0] for f in fitted if f is not None],
                "stride": [f[1] for f in fitted if f is not None],
            }
        if value:
            if float(value) != float("-inf"):
                raise self.fail(node, name, "'SAME' padding with a value other than 0 or -inf")
            params["fill"] = "lowest"  # MaxPool2dSame's: never the max
        return Step(node.name, "layer", owner, name, (first,), [layer("pad_same", **params)])

    def channel_pad(self, node: fx.Node, owner: str, first: str | None) -> Step | None:
        """``F.pad`` with a pair for the channel axis too (MONAI's ChannelPad: ``[0, 0, 0, 0,
        p1, p2]``): zero channels, ``channel_pad``, after the spatial ``pad`` if any. None
        where it pads only spatial axes (the batch axis padded is refused as before)."""
        pads = _k(node).get("pad", _a(node)[1] if len(_a(node)) > 1 else None)
        mode = _k(node).get("mode", _a(node)[2] if len(_a(node)) > 2 else "constant")
        value = _k(node).get("value", _a(node)[3] if len(_a(node)) > 3 else None)
        if first is None or not isinstance(pads, (list, tuple)) or not self.constant(pads):
            return None
        rank = len(self.shape(first)) - 2
        if len(pads) not in (2 * rank + 2, 2 * rank + 4) or mode != "constant" or value:
            return None
        if len(pads) == 2 * rank + 4 and any(pads[2 * rank + 2 :]):
            return None  # the batch axis padded
        before, after = int(pads[2 * rank]), int(pads[2 * rank + 1])
        if before < 0 or after < 0:
            return None
        spatial = [int(p) for p in pads[: 2 * rank]]
        layers = [layer("pad", padding=spatial)] if any(spatial) else []
        layers.append(layer("channel_pad", before=before, after=after))
        return Step(node.name, "layer", owner, "F.pad", (first,), layers)

    def window_of(self, node: fx.Node, seen: Sequence[Mapping[int, int]]) -> dict[str, Any] | None:
        """The kernel, stride and dilation of the conv or pool the padding is for (its one
        reader), where the 'SAME' rule with them is the padding at every size tried: the spec
        then repeats the layer's own numbers. None otherwise (the fitted window is written)."""
        if len(node.users) != 1:
            return None
        user = next(iter(node.users))
        args, kw = list(_a(user)) + [None] * 6, _k(user)
        rank = len(seen)
        if (
            user.target in mapping.FUNCTIONAL_LAYERS
            and mapping.FUNCTIONAL_LAYERS[user.target] == "conv"
        ):
            weight = kw.get("weight", args[1])
            if not isinstance(weight, fx.Node) or weight.name not in self.params:
                return None
            k: Any = tuple(int(v) for v in self.values[weight.name].shape[2:])
            stride, dilation = kw.get("stride", args[3] or 1), kw.get("dilation", args[5] or 1)
        elif user.target in (F.max_pool1d, F.max_pool2d, F.max_pool3d, F.avg_pool2d):
            k = kw.get("kernel_size", args[1])
            stride = kw.get("stride", args[2] or k)
            dilation = kw.get("dilation", args[4] or 1) if user.target is not F.avg_pool2d else 1
        else:
            return None
        if not self.constant([k, stride, dilation]):
            return None
        ks, ss, ds = (
            list(v) if isinstance(v, (list, tuple)) else [v] * rank for v in (k, stride, dilation)
        )
        if not len(ks) == len(ss) == len(ds) == rank:
            return None
        for a in range(rank):
            window = (int(ks[a]) - 1) * int(ds[a]) + 1
            rule = ((-(-i // int(ss[a])) - 1) * int(ss[a]) + window - i for i in seen[a])
            if any(max(r, 0) != p for r, p in zip(rule, seen[a].values(), strict=True)):
                return None
        return {"kernel_size": ks, "stride": ss, "dilation": ds}
