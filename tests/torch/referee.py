"""torch as the referee: run a spec through skipcheck and through torch, list where they differ."""

from __future__ import annotations

from skipcheck.check import graph_of
from skipcheck.shapes.propagate import propagate
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
