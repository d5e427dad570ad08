"""fx tracing where every traced value also carries its value with symbolic sizes, so the
model's own Python on sizes runs instead of stopping the trace.

Plain ``torch.fx.symbolic_trace`` hands the model a Proxy: ``len(x.shape)``,
``if h % 32: raise``, ``np.array(x.shape)`` and ``if out.size() != skip.size()`` stop it.
Here each node's value is also computed with a fake tensor whose spatial sizes are
symbols of a ``ShapeEnv`` (torch's own symbolic-shape machinery: the one torch.export and
``make_fx(tracing_mode="symbolic")`` use), with the example size as its hint. Where Python
asks a question of a size (``bool``, ``len``, ``int``, iteration), the symbolic value
answers it, and the guard it records is kept with the user's frame that asked — a
condition the model itself puts on its input (smp's "divisible by 32", a transformer's
fixed patch grid). Guards torch's own kernels record (a conv's output is at least 1) are
not kept: skipcheck derives those itself.
"""

from __future__ import annotations

import builtins
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import fx, nn

from skipcheck.torch.importer.origin import user_frame

_UNKNOWN = object()
# taken at import: the capture replaces them on ``torch`` while it traces
_TENSOR_MAKERS = (
    torch.as_tensor,
    torch.tensor,
)  # a value the fake run could not compute: the node behaves as in plain fx


@dataclass(frozen=True)
class Guard:
    """What Python on the model's sizes assumed: sympy relations over the input's size
    symbols, and the user's frame (file, line, function) that asked."""

    exprs: tuple[Any, ...]
    frame: tuple[str, int, str] | None


class _Sym:
    """The questions plain fx refuses to answer, answered from the symbolic value."""

    tracer: Any

    def __len__(self) -> int:
        value = self.tracer.value_of(self)
        if isinstance(value, (torch.Size, tuple, list, torch.Tensor)):
            return len(value)
        raise TypeError(f"object of type {type(value).__name__} has no len()")

    def __getattr__(self, k: str) -> Any:
        if k.startswith("__") and k.endswith("__"):
            # numpy's __array__, torch's __cuda_array_interface__: protocols a size does not
            # have (numpy then reads it as a sequence), not attributes to trace
            raise AttributeError(k)
        return _SymAttribute(self, k)  # type: ignore[arg-type]

    def __index__(self) -> int:
        return int(self.tracer.concrete(self, int))

    def __int__(self) -> int:
        return int(self.tracer.concrete(self, int))

    # math.ceil(ih / stride) (timm's pad_same): a graph node, as ``ih / stride`` is, not
    # an int taken at the example size
    def __ceil__(self) -> Any:
        return self.tracer.create_proxy("call_function", math.ceil, (self,), {})

    def __floor__(self) -> Any:
        return self.tracer.create_proxy("call_function", math.floor, (self,), {})


class _SymProxy(_Sym, fx.Proxy):
    pass


class _SymAttribute(_Sym, fx.proxy.Attribute):
    pass


class SymbolicTracer(fx.Tracer):
    """An fx tracer whose proxies also carry fake values with symbolic spatial sizes."""

    def __init__(self, shape: Sequence[int]) -> None:
        super().__init__()
        from torch._subclasses.fake_tensor import FakeTensorMode
        from torch.fx.experimental.symbolic_shapes import ShapeEnv

        self.shape = tuple(shape)
        self.env = ShapeEnv()
        self.fake = FakeTensorMode(shape_env=self.env, allow_non_fake_inputs=True)
        self.values: dict[fx.Node, Any] = {}
        self.guards: list[Guard] = []
        self.symbols: dict[Any, int] = {}  # the input's size symbol → its axis

    def proxy(self, node: fx.Node) -> fx.Proxy:
        return _SymProxy(node, self)

    def value_of(self, proxy: Any) -> Any:
        value = self.values.get(proxy.node, _UNKNOWN)
        if value is _UNKNOWN:
            raise fx.proxy.TraceError(
                "symbolically traced variables cannot be used as inputs to control flow"
            )
        return value

    def create_proxy(
        self,
        kind: str,
        target: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        name: str | None = None,
        type_expr: Any | None = None,
        proxy_factory_fn: Callable[[fx.Node], fx.Proxy] | None = None,
    ) -> fx.Proxy:
        proxy = super().create_proxy(kind, target, args, kwargs, name, type_expr, proxy_factory_fn)
        node = proxy.node
        try:
            if kind in ("call_function", "call_method") and not _reads_tensor(node, self.values):
                # arithmetic on sizes in Python (numpy, a tensor made of sizes): a guard it
                # records is the model's own, as for a bool
                self.values[node] = self._guarded(lambda: self._value(kind, target, node))
            else:
                self.values[node] = self._value(kind, target, node)
        except Exception:
            self.values[node] = _UNKNOWN
        return proxy

    def _value(self, kind: str, target: Any, node: fx.Node) -> Any:
        from torch._dispatch.python import enable_python_dispatcher

        if kind == "placeholder":
            return self._input() if not self.values else _UNKNOWN
        if kind == "output":
            return _UNKNOWN
        args = fx.node.map_arg(node.args, self._arg)
        kwargs = fx.node.map_arg(node.kwargs, self._arg)
        if target in _TENSOR_MAKERS and _sizes(args[0] if args else None):
            # a tensor made of sizes (``torch.as_tensor(x.shape[2:])``): kept as the sizes
            # themselves, so arithmetic and comparisons on it stay symbolic
            import numpy as np

            sizes: Any = args[0]
            return np.array(list(sizes), dtype=object)
        with self.fake, enable_python_dispatcher(), _unpatched_modules():
            if kind == "call_function":
                return target(*args, **kwargs)
            if kind == "call_method":
                return getattr(args[0], target)(*args[1:], **kwargs)
            if kind == "call_module":
                return self.root.get_submodule(target)(*args, **kwargs)
            if kind == "get_attr":
                owner, _, attr = str(target).rpartition(".")
                return getattr(self.root.get_submodule(owner) if owner else self.root, attr)
        return _UNKNOWN

    def _arg(self, node: fx.Node) -> Any:
        value = self.values.get(node, _UNKNOWN)
        if value is _UNKNOWN:
            raise LookupError(node.name)
        return value

    def _input(self) -> Any:
        from torch.fx.experimental.symbolic_shapes import DimDynamic, StatelessSymbolicContext

        rank = len(self.shape) - 2
        context: Any = StatelessSymbolicContext(
            dynamic_sizes=[DimDynamic.STATIC] * 2 + [DimDynamic.DYNAMIC] * rank
        )
        x = self.fake.from_tensor(torch.empty(*self.shape, device="meta"), symbolic_context=context)
        for axis in range(2, len(self.shape)):
            size: Any = x.shape[axis]
            self.symbols[size.node.expr] = axis
        return x

    def _guarded(self, ask: Callable[[], Any]) -> Any:
        before = len(self.env.guards)
        answer = ask()
        new = tuple(g.expr for g in self.env.guards[before:])
        if new:
            self.guards.append(Guard(new, user_frame(sys._getframe(1))))
        return answer

    def to_bool(self, obj: fx.Proxy) -> bool:
        value = self.value_of(obj)
        if isinstance(value, torch.Tensor):  # a tensor's values: not known when tracing
            return bool(super().to_bool(obj))
        return bool(self._guarded(lambda: bool(value)))

    def concrete(self, obj: fx.Proxy, kind: Callable[[Any], Any]) -> Any:
        value = self.value_of(obj)
        return self._guarded(lambda: kind(value))

    def iter(self, obj: fx.Proxy) -> Any:
        value = self.values.get(obj.node, _UNKNOWN)
        if isinstance(value, (torch.Size, tuple, list)):
            proxy: Any = obj
            return iter([proxy[k] for k in range(len(value))])
        return super().iter(obj)


def _sizes(value: Any) -> bool:
    return isinstance(value, (torch.Size, tuple, list)) and any(
        isinstance(v, torch.SymInt) for v in value
    )


def _reads_tensor(node: fx.Node, values: dict[fx.Node, Any]) -> bool:
    """Whether a node reads a tensor (its guards are then torch's kernels', not the model's)."""
    return any(isinstance(values.get(n), torch.Tensor) for n in node.all_input_nodes)


class _unpatched_modules:
    """While fx traces, ``nn.Module.__call__`` and ``__getattr__`` are patched to make graph
    nodes; computing a leaf module's fake value needs the real ones back for a moment."""

    def __enter__(self) -> None:
        from torch.fx import _symbolic_trace as st

        self.saved = (nn.Module.__call__, nn.Module.__getattr__)
        nn.Module.__call__ = st._orig_module_call  # type: ignore[method-assign]
        nn.Module.__getattr__ = st._orig_module_getattr  # type: ignore[method-assign]

    def __exit__(self, *exc: object) -> None:
        nn.Module.__call__, nn.Module.__getattr__ = self.saved  # type: ignore[method-assign]


def size_max(*values: Any) -> Any:
    """``max`` of sizes, symbolic where they are (no guard: both sides stay possible)."""
    out = values[0]
    for v in values[1:]:
        if isinstance(out, torch.SymInt) or isinstance(v, torch.SymInt):
            out = torch.sym_max(out, v)  # type: ignore[no-untyped-call]
        elif v > out:
            out = v
    return out


def size_min(*values: Any) -> Any:
    """``min`` of sizes, symbolic where they are."""
    out = values[0]
    for v in values[1:]:
        if isinstance(out, torch.SymInt) or isinstance(v, torch.SymInt):
            out = torch.sym_min(out, v)  # type: ignore[no-untyped-call]
        elif v < out:
            out = v
    return out


class sizes_in_max_min:
    """While tracing, ``max``/``min`` of a traced size (timm's pad_same: ``max(pad, 0)``) is a
    graph node computed symbolically: Python's own would compare, and the comparison would
    take one side at the example size with a guard the model never meant as a condition."""

    def __enter__(self) -> None:
        self.saved = builtins.max, builtins.min
        builtins.max = _of_sizes(builtins.max, size_max)
        builtins.min = _of_sizes(builtins.min, size_min)

    def __exit__(self, *exc: object) -> None:
        builtins.max, builtins.min = self.saved


def _of_sizes(original: Any, symbolic: Any) -> Any:
    def pick(*args: Any, **kwargs: Any) -> Any:
        items = args[0] if len(args) == 1 and isinstance(args[0], (list, tuple)) else args
        if not kwargs and any(isinstance(v, _Sym) for v in items):
            tracer = next(v.tracer for v in items if isinstance(v, _Sym))
            return tracer.create_proxy("call_function", symbolic, tuple(items), {})
        return original(*args, **kwargs)

    return pick
