"""The layer table as data: one row per layer (or per block at a ``depth``), and the totals.

The full reporter prints it and the JSON reporter writes it, so both say the same thing.
Everything here is linear in the number of layers.
"""

from __future__ import annotations

from dataclasses import dataclass

from skipcheck.check.result import CodeLine, FileResult
from skipcheck.core.graph import Graph, Node
from skipcheck.engine.cost import activation_bytes
from skipcheck.shapes.table import ShapeTable


@dataclass(frozen=True)
class LayerRow:
    """One layer, or ``layers`` consecutive layers of one block or stage collapsed."""

    path: str
    name: str | None
    op: str
    inputs: tuple[str, ...]
    kernel: str  # "3×3 s2"; "" where the op has no kernel
    output: str  # "—" after a fatal finding
    params: int | None
    mult_adds: int | None
    memory: int | None  # bytes of the output(s) at the given batch
    line: int  # where it is written (for collapsed rows: where the first is used)
    lines: tuple[int, ...]  # every line the row stands for (to colour findings)
    layers: int = 1
    used_at: int = 0  # a block's layer: the line of the outermost block call


def source_line(result: FileResult, row: LayerRow) -> CodeLine | None:
    """A model reference's own line behind a row (the spec's lines are nothing its user has):
    the first layer's call in the model's code, else the line that constructed its module;
    the input's, the model's definition; None where no line of the user's code made it."""
    if row.op == "input":
        return result.definition
    return result.layer_code(row.lines[0], row.used_at)


def line_label(result: FileResult, row: LayerRow) -> str:
    """A row's line column: the spec's ``7``, or a model reference's own ``net.py:14`` (``—``
    where no line of the user's code made the layer)."""
    if not result.from_model:
        return str(row.line)
    code = source_line(result, row)
    return code.short if code is not None else "—"


def levels(path: str) -> list[str]:
    """The named prefixes of a dotted path: ``conv2_x.1.res_stage.0.conv`` →
    ``conv2_x``, ``conv2_x.1.res_stage``, ``conv2_x.1.res_stage.0.conv`` (indices are not levels)."""
    parts = path.split(".")
    return [".".join(parts[: k + 1]) for k, p in enumerate(parts) if not p[:1].isdigit()]


def layer_rows(result: FileResult, depth: int | None = None) -> list[LayerRow]:
    """Every layer in order; with ``depth``, the layers below that level merged into one
    row per block (``depth=1``: one row per stage)."""
    table, graph = result.table, result.graph
    assert table is not None and graph is not None
    rows = [_row(table, graph, node) for node in graph.nodes if node.op != "require"]
    if depth is None:
        return rows
    out: list[LayerRow] = []
    group: list[LayerRow] = []
    key: str | None = None
    for row in rows:
        named = levels(row.path)
        here = named[depth - 1] if len(named) > depth else None
        if group and here != key:
            out.append(_collapse(key, group))
            group = []
        key = here
        if here is None:
            out.append(row)
        else:
            group.append(row)
    if group:
        out.append(_collapse(key, group))
    return out


def kernel_text(node: Node) -> str:
    """``3×3 s2`` for a kernel of 3×3 and stride 2; pools default the stride to the kernel."""
    kernel = node.params.get("kernel_size")
    if kernel is None:
        return ""
    stride = node.params.get("stride", 1)
    if stride is None:
        stride = kernel

    def show(value: object) -> str:
        return "×".join(str(v) for v in value) if isinstance(value, list | tuple) else str(value)

    strided = stride != 1 and not (isinstance(stride, list) and set(stride) == {1})
    return show(kernel) + (f" s{show(stride)}" if strided else "")


def _row(table: ShapeTable, graph: Graph, node: Node) -> LayerRow:
    broken = node.id in table.broken
    return LayerRow(
        path=node.path,
        name=node.name if node.name != node.path else None,
        op=node.op,
        inputs=tuple(table.shape_of(i) for i in node.inputs),
        kernel=kernel_text(node),
        output="—" if broken else table.shape_of(node.id),
        params=None if broken else table.counts.get(node.id),
        mult_adds=None if broken else table.mult_adds.get(node.id),
        memory=None if broken or node.id == 0 else activation_bytes(table, node.id),
        line=node.pos.line,
        lines=(node.pos.line,),
        used_at=node.calls[0].line if node.calls else node.pos.line,
    )


def _collapse(key: str | None, group: list[LayerRow]) -> LayerRow:
    if len(group) == 1:
        return group[0]
    assert key is not None
    first = group[0]

    def total(values: list[int | None]) -> int | None:
        return None if None in values else sum(v for v in values if v is not None)

    return LayerRow(
        path=key,
        name=None,
        op=f"{sum(r.layers for r in group)} layers",
        inputs=first.inputs,
        kernel="",
        output=group[-1].output,
        params=total([r.params for r in group]),
        mult_adds=total([r.mult_adds for r in group]),
        memory=total([r.memory for r in group]),
        line=first.used_at,
        lines=tuple(line for r in group for line in r.lines),
        layers=sum(r.layers for r in group),
        used_at=first.used_at,
    )
