"""Where everything goes: the graph, its shapes and findings as positioned boxes and edges.

Pure data out (``Layout``); ``svg.py`` turns it into text.

**Units.** The nodes are grouped into boxes the way ``validate --depth`` groups table rows
(``report.layers.levels``): at depth 1 one box per stage, at depth 2 the blocks inside, and
so on. The copies of a ``repeat`` are one box (``bottleneck ×5``).

**Which layout** comes from the graph, not from section names: a model whose resolution
goes down and comes back up, with a long skip between equal resolutions across the deeper
part, is drawn as a **U** (one column per box, one level lower per halving, the skips
straight across); everything else is a **chain** (boxes left to right, wrapped into rows,
skips as arcs above).

**Nothing overlaps.** Every text gets an estimated box (a per-glyph width table that
errs wide); box texts are fixed, and every movable text (edge labels, finding markers)
takes the first candidate spot that hits no text, box or canvas edge, or is left out of
the picture and kept in its edge's tooltip. Many skips between the same two boxes are one
bundled edge with one label (``concat ×15``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

from skipcheck.core.graph import Graph, Node
from skipcheck.ops.merge import MERGE_OPS as MERGES
from skipcheck.report.layers import levels as named_levels
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import Dim, concrete
from skipcheck.shapes.periodic import Affine
from skipcheck.shapes.table import ShapeTable

NOMINAL = 256  # where a symbolic size is evaluated to size its box (the label stays symbolic)
ROW_WIDTH = 1500.0  # a chain wraps into a new row past this width
NAME_CHARS = 22  # longer names are shortened in the middle (the full name in the tooltip)
MARGIN = 30.0
TOP = 64.0  # under the title and the file name
_REPEAT = re.compile(r"^(\d+)_(\d+)$")

# Advance widths in em of a wide sans-serif (DejaVu Sans, the widest common default):
# estimates err wide, so texts that do not collide here do not collide on screen.
_WIDE = {"m": 0.98, "w": 0.82, "M": 0.87, "W": 1.0, "×": 0.84, "…": 1.0, "·": 0.32}
_NARROW = set("ijlft.,:;'|!()[] ")


def char_em(char: str) -> float:
    if char in _WIDE:
        return _WIDE[char]
    if char in _NARROW:
        return 0.36
    if char.isdigit():
        return 0.64
    if char.isupper():
        return 0.75
    return 0.63


def text_width(text: str, size: float = 11.0, bold: bool = False) -> float:
    return sum(char_em(c) for c in text) * size * (1.08 if bold else 1.0)


def shorten(name: str, limit: int = NAME_CHARS) -> str:
    """``model_1_submodule_1_submodule_0`` → ``model_1_subm…submodule_0``: both ends kept."""
    if len(name) <= limit:
        return name
    head = (limit - 1) // 2
    return name[:head] + "…" + name[len(name) - (limit - 1 - head) :]


@dataclass(frozen=True)
class Box:
    key: str
    x: float
    y: float
    w: float
    h: float
    title: str  # the full name (the label may be shortened)
    shape: str
    detail: str = ""
    severity: str | None = None  # "error" / "warning": a finding sits on a layer inside
    tooltip: str = ""
    opens: str = ""  # where the HTML page shows this box opened ("" where it has no inside)

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


@dataclass(frozen=True)
class Edge:
    points: tuple[tuple[float, float], ...]
    kind: str  # "flow"; "skip" (a long skip in a U); "arc" (a skip in a chain); "band"
    label: str = ""  # "" also where no free spot was found (then it is in the tooltip)
    severity: str | None = None
    tooltip: str = ""
    merge: str = ""  # add / concat / mul: the line style of a skip
    keys: tuple[str, ...] = ()  # the merges it stands for (``where (line n):``), for colouring


@dataclass(frozen=True)
class Label:
    x: float
    y: float  # the baseline
    text: str
    kind: str  # "stage", "shape", "detail", "op", "edge-label"
    anchor: str = "middle"
    size: float = 11.0
    box: int = -1  # the box it names (drawn inside that box's group), -1 for none
    edge: int = -1  # the edge it labels
    bold: bool = False

    def extent(self) -> tuple[float, float, float, float]:
        return text_extent(self.x, self.y, self.text, self.size, self.anchor, self.bold)


def text_extent(
    x: float, y: float, text: str, size: float, anchor: str = "middle", bold: bool = False
) -> tuple[float, float, float, float]:
    """(left, top, right, bottom) of a text drawn at baseline ``y``: ascent and descent of
    DejaVu Sans (0.93 and 0.24 em) with a pixel to spare."""
    w = text_width(text, size, bold)
    left = x - w / 2 if anchor == "middle" else x - w if anchor == "end" else x
    return left - 1, y - 0.95 * size - 1, left + w + 1, y + 0.26 * size + 1


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
    at: str = ""  # its line as told: ``line 51``, or a model reference's ``model.py:66``


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
    merges: list[str] = field(default_factory=list)  # the merge kinds drawn (for the legend)
    depth: int = 1
    dropped: int = 0  # labels with no free spot, kept in their edge's tooltip


@dataclass
class _Unit:
    """Consecutive nodes drawn as one box."""

    key: str
    title: str
    nodes: list[int]
    repeat: int = 1
    outside: bool = False  # in an opened stage: where its inputs come from


# -- units ---------------------------------------------------------------------------


def unit_key(node: Node, depth: int) -> str:
    """The box a node is drawn in at ``depth``: its named prefix at that level, as the layer
    table collapses it, with the copy index of a ``repeat`` dropped (``1_0``, ``1_1`` → ``1``)
    so all copies are one box. A node with fewer levels is a box of its own."""
    if node.id == 0:
        return "input"
    named = named_levels(node.path)
    key = named[depth - 1] if len(named) > depth else node.path
    return ".".join(
        match.group(1) if (match := _REPEAT.match(part)) else part for part in key.split(".")
    )


def _copy(node: Node, key: str) -> int:
    """Which copy of a ``repeat`` inside ``key`` the node belongs to (0 when none)."""
    depth = key.count(".") + 1
    for part in node.path.split(".")[:depth]:
        match = _REPEAT.match(part)
        if match:
            return int(match.group(2))
    return 0


def _units(
    graph: Graph, depth: int, focus: str | None, members: Sequence[int] | None = None
) -> list[_Unit]:
    """The boxes in execution order. With ``focus`` (a box key one level up), only that
    box's nodes (``members``, where the caller has them), after one box per outside unit
    its inputs come from."""
    units: list[_Unit] = []
    copies: dict[str, set[int]] = {}
    inside: set[int] = set()
    if focus is None:
        units.append(_Unit("input", "input", [0]))
    if focus is not None and members is None:
        members = [n.id for n in graph.nodes[1:] if unit_key(n, depth - 1) == focus]
    for node in graph.nodes[1:] if members is None else (graph.nodes[i] for i in members):
        inside.add(node.id)
        key = unit_key(node, depth)
        if not units or units[-1].key != key or units[-1].outside:
            units.append(_Unit(key, key.rsplit(".", 1)[-1], []))
        units[-1].nodes.append(node.id)
        copies.setdefault(key, set()).add(_copy(node, key))
    for unit in units:
        unit.repeat = max(1, len(copies.get(unit.key, ())))
        if unit.repeat > 1:
            unit.title = f"{unit.title} ×{unit.repeat}"
    if focus is None:
        return units
    # the focused box's inputs from outside: one box per outer unit they come from
    outer: dict[str, list[int]] = {}
    for node_id in sorted(inside):
        for source in graph.nodes[node_id].inputs:
            if source not in inside:
                key = unit_key(graph.nodes[source], depth - 1)
                outer.setdefault(key, [])
                if source not in outer[key]:
                    outer[key].append(source)
    first = graph.nodes[min(inside)].inputs if inside else ()
    main = unit_key(graph.nodes[first[0]], depth - 1) if first else ""

    def order(item: tuple[str, list[int]]) -> tuple[bool, int]:
        return item[0] == main, min(item[1])  # the running tensor's source last: it flows in

    before = [
        _Unit(f"from:{key}", f"from {key.rsplit('.', 1)[-1]}", sorted(ids), outside=True)
        for key, ids in sorted(outer.items(), key=order)
    ]
    return before + units


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
    return 14 + 5 * math.log2(channels + 1), 18 + 10 * math.log2(spatial + 1)


def _shape_text(table: ShapeTable, node_id: int) -> str:
    """Channels × spatial sizes, without the batch axis everyone knows is there."""
    shape = table.shapes.get(node_id)
    if shape is None or node_id in table.broken:
        return "?"
    return table.show(shape[1:]) if len(shape) > 1 else table.show(shape)


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


def _merge_words(graph: Graph, node: Node) -> list[str]:
    """``concat``, ``center_crop``, ``via``: the merge kind, its alignment, a ``via`` if any."""
    words = [node.op]
    align = node.params.get("align", "none")
    if align not in (None, "none"):
        words.append(str(align))
    if any(graph.nodes[i].group == "via" for i in _skips(node)):
        words.append("via")
    return words


# -- which layout ---------------------------------------------------------------------


def _depths(graph: Graph, table: ShapeTable) -> list[float]:
    """How many halvings below the input each node's output is (log2 of the size ratio)."""
    top = _size(table, 0)[1]
    return [math.log2(top / _size(table, node.id)[1]) for node in graph.nodes]


def long_skips(graph: Graph, table: ShapeTable) -> list[tuple[int, int]]:
    """(source, merge) pairs of a U: the merge joins a tensor of the source's resolution
    after the running tensor went at least one halving deeper in between and came back."""
    depth = _depths(graph, table)
    deepest = _RangeMax(depth)
    found: list[tuple[int, int]] = []
    for node in graph.nodes:
        # every operand back at the merge's resolution, or brought back by the merge's own
        # alignment (interpolate): a squeeze-excitation gate (1×1, broadcast onto its
        # input) went deeper but never came back up
        if node.op not in MERGES:
            continue
        aligned = node.params.get("align") not in (None, "none")
        if not aligned and any(abs(depth[i] - depth[node.id]) >= 0.9 for i in node.inputs):
            continue
        for source in (_origin(graph, i) for i in _skips(node)):
            # equal resolutions, up to what a valid convolution or a crop takes off
            if source >= node.id - 1 or abs(depth[source] - depth[node.id]) >= 0.9:
                continue
            if deepest.over(source + 1, node.id) >= max(depth[source], depth[node.id]) + 0.75:
                found.append((source, node.id))
    return found


class _RangeMax:
    """The largest value over any range of a list in O(1) after O(n log n): a sparse table,
    so deciding the layout stays near-linear in the number of merges."""

    def __init__(self, values: list[float]) -> None:
        self.rows = [values]
        span = 1
        while 2 * span <= len(values):
            last = self.rows[-1]
            self.rows.append([max(last[i], last[i + span]) for i in range(len(last) - span)])
            span *= 2

    def over(self, start: int, stop: int) -> float:
        """max(values[start:stop]); -inf for an empty range."""
        if stop <= start:
            return -math.inf
        k = (stop - start).bit_length() - 1
        row = self.rows[k]
        return max(row[start], row[stop - (1 << k)])


# -- placing texts ------------------------------------------------------------------


Rect = tuple[float, float, float, float]
CELL = 96.0  # the grid the placer files rectangles in: a lookup touches a few cells, not all


def _cells(rect: Rect) -> Iterable[tuple[int, int]]:
    left, top, right, bottom = rect
    for i in range(math.floor(left / CELL), math.floor(right / CELL) + 1):
        for j in range(math.floor(top / CELL), math.floor(bottom / CELL) + 1):
            yield i, j


class _Free:
    """What is taken on the page, for the label placer: texts (and markers), and boxes,
    filed in a grid so that placing every label stays linear in the size of the picture."""

    def __init__(self, width: float) -> None:
        self.grids: dict[str, dict[tuple[int, int], list[Rect]]] = {"text": {}, "box": {}}
        self.width = width

    def take(self, rect: Rect, kind: str = "text") -> None:
        for cell in _cells(rect):
            self.grids[kind].setdefault(cell, []).append(rect)

    def fits(self, rect: Rect, on_boxes: bool = False) -> bool:
        """Inside the canvas and on no text; on no box either unless ``on_boxes``."""
        left, top, right, bottom = rect
        if left < 4 or top < TOP - 20 or right > self.width - 4:
            return False
        kinds = ("text",) if on_boxes else ("text", "box")
        for kind in kinds:
            grid = self.grids[kind]
            for cell in _cells(rect):
                for x, y, r, b in grid.get(cell, ()):
                    if left < r and x < right and top < b and y < bottom:
                        return False
        return True


def _box_rect(box: Box) -> tuple[float, float, float, float]:
    return box.x - 1, box.y - 1, box.x + box.w + 1, box.y + box.h + 1


# -- the layout -----------------------------------------------------------------------


def layout(
    graph: Graph,
    table: ShapeTable,
    diagnostics: Sequence[Diagnostic],
    depth: int = 1,
    focus: str | None = None,
    members: Sequence[int] | None = None,
    numbered: Sequence[tuple[int, Diagnostic, Node]] | None = None,
    at: Callable[[Diagnostic], str] | None = None,
    told: Callable[[Node], str] | None = None,
) -> Layout:
    """Position every box, edge, text and finding marker of ``graph`` at ``depth``.

    ``at`` and ``told`` say how a finding's and a layer's line is told in tooltips, where
    not ``line N`` (a model reference: the model's own ``model.py:66``).

    ``focus`` (a box key at ``depth - 1``) draws only that box's inside: a stage opened
    (``members``: its nodes, ``numbered``: the findings numbered, where the caller has
    them already).
    """
    units = _units(graph, depth, focus, members)
    owner = {n: i for i, unit in enumerate(units) for n in unit.nodes}
    u_shape = focus is None and bool(long_skips(graph, table))
    title = graph.name if focus is None else f"{graph.name} · {focus}"
    result = Layout(title, graph.file, "u" if u_shape else "chain", depth=depth)
    told = told or _spec_line
    if u_shape:
        _u_boxes(result, graph, table, units, told)
    else:
        _chain_boxes(result, graph, table, units, told)
    free = _Free(result.width)
    for box in result.boxes:
        free.take(_box_rect(box), "box")
    for label in result.labels:
        free.take(label.extent())
    _flow(result, units, graph, free)
    _skip_edges(result, graph, units, owner, free, told)
    if numbered is None:
        numbered = number_findings(graph, diagnostics)
    _place_findings(result, numbered, owner, units, free, at)
    _fit_canvas(result)
    return result


def _spec_line(node: Node) -> str:
    return f"line {node.pos.line}"


def _describe(
    graph: Graph, table: ShapeTable, unit: _Unit, told: Callable[[Node], str]
) -> tuple[str, str, str]:
    """(shape, detail, tooltip) of a unit's box."""
    shape = _shape_text(table, unit.nodes[-1])
    inside = set(unit.nodes)
    merges = sorted(  # the merges whose operands all come from inside the box
        {
            node.op
            for node in (graph.nodes[n] for n in unit.nodes)
            if node.op in MERGES and all(i in inside for i in node.inputs)
        }
    )
    count = len(unit.nodes) // unit.repeat
    detail = ""  # none on a box standing for what comes in from outside an opened stage
    if not unit.outside and count > 1:
        detail = f"{count} layers" + (f", {'+'.join(merges)}" if merges else "")
    elif not unit.outside and unit.nodes[0] != 0:
        detail = (
            graph.nodes[unit.nodes[0]].op if unit.title != graph.nodes[unit.nodes[0]].op else ""
        )
    first = graph.nodes[unit.nodes[0]]
    where = told(first) if unit.nodes[0] else "the input"
    tooltip = f"{unit.key}: {len(unit.nodes)} layer(s), out {shape} ({where})"
    return shape, detail, tooltip


def _add_box(
    result: Layout,
    unit: _Unit,
    cx: float,
    cy: float,
    size: tuple[float, float],
    texts: tuple[str, str, str],
    title_above: bool,
) -> None:
    w, h = size
    shape, detail, tooltip = texts
    index = len(result.boxes)
    box = Box(unit.key, cx - w / 2, cy - h / 2, w, h, unit.title, shape, detail, tooltip=tooltip)
    result.boxes.append(box)
    name = shorten(unit.title)
    if title_above:
        result.labels.append(Label(cx, box.y - 6, name, "stage", size=12, box=index, bold=True))
        below = [(shape, "shape"), (detail, "detail")]
    else:
        below = [(name, "stage"), (shape, "shape"), (detail, "detail")]
    y = box.y + box.h + 15
    for text, kind in below:
        if text:
            bold = kind == "stage"
            result.labels.append(
                Label(cx, y, text, kind, size=12 if bold else 11, box=index, bold=bold)
            )
            y += 15


def _pitch(unit: _Unit, texts: tuple[str, str, str], w: float) -> float:
    shape, detail, _ = texts
    return (
        max(
            w,
            text_width(shorten(unit.title), 12, bold=True),
            text_width(shape),
            text_width(detail),
        )
        + 34
    )


# -- U ------------------------------------------------------------------------------

LEVEL_GAP = 70.0  # between levels: a stage's shape and detail below, the next title above


def _u_levels(graph: Graph, table: ShapeTable, units: list[_Unit]) -> list[int]:
    """How far down the U each column sits: one level per halving of the size.

    A unit that takes a long skip sits at its source's level: valid convolutions
    shrink every level a little (U-Net: 568, 280, 136, 64), so sizes alone would
    put a decoder stage half a level off its encoder partner. Every other unit
    moves from the one before it by its own change of size (FCN-8s's last upsampling
    by 8 climbs three levels).
    """
    owner = {n: i for i, u in enumerate(units) for n in u.nodes}
    levels: list[int] = []
    before = _size(table, 0)[1]
    for index, unit in enumerate(units):
        size = _size(table, unit.nodes[-1])[1]
        step = round(math.log2(before / size)) if index else 0
        level = max(0, (levels[-1] if levels else 0) + step)
        for node_id in unit.nodes:
            node = graph.nodes[node_id]
            if node.op not in MERGES or not _same_size(table, node_id, unit.nodes[-1]):
                continue
            sources = [
                owner[origin]
                for origin in (_origin(graph, i) for i in _skips(node))
                if owner.get(origin, index) < index and _same_size(table, origin, node_id)
            ]
            if sources:
                level = levels[min(sources)]
                break
        levels.append(level)
        before = size
    # a level no box sits on (a stem that quarters the size) is only empty space
    rank = {level: i for i, level in enumerate(sorted(set(levels)))}
    return [rank[level] for level in levels]


def _same_size(table: ShapeTable, a: int, b: int) -> bool:
    return abs(math.log2(_size(table, a)[1] / _size(table, b)[1])) < 0.9


def _u_boxes(
    result: Layout,
    graph: Graph,
    table: ShapeTable,
    units: list[_Unit],
    told: Callable[[Node], str],
) -> None:
    levels = _u_levels(graph, table, units)
    sizes = [_box_size(*_size(table, u.nodes[-1])) for u in units]
    level_h = max(h for _, h in sizes) + LEVEL_GAP
    x = MARGIN
    for unit, level, size in zip(units, levels, sizes, strict=True):
        texts = _describe(graph, table, unit, told)
        pitch = _pitch(unit, texts, size[0])
        cy = TOP + 20 + level * level_h + level_h / 2 - LEVEL_GAP / 4
        _add_box(result, unit, x + pitch / 2, cy, size, texts, title_above=True)
        x += pitch
    result.width = x + MARGIN


# -- chain ----------------------------------------------------------------------------

ARC_ROOM = 60.0  # above a row: the arcs of its skips


def _chain_boxes(
    result: Layout,
    graph: Graph,
    table: ShapeTable,
    units: list[_Unit],
    told: Callable[[Node], str],
) -> None:
    sizes = [_box_size(*_size(table, u.nodes[-1])) for u in units]
    tallest = max(h for _, h in sizes)
    row_h = ARC_ROOM + tallest + 64
    x, row = MARGIN, 0
    for unit, size in zip(units, sizes, strict=True):
        texts = _describe(graph, table, unit, told)
        pitch = _pitch(unit, texts, size[0])
        if x + pitch > ROW_WIDTH and x > MARGIN:
            x, row = MARGIN, row + 1
        cy = TOP + row * row_h + ARC_ROOM + tallest / 2
        _add_box(result, unit, x + pitch / 2, cy, size, texts, title_above=False)
        x += pitch
    result.width = max(b.x + b.w for b in result.boxes) + 2 * MARGIN


# -- edges ----------------------------------------------------------------------------


def _flow(result: Layout, units: list[_Unit], graph: Graph, free: _Free) -> None:
    """An arrow from each box to the next: straight, down or up a level, or around a row."""
    for index in range(1, len(result.boxes)):
        a, b = result.boxes[index - 1], result.boxes[index]
        if units[index].outside:
            continue
        x1, y1, x2, y2 = a.x + a.w, a.cy, b.x, b.cy
        if x2 < x1:  # a chain wrapped: along the right edge, over the next row, into its box
            y = b.y - ARC_ROOM + 8
            right = result.width - MARGIN / 2
            points: tuple[tuple[float, float], ...] = (
                (x1, y1),
                (right, y1),
                (right, y),
                (MARGIN / 2, y),
                (MARGIN / 2, y2),
                (x2, y2),
            )
            result.edges.append(Edge(points, "flow"))
        elif abs(y1 - y2) < 1:
            result.edges.append(Edge(((x1, y1), (x2, y2)), "flow"))
        else:
            xm = (x1 + x2) / 2
            op = graph.nodes[units[index].nodes[0]].op
            edge_index = len(result.edges)
            result.edges.append(
                Edge(((x1, y1), (xm, y1), (xm, y2), (x2, y2)), "flow", tooltip=f"{op}")
            )
            low, high = max(y1, y2), min(y1, y2)
            spots = [
                (xm + dx, y, anchor)
                for y in (low - 8, (low + high) / 2 + 4, high + 16)
                for dx, anchor in ((-5, "end"), (5, "start"))
            ]
            _place(result, free, edge_index, op, "op", spots)


def _place(
    result: Layout,
    free: _Free,
    edge_index: int,
    text: str,
    kind: str,
    spots: Iterable[tuple[float, float, str]],
) -> None:
    """The edge's label at the first free spot; none free: it stays in the tooltip only."""
    for x, y, anchor in spots:
        label = Label(x, y, text, kind, anchor, size=11, edge=edge_index)
        if free.fits(label.extent()):
            free.take(label.extent())
            result.labels.append(label)
            edge = result.edges[edge_index]
            result.edges[edge_index] = replace(edge, label=text)
            return
    result.dropped += 1


def _skip_edges(
    result: Layout,
    graph: Graph,
    units: list[_Unit],
    owner: dict[int, int],
    free: _Free,
    told: Callable[[Node], str],
) -> None:
    """Skips between two boxes, bundled: every merge from box A into box B is one edge."""
    bundles: dict[tuple[int, int], list[tuple[Node, int]]] = {}
    for node in (graph.nodes[i] for i in sorted(owner)):
        if node.op not in MERGES:
            continue
        target = owner[node.id]
        for source_id in map(lambda i: _origin(graph, i), _skips(node)):
            source = owner.get(source_id)
            if source is None or source == target:
                continue  # inside one box: part of the box (its detail names the merge)
            bundles.setdefault((source, target), []).append((node, source_id))
    arcs: dict[tuple[int, int], list[tuple[float, float, float]]] = {}  # by row and column
    entries: dict[int, int] = {}  # skips straight into one box of a U
    ordered = sorted(bundles.items(), key=lambda item: (item[0][1] - item[0][0], item[0]))
    for (source, target), merges in ordered:
        a, b = result.boxes[source], result.boxes[target]
        kinds = sorted({m.op for m, _ in merges})
        words = _merge_words(graph, merges[0][0])
        if len(kinds) > 1:
            words = kinds
        label = " · ".join(words) + (f" ×{len(merges)}" if len(merges) > 1 else "")
        for kind in kinds:
            if kind not in result.merges:
                result.merges.append(kind)
        keys = tuple(sorted({f"{m.where} (line {m.pos.line}):" for m, _ in merges}))
        tooltip = "\n".join(
            f"{m.where} ({told(m)}): {graph.nodes[s].label} → {m.label}" for m, s in merges[:20]
        ) + (f"\n… and {len(merges) - 20} more" if len(merges) > 20 else "")
        between = result.boxes[min(source, target) + 1 : max(source, target)]
        if result.kind == "u" and target > source:
            kind = "skip"
            low, high = max(a.y + a.h, b.y + b.h), min(a.y, b.y)
            clear = all(c.y > low or c.y + c.h < high for c in between)
            if abs(a.cy - b.cy) < 1 and clear:  # straight across the U, as in the U-Net figure
                entry = entries.get(target, 0)  # one height per skip into the box
                entries[target] = entry + 1
                y = min(max(a.y, b.y) + 7 + 7 * entry, a.y + a.h - 4)
                points: tuple[tuple[float, float], ...] = ((a.x + a.w, y), (b.x, y))
                spots = [
                    (a.x + a.w + (b.x - a.x - a.w) * f, y + dy, "middle")
                    for dy in (-4, 14)
                    for f in (0.5, 0.35, 0.65, 0.2, 0.8, 0.1, 0.9)
                ]
            else:  # over every box between, from one top corner to the other
                x1, x2 = a.x + a.w - 4, b.x + 4
                y = _lane(arcs, x1, x2, min(c.y for c in (a, b, *between)) - 28)
                points = ((x1, a.y), (x1, y), (x2, y), (x2, b.y))
                spots = [(x1 + (x2 - x1) * f, y - 4, "middle") for f in (0.5, 0.35, 0.65, 0.2, 0.8)]
        else:  # a chain: an arc over the boxes between, one lane per arc it would meet
            x1 = min(a.x + a.w - 3, a.cx + 6)
            x2 = max(b.x + 3, b.cx - 6)
            kind = "arc"
            if abs(a.cy - b.cy) < 1:
                base = min(c.y for c in (a, b, *between)) - 16
                y = _lane(arcs, x1, x2, base, round(b.cy))
                points = ((x1, a.y), (x1, y), (x2, y), (x2, b.y))
            else:  # from another row: enters from the left over the target's row, named
                y = _lane(arcs, MARGIN / 2, x2, b.y - 16, round(b.cy))
                points = ((MARGIN / 2, y), (x2, y), (x2, b.y))
                label = f"{label} from {shorten(a.title)}"
            spots = [
                (points[-3][0] + (x2 - points[-3][0]) * f, y - 4, "middle")
                for f in (0.5, 0.35, 0.65, 0.2, 0.8)
            ]
        edge_index = len(result.edges)
        result.edges.append(Edge(points, kind, "", None, tooltip, kinds[0], keys))
        _place(result, free, edge_index, label, "edge-label", spots)


LANE = 17.0  # between arcs that share a stretch: a label's height and a little air


def _lane(
    arcs: dict[tuple[int, int], list[tuple[float, float, float]]],
    x1: float,
    x2: float,
    y: float,
    row: int = 0,
) -> float:
    """The highest free height at or above ``y`` for an arc from ``x1`` to ``x2``: no other
    arc over the same stretch within a lane's height, so their lines and labels stay apart.
    ``arcs`` files each arc under its row (of a chain) and the grid columns it spans."""
    left, right = min(x1, x2) - 4, max(x1, x2) + 4
    columns = range(math.floor(left / CELL), math.floor(right / CELL) + 1)
    near = {
        arc for i in columns for arc in arcs.get((row, i), ()) if arc[0] < right and left < arc[1]
    }
    heights = sorted({h for _, _, h in near}, reverse=True)
    for h in heights:
        if abs(h - y) < LANE:
            y = min(y, h - LANE)
    for i in columns:
        arcs.setdefault((row, i), []).append((left, right, y))
    return y


# -- findings -------------------------------------------------------------------------


def number_findings(
    graph: Graph, diagnostics: Sequence[Diagnostic]
) -> list[tuple[int, Diagnostic, Node]]:
    """Each finding with its number (errors first) and the node it sits on. Computed once
    for a page: the opened stages share the numbers of the main picture."""
    by_label = {node.label: node for node in graph.nodes}
    by_line: dict[int, Node] = {}
    for node in graph.nodes:
        by_line.setdefault(node.pos.line, node)
    rank = {"error": 2, "warning": 1}
    ordered = sorted(diagnostics, key=lambda d: (rank.get(d.severity, 0) * -1, d.sort_key()))
    return [
        (
            number,
            diag,
            by_label.get(diag.node or "") or by_line.get(diag.pos.line) or graph.nodes[-1],
        )
        for number, diag in enumerate(ordered, 1)
    ]


def _place_findings(
    result: Layout,
    numbered: Sequence[tuple[int, Diagnostic, Node]],
    owner: dict[int, int],
    units: list[_Unit],
    free: _Free,
    at: Callable[[Diagnostic], str] | None = None,
) -> None:
    """Colour the boxes and skips the findings sit on, place their numbered markers
    (``at``: how a finding's line is told, where not ``line N``)."""
    rank = {"error": 2, "warning": 1}
    worst: dict[int, str] = {}
    into: dict[str, list[int]] = {}  # a merge (as its tooltips name it) → the skips into it
    for i, edge in enumerate(result.edges):
        if edge.kind in ("skip", "arc"):
            for key in edge.keys:
                into.setdefault(key, []).append(i)
    for number, diag, node in numbered:
        index = owner.get(node.id)
        if index is None or units[index].outside:
            continue  # an opened stage shows only the findings inside it
        if rank.get(diag.severity, 0) > rank.get(worst.get(index, ""), 0):
            worst[index] = diag.severity
        marker = _marker_spot(result.boxes[index], free)
        result.findings.append(
            Finding(
                number,
                diag.severity,
                diag.code,
                diag.pos.line,
                node.where,
                tuple(o.shape for o in diag.operands),
                _full_message(diag, told := at(diag) if at else f"line {diag.pos.line}"),
                marker,
                told,
            )
        )
        if diag.severity == "error" and node.op in MERGES:
            _colour_skips(result, into, node, diag)
    for index, severity in worst.items():
        result.boxes[index] = replace(result.boxes[index], severity=severity)


def _marker_spot(box: Box, free: _Free) -> tuple[float, float]:
    """A numbered circle (r 8) on the box's outline, on no text and no other marker."""
    spots = [(box.x + box.w, box.y + 9 + 17 * k) for k in range(6)]
    spots += [(box.x, box.y + 9 + 17 * k) for k in range(6)]
    spots += [(box.x + box.w + 17 * k, box.y) for k in range(1, 8)]
    spots += [(box.x + box.w + 18 * k, box.y - 10 - 18 * j) for j in range(3) for k in range(8)]
    for x, y in spots:
        rect = (x - 9, y - 9, x + 9, y + 9)
        if free.fits(rect, on_boxes=True):
            free.take(rect)
            return x, y
    return box.x + box.w, box.y


def _colour_skips(result: Layout, into: dict[str, list[int]], node: Node, diag: Diagnostic) -> None:
    """The skip into a failing merge is the path of the mismatching tensor: draw it red."""
    for i in into.get(f"{node.where} (line {node.pos.line}):", ()):
        edge = result.edges[i]
        if edge.severity is None:
            result.edges[i] = replace(
                edge, severity="error", tooltip=f"{edge.tooltip}\n{diag.message}"
            )


def _full_message(diag: Diagnostic, at: str) -> str:
    lines = [f"{diag.code} {diag.severity} at {at}: {diag.message}"]
    lines += [f"{o.role}: {o.shape} — {o.origin}" for o in diag.operands]
    lines += [f"note: {n}" for n in diag.notes]
    return "\n".join(lines)


def _fit_canvas(result: Layout) -> None:
    """The canvas holds every box, edge, text and marker, with a margin; arcs that rose
    into the title move everything down."""
    highest = min(
        [y for e in result.edges for _, y in e.points]
        + [lab.extent()[1] for lab in result.labels]
        + [f.marker[1] - 9 for f in result.findings],
        default=TOP,
    )
    if highest < TOP - 12:
        _shift(result, TOP - 12 - highest)
    right = [result.width - MARGIN]
    bottom = [0.0]
    for box in result.boxes:
        right.append(box.x + box.w)
        bottom.append(box.y + box.h)
    for label in result.labels:
        _, _, r, b = label.extent()
        right.append(r)
        bottom.append(b)
    for edge in result.edges:
        right += [x for x, _ in edge.points]
        bottom += [y for _, y in edge.points]
    for finding in result.findings:
        right.append(finding.marker[0] + 9)
        bottom.append(finding.marker[1] + 9)
    result.width = max(right) + MARGIN
    result.height = max(bottom) + 16


def _shift(result: Layout, dy: float) -> None:
    result.boxes = [replace(b, y=b.y + dy) for b in result.boxes]
    result.edges = [
        replace(e, points=tuple((x, y + dy) for x, y in e.points)) for e in result.edges
    ]
    result.labels = [replace(lab, y=lab.y + dy) for lab in result.labels]
    result.findings = [replace(f, marker=(f.marker[0], f.marker[1] + dy)) for f in result.findings]
