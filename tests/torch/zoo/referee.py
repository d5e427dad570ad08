"""One zoo model, checked with torch as the referee: import it, compare the parameter count,
compare the heights `skipcheck sizes` derives with brute force over 1..256 on the original
model (meta device: no memory, no arithmetic), and compare output shapes where both run.

Shared by the zoo's tests (tests/torch/zoo/test_zoo.py) and its table (bench/bench_zoo.py).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import torch

from skipcheck.check import Options, check_spec
from skipcheck.check.valid import valid_sizes
from skipcheck.core.errors import SkipcheckError
from skipcheck.torch.importer import Imported, import_model, instantiate
from tests.torch.import_reference import _Broadcasts
from tests.torch.zoo.models import Entry

META = torch.device("meta")
HI = 256  # brute force over heights 1..HI (the width held at the example's)


@dataclass
class Row:
    """What the zoo found for one model."""

    entry: Entry
    imported: Imported | None = None
    refused: str = ""  # why the import stopped (the importer's message, first line)
    seconds: float = 0.0  # CPU seconds of the import (this process)
    model_parameters: int = 0
    uncalled_parameters: int = 0  # in modules torch never calls (a spec cannot hold them)
    spec_heights: set[int] = field(default_factory=set)
    torch_heights: set[int] = field(default_factory=set)
    stretched: set[int] = field(default_factory=set)  # torch runs only by broadcasting
    exact: bool = True  # the spec's sizes came in closed form
    outputs: list[str] = field(default_factory=list)  # disagreements in output shape

    @property
    def parameters_equal(self) -> bool:
        counted = self.model_parameters - self.uncalled_parameters
        return self.imported is not None and self.imported.parameters == counted

    @property
    def sizes_equal(self) -> bool:
        """The spec's heights are torch's, but where torch runs only by stretching a size-1
        axis in a skip add (there the spec's add reports the mismatch, SC102)."""
        if self.imported is None:
            return False
        missing = self.torch_heights - self.spec_heights
        return self.spec_heights <= self.torch_heights and missing <= self.stretched


def failure(row: Row) -> str | None:
    """The first check the model fails, in words, or None when it passes them all."""
    if row.imported is None:
        return row.refused
    if not row.parameters_equal:
        return (
            f"parameters differ: spec {row.imported.parameters:,}, model {row.model_parameters:,}"
        )
    if not row.torch_heights:
        return "torch runs the model at no height in 1..256 (the example is wrong)"
    if not row.sizes_equal:
        extra = sorted(row.spec_heights - row.torch_heights)[:10]
        lost = sorted(row.torch_heights - row.spec_heights - row.stretched)[:10]
        return f"sizes differ from brute force: spec only {extra}, torch only {lost}"
    if row.outputs:
        return f"output shapes differ: {'; '.join(row.outputs[:3])}"
    return None


def build(entry: Entry) -> Any:
    """The model on the meta device where its constructor allows, in eval mode."""
    with torch.no_grad():
        return instantiate(lambda: entry.build(), {}).to(META).eval()


def try_import(entry: Entry, model: Any) -> tuple[Imported | None, str, float]:
    """(the import, "", CPU seconds) or (None, why it was refused, CPU seconds)."""
    started = time.process_time()
    try:
        got = import_model(model, entry.shape, name="zoo", source=entry.name)
    except SkipcheckError as exc:  # CannotMap is one
        return None, _first_line(str(exc)), time.process_time() - started
    return got, "", time.process_time() - started


def referee(entry: Entry, *, brute: bool = True) -> Row:
    """Everything the zoo checks for ``entry``."""
    try:
        model = build(entry)
    except SkipcheckError as exc:  # the constructor itself refused: say so, as a refusal
        return Row(entry, refused=f"cannot build: {_first_line(exc.message)}")
    row = Row(entry, model_parameters=sum(p.numel() for p in model.parameters()))
    row.uncalled_parameters = uncalled(model, entry.shape)
    row.imported, row.refused, row.seconds = try_import(entry, model)
    if row.imported is None or not brute:
        return row
    row.spec_heights, row.exact = spec_heights(row.imported.text, entry.shape)
    row.torch_heights, row.stretched = torch_heights(model, entry.shape)
    both = sorted(row.spec_heights & row.torch_heights)
    for h in _sample(both, entry.shape[2]):
        shape = (*entry.shape[:2], h, *entry.shape[3:])
        mine, theirs = spec_output(row.imported.text, shape), model_output(model, shape)
        if mine != theirs:
            row.outputs.append(f"H={h}: spec {mine} vs torch {theirs}")
    return row


def uncalled(model: Any, shape: tuple[int, ...]) -> int:
    """Parameters of the modules whose forward torch never calls at the example (an encoder's
    stages past the depth a decoder reads): the model holds them, no spec layer can."""
    called: set[int] = set()

    def hook(module: Any, _args: Any, _out: Any) -> None:
        called.add(id(module))

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        model_output(model, shape)
    finally:
        handle.remove()
    return sum(
        p.numel()
        for m in model.modules()
        if id(m) not in called
        for p in m.parameters(recurse=False)
    )


def spec_heights(text: str, shape: tuple[int, ...]) -> tuple[set[int], bool]:
    """The heights in 1..HI where `skipcheck sizes` says the spec runs, and whether it said so
    in closed form (otherwise each size was checked one by one)."""
    result = check_spec("<zoo>", Options(input_shape=shape), text=text)
    assert result.error is None, result.error
    report = valid_sizes(result, bound=(1, HI))
    axis = next(a for a in report.axes if 0 in a.axes)
    if report.size_free:
        return set(), report.exact
    return {n for n in range(1, HI + 1) if n in axis.runs}, report.exact


@contextmanager
def _no_empty_maps() -> Iterator[None]:
    """A module that makes a zero-sized feature map fails, as torch on a real device would
    at the next layer and as `skipcheck dryrun` counts it."""

    def hook(_module: Any, _args: Any, out: Any) -> None:
        for t in out if isinstance(out, (tuple, list)) else [out]:
            if isinstance(t, torch.Tensor) and t.dim() > 2 and 0 in t.shape[2:]:
                raise RuntimeError("zero-sized feature map")

    handle = torch.nn.modules.module.register_module_forward_hook(hook)
    try:
        yield
    finally:
        handle.remove()


def torch_heights(model: Any, shape: tuple[int, ...]) -> tuple[set[int], set[int]]:
    """Brute force: the heights in 1..HI where torch runs the model on meta, and those where
    it runs only by broadcasting a size-1 axis in an add or mul."""
    runs, stretched = set(), set()
    with torch.no_grad(), _no_empty_maps():
        for n in range(1, HI + 1):
            watch = _Broadcasts()
            try:
                with watch:
                    out = model(torch.empty(shape[0], shape[1], n, *shape[3:], device=META))
            except Exception:  # any refusal of the model's, as the user would see it
                continue
            if all(t.numel() > 0 for t in _tensors(out)):
                runs.add(n)
                if watch.seen:
                    stretched.add(n)
    return runs, stretched


def model_output(model: Any, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    with torch.no_grad():
        out = model(torch.empty(*shape, device=META))
    return [tuple(t.shape) for t in _tensors(out)]


def spec_output(text: str, shape: tuple[int, ...]) -> list[tuple[int, ...]]:
    from skipcheck.torch.model import build_from_graph

    result = check_spec("<zoo>", Options(input_shape=shape), text=text)
    assert result.graph is not None, result.error
    built = build_from_graph(result.graph, shape, device="meta").eval()
    with torch.no_grad():
        out = built(torch.empty(*shape, device=META))
    return [tuple(t.shape) for t in _tensors(out)]


def _tensors(out: Any) -> list[torch.Tensor]:
    values = list(out.values()) if isinstance(out, dict) else out
    if isinstance(values, torch.Tensor):
        return [values]
    return [v for v in values if isinstance(v, torch.Tensor)]


def _sample(heights: list[int], example: int) -> list[int]:
    """A few heights where both run: the smallest, the example's, one between, the largest."""
    if not heights:
        return []
    middle = heights[len(heights) // 2]
    picked = [heights[0], middle, heights[-1]] + ([example] if example in heights else [])
    return sorted(set(picked))


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
