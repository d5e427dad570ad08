"""Brute force for imported specs: the original model, run by torch on the CPU, size by size,
against the valid-size set that `skipcheck sizes` derives from the imported spec."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch.overrides import TorchFunctionMode

from skipcheck.check import check_spec
from skipcheck.check.valid import valid_sizes
from skipcheck.torch.importer import Imported, import_model, instantiate


def imported(factory: Callable[..., Any], shape: tuple[int, ...], **args: Any) -> Imported:
    model = instantiate(factory, args)
    return import_model(model, shape, name=getattr(factory, "__name__", "model"), source="test")


def spec_heights(text: str, hi: int) -> set[int]:
    """The heights in 1..hi where the spec says the model runs (W held at the spec's)."""
    result = check_spec("<imported>", text=text)
    assert result.error is None, result.error
    report = valid_sizes(result)
    assert report.exact, report.inexact
    axis = next(a for a in report.axes if 0 in a.axes)
    return {n for n in range(1, hi + 1) if n in axis.runs}


_ELEMENTWISE = {
    torch.add,
    torch.mul,
    torch.Tensor.add,
    torch.Tensor.add_,
    torch.Tensor.mul,
    torch.Tensor.mul_,
    torch.Tensor.__add__,
    torch.Tensor.__iadd__,
    torch.Tensor.__radd__,
    torch.Tensor.__mul__,
    torch.Tensor.__imul__,
}


class _Broadcasts(TorchFunctionMode):
    """Notes an add or mul of two feature maps whose spatial sizes differ: torch stretches a
    size-1 axis to the other size and runs, where a spec's ``add`` reports the mismatch."""

    def __init__(self) -> None:
        super().__init__()
        self.seen = False

    def __torch_function__(self, func: Any, types: Any, args: Any = (), kwargs: Any = None) -> Any:
        if func in _ELEMENTWISE and len(args) >= 2:
            a, b = args[0], args[1]
            if (
                isinstance(a, torch.Tensor)
                and isinstance(b, torch.Tensor)
                and a.dim() > 2
                and b.dim() == a.dim()
                and a.shape[2:] != b.shape[2:]
            ):
                self.seen = True
        return func(*args, **(kwargs or {}))


def torch_heights(model: Any, shape: tuple[int, ...], hi: int) -> set[int]:
    """The heights in 1..hi where torch runs ``model`` on the CPU (zeros, eval, W as given)."""
    model = model.eval()
    runs = set()
    torch.set_num_threads(1)
    with torch.no_grad():
        for n in range(1, hi + 1):
            try:
                out = model(torch.zeros(shape[0], shape[1], n, *shape[3:]))
            except (RuntimeError, ValueError, IndexError):
                continue
            if out.numel() > 0:
                runs.add(n)
    return runs


def broadcasts(model: Any, shape: tuple[int, ...], n: int) -> bool:
    """Whether the model runs at height ``n`` only by broadcasting in an add or mul."""
    watch = _Broadcasts()
    with torch.no_grad(), watch:
        model.eval()(torch.zeros(shape[0], shape[1], n, *shape[3:]))
    return watch.seen


def assert_sizes_match(text: str, model: Any, shape: tuple[int, ...], hi: int = 512) -> None:
    """The spec's heights are torch's, except where torch runs only by stretching a size-1
    axis in a skip add: there the spec's add reports the mismatch (SC102)."""
    spec = spec_heights(text, hi)
    runs = torch_heights(model, shape, hi)
    assert spec <= runs, sorted(spec - runs)
    stretched = runs - spec
    assert all(broadcasts(model, shape, n) for n in stretched), sorted(stretched)
    assert stretched <= {1}, sorted(stretched)
