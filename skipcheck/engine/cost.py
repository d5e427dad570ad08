"""What a model costs at the given input: mult-adds, activation and parameter memory.

The numbers are the ones torch itself would give for the built model in float32, its
default dtype: mult-adds as ``torch.utils.flop_counter.FlopCounterMode`` counts them
(its FLOPs / 2; see ``Op.mult_adds``), memory as ``tensor.numel() * tensor.element_size()``
of each layer's output. The forward/backward figure is torchinfo's estimate, so that the
two tools agree: the outputs of the layers with parameters, twice (value and gradient).

>>> from skipcheck.check import check_spec
>>> t = totals(check_spec("specs/resnet50.yaml").table)
>>> t.params, t.mult_adds
(25557032, 4089184256)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from skipcheck.shapes.table import ShapeTable

BYTES_PER_VALUE = 4  # float32


@dataclass(frozen=True)
class Totals:
    """The whole model's cost; None where a size is symbolic (no concrete input)."""

    params: int | None
    mult_adds: int | None
    activations: int | None  # bytes of every layer's output in one forward pass
    input_bytes: int | None
    learned_outputs: int | None = None  # bytes of the outputs of layers with parameters

    @property
    def trainable(self) -> int | None:
        # the spec format has no way to freeze a layer: every parameter trains
        return self.params

    @property
    def frozen(self) -> int | None:
        return None if self.params is None else 0

    @property
    def forward_backward(self) -> int | None:
        return None if self.learned_outputs is None else 2 * self.learned_outputs

    @property
    def param_bytes(self) -> int | None:
        return None if self.params is None else self.params * BYTES_PER_VALUE


def activation_bytes(table: ShapeTable, node_id: int) -> int | None:
    """The bytes of one layer's output at the concrete input (None while symbolic)."""
    sizes = table.sizes_of(node_id)
    return None if sizes is None else math.prod(sizes) * BYTES_PER_VALUE


def totals(table: ShapeTable) -> Totals:
    # a requirement (`require:`) computes nothing: its "output" is the input itself
    live = [n.id for n in table.graph.nodes[1:] if n.id not in table.broken and n.op != "require"]
    mult_adds = [table.mult_adds.get(i) for i in live]
    memory = [activation_bytes(table, i) for i in live]
    learned = [m for i, m in zip(live, memory, strict=True) if table.counts.get(i)]
    return Totals(
        params=table.total_params,
        mult_adds=None if None in mult_adds else sum(m for m in mult_adds if m is not None),
        activations=None if None in memory else sum(m for m in memory if m is not None),
        input_bytes=activation_bytes(table, 0),
        learned_outputs=None if None in memory else sum(m for m in learned if m is not None),
    )


def compact(n: int | None, unit: str = "") -> str:
    """``4089184256`` → ``4.09G``; ``3211264, "B"`` → ``3.21 MB``: three significant
    figures with SI prefixes (powers of 10, as torchinfo counts megabytes)."""
    if n is None:
        return "?"
    space = " " if unit else ""
    for scale, prefix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= scale:
            value = n / scale
            digits = 2 if value < 10 else (1 if value < 100 else 0)
            return f"{value:.{digits}f}{space}{prefix}{unit}"
    return f"{n}{space}{unit}"


def megabytes(n: int | None) -> str:
    """Bytes as MB (10^6, as torchinfo prints them)."""
    return "?" if n is None else f"{n / 1e6:,.2f} MB"


@dataclass(frozen=True)
class StageCost:
    """What one stage costs: its layers' parameters, mult-adds and output memory."""

    params: int | None
    mult_adds: int | None
    activations: int | None


def stage_costs(table: ShapeTable) -> dict[str, StageCost]:
    """Per stage (by name, in order), the sums over its layers; None where unknown."""
    sums: dict[str, list[list[int | None]]] = {}
    for node in table.graph.nodes[1:]:
        if node.stage is None or node.id in table.broken:
            continue
        row = sums.setdefault(node.stage, [[], [], []])
        row[0].append(table.counts.get(node.id))
        row[1].append(table.mult_adds.get(node.id))
        row[2].append(activation_bytes(table, node.id))
    return {name: StageCost(*(_sum(values) for values in row)) for name, row in sums.items()}


def _sum(values: list[int | None]) -> int | None:
    return None if None in values else sum(v for v in values if v is not None)
