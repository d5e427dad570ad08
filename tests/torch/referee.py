"""torch as the referee: run a spec through skipcheck and through torch, list where they differ."""

from __future__ import annotations

from collections.abc import Callable

import torch

from skipcheck.check import graph_of
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.propagate import propagate
from skipcheck.shapes.dims import concrete
from skipcheck.torch.dryrun import DryRun, compare, errors_by_node
from skipcheck.torch.model import Trace, concrete_input, trace


def referee(text: str, device: str = "cpu") -> tuple[list[str], Trace]:
    """Every disagreement between skipcheck and torch on this spec (none, if all is well)."""
    graph = graph_of("spec.yaml", text=text)
    table = propagate(graph)
    shape = concrete_input(graph)
    seen = trace(graph, shape, device)
    run = DryRun(graph, table, seen, device, shape, errors_by_node(graph, table))
    compare(run)
    out = [f"{d.node.label if d.node else ''}: {d.what}" for d in run.disagreements]
    # the verdict once more, stated without dryrun's bookkeeping
    torch_runs = seen.failure is None
    if torch_runs == bool(table.errors):
        out.append(f"verdict: torch runs={torch_runs}, skipcheck errors={table.errors}")
    # (None: a LayerNorm over a spatial size that skipcheck keeps symbolic)
    if torch_runs and table.total_params not in (None, seen.parameters):
        out.append(f"parameters: skipcheck {table.total_params}, torch {seen.parameters}")
    return out, seen


# The referees below never use skipcheck's torch_layer(): the caller builds torch's layers.


def skipcheck_says(layers: str, dims: list[int]) -> tuple[bool, tuple[int, ...] | None]:
    """(runs, output shape) as skipcheck sees the spec; a refused spec does not run."""
    text = f"skipcheck: 1\ninput: {dims}\nlayers:\n" + "".join(
        f"  - {ly}\n" for ly in layers.split("\n")
    )
    try:
        graph = graph_of("spec.yaml", text=text)
    except SkipcheckError:
        return False, None
    table = propagate(graph)
    if table.errors:
        return False, None
    shape = tuple(concrete(d, table.at) for d in table.shapes[graph.out])
    assert all(isinstance(d, int) for d in shape), shape
    return True, shape  # type: ignore[return-value]


def torch_says(
    make: Callable[[torch.Tensor], torch.Tensor], dims: list[int]
) -> tuple[bool, tuple[int, ...] | None]:
    """(runs, output shape) of the test's own torch function on zeros of ``dims``."""
    try:
        with torch.no_grad():
            y = make(torch.zeros(*dims))
    except (RuntimeError, ValueError, TypeError, IndexError):
        return False, None
    return True, tuple(y.shape)
