"""Where everything goes: the graph, its shapes and findings as positioned boxes and edges.

Pure data out (``Layout``); ``svg.py`` turns it into text. Two layouts:

* **U** for specs with a ``decoder`` section: one column per stage, its height on the
  page set by its resolution (each halving one level down), so the encoder goes down,
  the bottleneck sits at the bottom and the decoder comes back up; long skips cross
  the U horizontally, labelled with their merge kind and alignment.
* **chain** for everything else: the stages' layers grouped into units (a block call,
  or a ``repeat`` drawn once with ``×N``) left to right, wrapped into rows, with arcs
  for skips that leave a unit.

Box sizes follow the U-Net paper figure: width grows with channels, height with the
spatial size, both on a log scale so 64 and 2048 channels both fit on one page.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial

from skipcheck.diagnostics import Diagnostic
from skipcheck.graph import Graph, Node
from skipcheck.ops.merge import MERGE_OPS as MERGES
from skipcheck.shapes.dims import Dim, concrete
from skipcheck.shapes.periodic import Affine
from skipcheck.shapes.table import ShapeTable

NOMINAL = 256  # where a symbolic size is evaluated to size its box (the label stays symbolic)
CHAR_W = 6.6  # average advance of an 11px sans-serif glyph: enough to keep labels apart
ROW_WIDTH = 1500.0  # a chain wraps into a new row past this width
_REPEAT = re.compile(r"^(\d+)_(\d+)$")


@dataclass(frozen=True)
class Box:
    key: str
    x: float
    y: float
    w: float
    h: float
    title: str
    shape: str
    detail: str = ""
    severity: str | None = None  # "error" / "warning": a finding sits on a layer inside
    tooltip: str = ""

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Edge:
    points: tuple[tuple[float, float], ...]
    kind: str  # "flow"; "skip" (a long skip in a U); "arc" (a skip in a chain); "band" (a bracket)
    label: str = ""
    severity: str | None = None
    tooltip: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    kind: str  # "section", "stage", "op"
    anchor: str = "middle"


@dataclass(frozen=True)
class Finding:
    number: int
    severity: str
    code: str
    line: int
    where: str
    shapes: tuple[str, ...]
    message: str  # the full text for the tooltip
    marker: tuple[float, float]  # where its numbered marker sits on the drawing


@dataclass
class Layout:
    title: str
    subtitle: str
    kind: str  # "u" or "chain"
    width: float = 0.0
    height: float = 0.0
    boxes: list[Box] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


@dataclass
class _Group:
    """Consecutive nodes drawn as one box: a stage (U) or a unit of a stage (chain)."""

    key: str
    title: str
    nodes: list[int]
    stage: str | None = None
    repeat: int = 1


def layout(
    graph: Graph,
    table: ShapeTable,
    diagnostics: Sequence[Diagnostic],
    sections: dict[str, str],
) -> Layout:
    """Position every box, edge and finding marker of ``graph``.

    ``sections`` maps a stage name to the section it is written in (``encoder``, ...).
    """
    if "decoder" in sections.values():
        result = _u_layout(graph, table, sections)
    else:
        result = _chain_layout(graph, table)
    _place_findings(result, graph, table, diagnostics)
    return result


# -- shared measures --------------------------------------------------------------


def _size(table: ShapeTable, node_id: int) -> tuple[float, float]:
    """(channels, geometric mean of the spatial sizes) to scale a box; 1 where unknown."""
    shape = table.shapes.get(node_id)
    if not shape or len(shape) < 2:
        return 1.0, 1.0
    channels = _number(shape[1], table)
    spatial = [_number(d, table) for d in shape[2:]]
    mean = math.prod(spatial) ** (1 / len(spatial)) if spatial else 1.0
    return channels, mean


def _number(dim: Dim, table: ShapeTable) -> float:
    value = concrete(dim, table.at)
    if isinstance(value, int):
        return float(max(value, 1))
    if isinstance(dim, Affine):
        return float(max(dim.at(NOMINAL), 1))
    return float(NOMINAL)


def _box_size(channels: float, spatial: float) -> tuple[float, float]:
    return 10 + 5 * math.log2(channels + 1), 14 + 11 * math.log2(spatial + 1)


def _shape_text(table: ShapeTable, node_id: int) -> str:
    """Channels × spatial sizes, without the batch axis everyone knows is there."""
    shape = table.shapes.get(node_id)
    if shape is None or node_id in table.broken:
        return "?"
    return table.show(shape[1:]) if len(shape) > 1 else table.show(shape)


def _text_width(text: str) -> float:
    return len(text) * CHAR_W


# -- U layout -----------------------------------------------------------------------

LEVEL_GAP = 54.0  # room between levels for a stage's name and shape label


def _stage_groups(graph: Graph, sections: dict[str, str]) -> list[_Group]:
    """The input, each stage, and the layers written outside any stage (``head:``)."""
    groups: list[_Group] = [_Group("input", "input", [0])]
    for node in graph.nodes[1:]:
        key = node.stage or node.path.split(".", 1)[0]
        if groups[-1].key != key:
            groups.append(_Group(key, key, [], node.stage))
        groups[-1].nodes.append(node.id)
    return groups


def _u_layout(graph: Graph, table: ShapeTable, sections: dict[str, str]) -> Layout:
    result = Layout(graph.name, graph.file, "u")
    groups = _stage_groups(graph, sections)
    levels = _levels(graph, table, groups)
    sizes = [_box_size(*_size(table, g.nodes[-1])) for g in groups]
    depth = max(levels)
    level_h = max(h for _, h in sizes) + LEVEL_GAP
    top = 70.0
    x = 30.0
    owner: dict[int, int] = {}
    for index, (group, level, (w, h)) in enumerate(zip(groups, levels, sizes, strict=True)):
        shape = _shape_text(table, group.nodes[-1])
        pitch = max(w, _text_width(shape), _text_width(group.title)) + 26
        cx = x + pitch / 2
        cy = top + level * level_h + level_h / 2
        section = sections.get(group.stage or "", group.key)
        result.boxes.append(
            Box(
                group.key,
                cx - w / 2,
                cy - h / 2,
                w,
                h,
                group.title,
                shape,
                tooltip=f"{group.title} ({section}): {len(group.nodes)} layer(s), out {shape}",
            )
        )
        for node_id in group.nodes:
            owner[node_id] = index
        x += pitch
    result.width = x + 30
    result.height = top + (depth + 1) * level_h + 20
    _u_section_labels(result, groups, sections)
    _u_flow(result, graph, groups)
    _u_skips(result, graph, owner, levels)
    return result


def _levels(graph: Graph, table: ShapeTable, groups: list[_Group]) -> list[int]:
    """How far down the U each column sits: one level per halving of the size.

    A stage that takes a long skip sits at its source's level: valid convolutions
    shrink every level a little (U-Net: 568, 280, 136, 64), so sizes alone would
    put a decoder stage half a level off its encoder partner. Every other stage
    moves from the one before it by its own change of size.
    """
    owner = {n: i for i, g in enumerate(groups) for n in g.nodes}
    levels: list[int] = []
    before = _size(table, 0)[1]
    for index, group in enumerate(groups):
        size = _size(table, group.nodes[-1])[1]
        # one level per stage at most: a stem that quarters the size is still one step
        step = max(-1, min(1, round(math.log2(before / size)))) if index else 0
        level = max(0, (levels[-1] if levels else 0) + step)
        for node_id in group.nodes:
            node = graph.nodes[node_id]
            sources = [owner[_origin(graph, i)] for i in _skips(node)]
            sources = [i for i in sources if i < index]
            if node.op in MERGES and sources:
                level = levels[min(sources)]
                break
        levels.append(level)
        before = size
    return levels


def _u_section_labels(result: Layout, groups: list[_Group], sections: dict[str, str]) -> None:
    spans: dict[str, list[Box]] = {}
    for group, box in zip(groups, result.boxes, strict=True):
        spans.setdefault(sections.get(group.stage or "", group.key), []).append(box)
    for name, boxes in spans.items():
        if name in ("input", "output"):
            continue
        left, right = boxes[0].x, boxes[-1].x + boxes[-1].w
        result.labels.append(Label((left + right) / 2, 52, name, "section"))


def _u_flow(result: Layout, graph: Graph, groups: list[_Group]) -> None:
    """Arrows from each column to the next, named by the op that changes the level."""
    for before, after, group in zip(result.boxes, result.boxes[1:], groups[1:], strict=False):
        x1, y1 = before.x + before.w, before.cy
        x2, y2 = after.x, after.cy
        first = graph.nodes[group.nodes[0]].op
        if abs(y1 - y2) < 1:
            result.edges.append(Edge(((x1, y1), (x2, y2)), "flow"))
            continue
        # down (or up) at the gap between the columns
        xm = (x1 + x2) / 2
        result.edges.append(Edge(((x1, y1), (xm, y1), (xm, y2), (x2, y2)), "flow", first))


def _u_skips(result: Layout, graph: Graph, owner: dict[int, int], levels: list[int]) -> None:
    """Long skips: from the source column across to the merge, one lane per skip."""
    lanes: dict[int, int] = {}
    for node in graph.nodes:
        if node.op not in MERGES:
            continue
        target = owner[node.id]
        for source_id in map(partial(_origin, graph), _skips(node)):
            source = owner.get(source_id, target)
            if source == target:
                continue  # a residual inside one stage is part of the stage's box
            a, b = result.boxes[source], result.boxes[target]
            lane = lanes.get(levels[target], 0)
            lanes[levels[target]] = lane + 1
            if levels[source] == levels[target]:
                # as in the U-Net figure: straight across, in the upper part of both boxes
                y = max(a.y, b.y) + 10 + 8 * lane
                points = ((a.x + a.w, y), (a.x + a.w + 4, y), (b.x - 4, y), (b.x, y))
            else:
                y = min(a.y, b.y) - 22 - 8 * lane
                points = ((a.cx, a.y - 18), (a.cx, y), (b.cx, y), (b.cx, b.y - 18))
            result.edges.append(
                Edge(
                    points,
                    "skip",
                    _merge_label(graph, node),
                    tooltip=f"{node.where} (line {node.pos.line}): "
                    f"{graph.nodes[source_id].label} → {node.label}",
                )
            )


def _skips(node: Node) -> tuple[int, ...]:
    """A merge's inputs other than the running tensor: a residual concat puts its
    shortcut first (torch.cat([shortcut, body])), every other merge its running tensor."""
    if node.params.get("residual") and node.op == "concat":
        return node.inputs[:-1]
    return node.inputs[1:]


def _origin(graph: Graph, node_id: int) -> int:
    """Where a skip comes from: back through its ``via`` layers, which run inside the merge's stage."""
    node = graph.nodes[node_id]
    while node.group == "via" and node.inputs:
        node = graph.nodes[node.inputs[0]]
    return node.id


def _merge_label(graph: Graph, node: Node) -> str:
    """``concat · center_crop``: the merge kind, its alignment, and a ``via`` if it has one."""
    words = [node.op]
    align = node.params.get("align", "none")
    if align not in (None, "none"):
        words.append(align)
    if any(graph.nodes[i].group == "via" for i in _skips(node)):
        words.append("via")
    return " · ".join(words)


# -- chain layout ---------------------------------------------------------------------

ROW_GAP = 124.0  # room between rows: arcs and titles above the boxes, shapes and stages below


def _unit_key(node: Node) -> tuple[str, int]:
    """The unit a node is drawn in, and which repeat of it the node belongs to.

    A ``repeat`` lowers to path segments ``k_r`` (item k, copy r): every copy is
    one unit. Otherwise a unit is one item of a stage (``stage.k``).
    """
    parts = node.path.split(".")
    for i, part in enumerate(parts):
        match = _REPEAT.match(part)
        if match:
            return ".".join([*parts[:i], match.group(1)]), int(match.group(2))
    return ".".join(parts[:2]), 0


def _unit_title(paths: list[str]) -> str:
    """What a unit is called: the block a ``repeat`` copies, else its innermost shared name."""
    for part, after in zip(paths[0].split("."), paths[0].split(".")[1:], strict=False):
        if _REPEAT.match(part):
            return after
    split = [path.split(".") for path in paths]
    common: list[str] = []
    for column in zip(*split, strict=False):
        if len(set(column)) != 1:
            break
        common.append(column[0])
    names = [p for p in common[1:] if not p.isdigit()]
    if len(split) == 1:
        names = [p for p in split[0][1:] if not p.isdigit()][-1:] or names
    return names[-1] if names else common[0] if common else "?"


def _chain_groups(graph: Graph) -> list[_Group]:
    groups: list[_Group] = [_Group("input", "input", [0])]
    copies: dict[str, set[int]] = {}
    for node in graph.nodes[1:]:
        key, copy = _unit_key(node)
        if groups[-1].key != key:
            groups.append(_Group(key, "", [], node.stage))
        groups[-1].nodes.append(node.id)
        copies.setdefault(key, set()).add(copy)
    for group in groups[1:]:
        group.repeat = len(copies[group.key])
        paths = [graph.nodes[n].path for n in group.nodes]
        title = _unit_title(paths)
        group.title = f"{title} ×{group.repeat}" if group.repeat > 1 else title
    return groups


def _chain_layout(graph: Graph, table: ShapeTable) -> Layout:
    result = Layout(graph.name, graph.file, "chain")
    groups = _chain_groups(graph)
    sizes = [_box_size(*_size(table, g.nodes[-1])) for g in groups]
    row_h = max(h for _, h in sizes) + ROW_GAP
    x, row, top = 30.0, 0, 80.0
    owner: dict[int, int] = {}
    rows: list[int] = []
    for index, (group, (w, h)) in enumerate(zip(groups, sizes, strict=True)):
        shape = _shape_text(table, group.nodes[-1])
        merges = [graph.nodes[n] for n in group.nodes if graph.nodes[n].op in MERGES]
        inner = sorted({m.op for m in merges if all(i in group.nodes for i in m.inputs)})
        detail = f"{len(group.nodes) // group.repeat} layers" if len(group.nodes) > 1 else ""
        if inner:
            detail += f", {'+'.join(inner)}"
        pitch = max(w, _text_width(shape), _text_width(group.title), _text_width(detail)) + 24
        if x + pitch > ROW_WIDTH and x > 30:
            x, row = 30.0, row + 1
        cy = top + row * row_h + row_h / 2
        result.boxes.append(
            Box(
                group.key,
                x + (pitch - w) / 2,
                cy - h / 2,
                w,
                h,
                group.title,
                shape,
                detail.strip(" ·"),
                tooltip=f"{group.key}: {group.title}, {len(group.nodes)} layer(s), out {shape}",
            )
        )
        rows.append(row)
        for node_id in group.nodes:
            owner[node_id] = index
        x += pitch
    result.width = max(b.x + b.w for b in result.boxes) + 40
    result.height = top + (max(rows) + 1) * row_h + 10
    _chain_stage_labels(result, groups, rows, top, row_h)
    _chain_flow(result, rows, row_h)
    _chain_arcs(result, graph, owner)
    return result


def _chain_stage_labels(
    result: Layout, groups: list[_Group], rows: list[int], top: float, row_h: float
) -> None:
    """A stage's name under the units it spans (per row, when it wraps), on a bracket."""
    spans: list[tuple[str, int, float, float]] = []
    for group, box, row in zip(groups, result.boxes, rows, strict=True):
        name = group.stage or group.key.split(".", 1)[0]
        if spans and spans[-1][0] == name and spans[-1][1] == row:
            spans[-1] = (name, row, spans[-1][2], box.x + box.w)
        else:
            spans.append((name, row, box.x, box.x + box.w))
    bottoms: dict[int, float] = {}
    for box, row in zip(result.boxes, rows, strict=True):
        bottoms[row] = max(bottoms.get(row, 0.0), box.y + box.h)
    for name, row, left, right in spans:
        if name == "input":
            continue
        y = bottoms[row] + 36
        result.edges.append(Edge(((left, y - 4), (left, y), (right, y), (right, y - 4)), "band"))
        result.labels.append(Label((left + right) / 2, y + 13, name, "stage"))


def _chain_flow(result: Layout, rows: list[int], row_h: float) -> None:
    for i, (a, b) in enumerate(zip(result.boxes, result.boxes[1:], strict=False)):
        ra, rb = rows[i], rows[i + 1]
        if ra == rb:
            result.edges.append(Edge(((a.x + a.w, a.cy), (b.x, b.cy)), "flow"))
            continue
        # wrap: from the end of a row along the top of the next one, into its first unit
        y = b.cy - row_h / 2 + 4
        x = result.width - 16
        result.edges.append(
            Edge(
                ((a.x + a.w, a.cy), (x, a.cy), (x, y), (14, y), (14, b.cy), (b.x, b.cy)),
                "flow",
            )
        )


def _chain_arcs(result: Layout, graph: Graph, owner: dict[int, int]) -> None:
    seen: set[tuple[int, int]] = set()
    for node in graph.nodes:
        if node.op not in MERGES:
            continue
        target = owner[node.id]
        for source_id in map(partial(_origin, graph), _skips(node)):
            source = owner[source_id]
            if source == target or (source, target) in seen:
                continue
            seen.add((source, target))
            a, b = result.boxes[source], result.boxes[target]
            # above the units' titles, higher for longer arcs so nested ones stay apart
            y = min(a.y, b.y) - 24 - min(abs(b.cx - a.cx), 600) / 25
            result.edges.append(
                Edge(
                    ((a.cx, a.y - 18), (a.cx, y), (b.cx, y), (b.cx, b.y - 18)),
                    "arc",
                    _merge_label(graph, node),
                    tooltip=f"{node.where} (line {node.pos.line}): "
                    f"{graph.nodes[source_id].label} → {node.label}",
                )
            )


# -- findings -------------------------------------------------------------------------


def _place_findings(
    result: Layout, graph: Graph, table: ShapeTable, diagnostics: Sequence[Diagnostic]
) -> None:
    """Number the findings, colour the boxes and skips they sit on, place their markers."""
    by_label = {node.label: node for node in graph.nodes}
    by_line: dict[int, Node] = {}
    for node in graph.nodes:
        by_line.setdefault(node.pos.line, node)
    box_of = _box_index(result, graph)
    rank = {"error": 2, "warning": 1}
    worst: dict[int, str] = {}
    per_box: dict[int, int] = {}
    ordered = sorted(diagnostics, key=lambda d: (rank.get(d.severity, 0) * -1, d.sort_key()))
    skips = _skips_by_mark(result)
    for number, diag in enumerate(ordered, 1):
        node = by_label.get(diag.node or "") or by_line.get(diag.pos.line) or graph.nodes[-1]
        index = box_of.get(node.id, len(result.boxes) - 1)
        if rank.get(diag.severity, 0) > rank.get(worst.get(index, ""), 0):
            worst[index] = diag.severity
        box = result.boxes[index]
        slot = per_box.get(index, 0)
        per_box[index] = slot + 1
        marker = (box.x + box.w + 2 + 17 * slot, box.y - 2)
        shapes = tuple(o.shape for o in diag.operands)
        result.findings.append(
            Finding(
                number,
                diag.severity,
                diag.code,
                diag.pos.line,
                node.where,
                shapes,
                _full_message(diag),
                marker,
            )
        )
        if diag.severity == "error" and node.op in MERGES:
            _colour_skips(result, skips, node, diag)
    for index, severity in worst.items():
        old = result.boxes[index]
        result.boxes[index] = Box(
            old.key,
            old.x,
            old.y,
            old.w,
            old.h,
            old.title,
            old.shape,
            old.detail,
            severity,
            old.tooltip,
        )


def _box_index(result: Layout, graph: Graph) -> dict[int, int]:
    """Node id → index of the box drawn for it, rebuilt from the boxes' keys."""
    keys = {box.key: i for i, box in enumerate(result.boxes)}
    index: dict[int, int] = {0: 0}
    for node in graph.nodes[1:]:
        key = node.stage or node.path.split(".", 1)[0] if result.kind == "u" else _unit_key(node)[0]
        index[node.id] = keys.get(key, len(result.boxes) - 1)
    return index


_MARK = re.compile(r" \(line \d+\):")


def _skips_by_mark(result: Layout) -> dict[str, list[int]]:
    """The skip and arc edges by each ``where (line N):`` their tooltip starts with, found
    once: a scan of every edge per failing merge was quadratic in the broken merges."""
    out: dict[str, list[int]] = {}
    for i, edge in enumerate(result.edges):
        if edge.kind in ("skip", "arc"):
            for m in _MARK.finditer(edge.tooltip):
                out.setdefault(edge.tooltip[: m.end()], []).append(i)
    return out


def _colour_skips(
    result: Layout, skips: dict[str, list[int]], node: Node, diag: Diagnostic
) -> None:
    """The skip into a failing merge is the path of the mismatching tensor: draw it red."""
    mark = f"{node.where} (line {node.pos.line}):"
    for i in skips.get(mark, ()):
        edge = result.edges[i]
        if edge.severity is None:
            result.edges[i] = Edge(
                edge.points, edge.kind, edge.label, "error", f"{edge.tooltip}\n{diag.message}"
            )


def _full_message(diag: Diagnostic) -> str:
    lines = [f"{diag.code} {diag.severity} at line {diag.pos.line}: {diag.message}"]
    lines += [f"{o.role}: {o.shape} — {o.origin}" for o in diag.operands]
    lines += [f"note: {n}" for n in diag.notes]
    return "\n".join(lines)
