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
from skipcheck.torch.importer.mapping import Layer, layer
from skipcheck.torch.importer.origin import Origin, origin_at, user_frame
from skipcheck.torch.importer.symbolic import SymbolicTracer

META = torch.device("meta")


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


def _trace_failure(model: nn.Module, exc: Exception) -> CannotMap:
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
                out.append(
                    Condition(
                        axis, "", 0, origin=origin, text=str(expr), probe=probe, truth=tuple(truth)
                    )
                )
                continue
            if got in seen:
                continue
            seen.add(got)
            out.append(Condition(*got, origin=origin, probe=probe, truth=tuple(truth)))
    return out


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

    def run(self) -> Capture:
        outputs: list[tuple[str, str]] = []
        seen_input = False
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
            if not isinstance(self.values.get(node.name), torch.Tensor):
                continue  # a size or a number: read by the steps that use it
            if node.op != "get_attr" and not any(
                self.tensor(a) is not None or a.op == "get_attr" or a.name in self.stacks
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
        ):
            return self.alias.get(value.name, value.name)
        return None

    def fail(self, node: fx.Node, what: str, why: str) -> CannotMap:
        owner = node.target if node.op == "call_module" else _owner(node)
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
        method = target if node.op == "call_method" else None
        args = list(_a(node))
        tensors = [self.tensor(a) for a in args]
        first = tensors[0] if tensors else None
        owner = _owner(node)

        def single(*layers: Layer) -> Step:
            if first is None:
                raise self.fail(node, name, "its input is not a tensor of the model")
            return Step(node.name, "layer", owner, name, (first,), list(layers))

        if method in mapping.PASS_METHODS or target in mapping.PASS_FUNCTIONS:
            self.passthrough(node, first, name)
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
        if method == "permute":
            return self.permute(node, name, owner, first)
        if method == "repeat":
            return single(self.tile(node, name))
        used = [a.target for a in node.all_input_nodes if a.name in self.params]
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
        if target in mapping.CAT:
            return self.cat(node, name, owner)
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
        if target in mapping.ACTIVATION_FUNCTIONS or method in mapping.ACTIVATION_METHODS:
            op = mapping.ACTIVATION_FUNCTIONS.get(target) or mapping.ACTIVATION_METHODS[str(method)]
            return single(self.activation(node, op))
        if target in (F.interpolate, F.upsample):
            return self.interpolate(node, name, owner, first)
        if target is F.dropout or target in (F.dropout1d, F.dropout2d, F.dropout3d):
            p = _k(node).get("p", args[1] if len(args) > 1 else 0.5)
            return single(layer("dropout", p=float(p)))
        if target is F.pad:
            if first is not None and not self.constant(_k(node).get("pad", _a(node)[1:2])):
                return self.pad_to(node, name, owner, first)
            return single(self.pad(node, name))
        if target in (torch.flatten,) or method == "flatten":
            start = _k(node).get("start_dim", args[1] if len(args) > 1 else 0)
            end = _k(node).get("end_dim", args[2] if len(args) > 2 else -1)
            if not self.constant([start, end]):
                raise self.fail(node, name, "flatten over axes computed at run time")
            return single(layer("flatten", start_dim=start, end_dim=end))
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
        """``torch.stack(features)``: only as the start of ``.sum(dim=0)`` (smp's FPN merge)."""
        items = _a(node)[0] if _a(node) else _k(node).get("tensors")
        dim = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else 0)
        tensors = [self.tensor(t) for t in items] if isinstance(items, (list, tuple)) else [None]
        if dim != 0 or any(t is None for t in tensors):
            raise self.fail(node, name, "a stack other than of feature maps on a new first axis")
        self.stacks[node.name] = [t for t in tensors if t is not None]

    def stacked_sum(self, node: fx.Node, name: str, owner: str) -> Step:
        """``torch.stack([a, b, c]).sum(dim=0)``: the add of the tensors (one merge)."""
        dim = _k(node).get("dim", _a(node)[1] if len(_a(node)) > 1 else None)
        names = self.stacks[_a(node)[0].name]
        if dim not in (0, [0], (0,)) or len(names) < 2:
            raise self.fail(node, name, "a sum over another axis than the stacked one")
        if len({self.shape(t) for t in names}) != 1:
            raise self.fail(node, name, "a sum of stacked tensors of different shapes")
        return Step(node.name, "merge", owner, "torch.stack(...).sum", tuple(names), op="add")

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
            source = self.size_source(size)
            if source is None:
                raise self.fail(
                    node,
                    name,
                    "a size computed at run time that is not another tensor's spatial size",
                )
            # kept as a resize_to layer for where no merge with ``source`` follows
            how = layer("resize_to", mode=str(mode), align_corners=corners)
            return Step(node.name, "resize", owner, name, (first,), [how], size_of=source)
        got = mapping.upsample(size, scale, str(mode), corners)
        if got is None:
            raise self.fail(node, name, "neither size nor scale_factor given")
        return Step(node.name, "layer", owner, name, (first,), [got])

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
            return sizes[self.tensor(raw[0]) or ""]
        if value.op == "call_method" and value.target == "size":
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
