"""Where a fix applies: the findings at one line, their nodes, and helpers to edit layers there."""

from __future__ import annotations

import ast
import heapq
import re
from dataclasses import dataclass, field
from functools import cached_property

from skipcheck.check.fixes.edit import Edit, EditError, SpecText, Spot
from skipcheck.core.graph import Graph, Node
from skipcheck.core.position import Position
from skipcheck.ops import OPS
from skipcheck.ops.merge import MERGE_OPS
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.dims import concrete
from skipcheck.shapes.table import ShapeTable
from skipcheck.specfile.yamltree import YList, YMap

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# parameters that state the same kind of quantity: a channel count
_KINDS = {k: "out_channels" for k in ("in_channels", "num_features", "in_features", "out_features")}
_FUNCTIONS = {"min", "max", "abs", "int", "round", "floor", "ceil"}  # spec/expr.py's names

Scope = tuple[Position, ...]  # the block calls a text is evaluated in; () is the top level


@dataclass(frozen=True)
class Value:
    """A number a fix writes, with the ways the spec already spells the same quantity.

    ``spellings`` are (text, scope) pairs, innermost first: ``ch`` inside the block, then
    ``base * 2`` where the block is called. A fix writes the first spelling that means the
    same thing where it writes, so the edit follows the spec when a param changes.
    """

    number: int
    spellings: tuple[tuple[str, Scope], ...] = ()
    # the layer parameter it sets: a param of the same number spells it only where the spec
    # writes that param for this kind of parameter somewhere (`stride: 2` never becomes
    # `stride: classes` because classes = 2)
    key: str = "out_channels"

    def __str__(self) -> str:
        return str(self.number)


@dataclass
class FileFacts:
    """What every site of one file reads alike, worked out once for all of them (a file with
    many broken merges would otherwise pay for it once per site)."""

    consumers: dict[int, list[int]] = field(default_factory=dict)  # node -> its readers
    params_for: dict[str, set[str]] = field(default_factory=dict)  # kind -> params written
    failing_paths: list[str] | None = None  # the paths of the layers that carry findings
    # merge -> the layers that feed some of its inputs but not all, with which (``sides``)
    sides: dict[int, dict[int, int]] = field(default_factory=dict)
    pools: list[frozenset[int]] = field(default_factory=list)  # node -> the pools before it


@dataclass
class Site:
    """The error findings written at one position (one merge; every repeat of it)."""

    graph: Graph
    table: ShapeTable
    source: SpecText
    diagnostics: list[Diagnostic]
    nodes: list[Node]
    input_given: bool  # --input overrides the file's input: editing `input:` would prove nothing
    cut: bool = False  # the file's proof budget ran out before every candidate here was tried
    untried: int = 0  # candidates here that the budget left unproven (none is ever shown)
    file_errors: list[Diagnostic] = field(default_factory=list)  # of every site of the file
    facts: FileFacts = field(default_factory=FileFacts, repr=False)

    @property
    def codes(self) -> set[str]:
        return {d.code for d in self.diagnostics}

    @property
    def merges(self) -> list[Node]:
        return [n for n in self.nodes if n.op in MERGE_OPS and len(n.inputs) > 1]

    def failing_merges(self) -> list[Node]:
        """The merges here that carry a finding first (a block's uses that break), then the rest."""
        named = {d.node for d in self.diagnostics}
        return sorted(self.merges, key=lambda n: n.label not in named)

    # -- reading the model -------------------------------------------------
    def sizes(self, node_id: int) -> list[int] | None:
        """Concrete spatial sizes of a node's output (None where symbolic)."""
        shape = self.table.shapes.get(node_id)
        if shape is None:
            return None
        values = [concrete(d, self.table.at) for d in shape[2:]]
        if not all(isinstance(v, int) for v in values):
            return None
        return [v for v in values if isinstance(v, int)]

    def channels(self, node_id: int) -> int | None:
        shape = self.table.shapes.get(node_id)
        c = shape[1] if shape is not None else None
        return c if isinstance(c, int) else None

    def sides(self, merge: Node) -> dict[int, int]:
        """The layers that feed some inputs of the merge but not all of them, each with the
        inputs it feeds as bits (bit k: ``merge.inputs[k]``).

        Found walking back from the inputs, the latest layer first (a layer's inputs come
        before it), and stopping once every layer left to visit feeds all of them: the work
        is the layers between the merge and where its paths fork, not the whole model (a
        walk of every ancestor per site was quadratic in a spec with many broken merges)."""
        known = self.facts.sides.get(merge.id)
        if known is not None:
            return known
        full = (1 << len(merge.inputs)) - 1
        reach: dict[int, int] = {}
        heap: list[int] = []  # negated ids: the latest layer first
        partial = 0  # layers waiting in the heap that do not feed every input yet

        def reached(node_id: int, bits: int) -> None:
            nonlocal partial
            before = reach.get(node_id)
            if before is None:
                heapq.heappush(heap, -node_id)
                partial += bits != full
                reach[node_id] = bits
            elif before | bits != before:
                partial -= before != full and before | bits == full
                reach[node_id] = before | bits

        for k, i in enumerate(merge.inputs):
            reached(i, 1 << k)
        while heap and partial:
            n = -heapq.heappop(heap)
            bits = reach[n]
            partial -= bits != full
            for i in self.graph.nodes[n].inputs:
                reached(i, bits)
        found = self.facts.sides[merge.id] = {n: b for n, b in reach.items() if b != full}
        return found

    def side_of(self, node_id: int, merge: Node) -> int | None:
        """The one input of the merge that the layer feeds (None: none, or several)."""
        bits = self.sides(merge).get(node_id, 0)
        if bits == 0 or bits & (bits - 1):
            return None
        return merge.inputs[bits.bit_length() - 1]

    def path_nodes(self, merge: Node) -> list[Node]:
        """Nodes that feed some input of the merge but not all of them, in order."""
        return [self.graph.nodes[i] for i in sorted(self.sides(merge))]

    def pools_above(self, node_id: int) -> frozenset[int]:
        """The pooling layers the node's output depends on (itself included)."""
        pools = self.facts.pools
        if not pools:
            # one pass for the file, in order: a layer reads only layers before it
            for n in self.graph.nodes:
                above = (
                    pools[n.inputs[0]]
                    if len(n.inputs) == 1
                    else frozenset().union(*(pools[i] for i in n.inputs))
                )
                pools.append(above | {n.id} if n.op in ("maxpool", "avgpool") else above)
        return pools[node_id]

    @property
    def consumers(self) -> dict[int, list[int]]:
        """The layers that read each node's output."""
        out = self.facts.consumers
        if not out:
            for n in self.graph.nodes:
                for i in n.inputs:
                    out.setdefault(i, []).append(n.id)
        return out

    def feeds_only(self, layer: Node, merge: Node) -> bool:
        """Whether every path from ``layer`` leads into ``merge`` through one of its inputs
        only: the layer's output serves that side of the merge and nothing else (a lateral,
        a branch's last conv), not also the other side or other layers (a trunk)."""
        side = self.side_of(layer.id, merge)
        if side is None:
            return False
        bit = self.sides(merge)[layer.id]
        stack, seen = [layer.id], set()
        while stack:
            n = stack.pop()
            for c in self.consumers.get(n, []):
                if c == merge.id or c in seen:
                    continue
                # a layer after this one that feeds its side of the merge: never one that
                # feeds every side (this one would too)
                if not self.sides(merge).get(c, 0) & bit:
                    return False
                seen.add(c)
                stack.append(c)
        return True

    def width(self, node_id: int) -> Value | None:
        """A tensor's channel count, with how the spec spells it where that width is decided."""
        c = self.channels(node_id)
        if c is None:
            return None
        layer = self.channel_source(node_id)
        value = self.value(layer, "out_channels") if layer is not None else None
        return value if value is not None and value.number == c else Value(c)

    def channel_source(self, node_id: int) -> Node | None:
        """The layer that set the channel count a tensor has (through relu, pool, upsample ...)."""
        node = self.graph.nodes[node_id]
        while node.id:
            if "out_channels" in node.params:
                return node
            if node.op in MERGE_OPS - {"concat"} and self.channels(node.inputs[0]) == self.channels(
                node.id
            ):
                node = self.graph.nodes[node.inputs[0]]  # a residual keeps its body's width
                continue
            if len(node.inputs) != 1 or self.channels(node.inputs[0]) != self.channels(node.id):
                return None
            node = self.graph.nodes[node.inputs[0]]
        return None

    # -- the blocks and their uses ----------------------------------------
    @cached_property
    def block_spans(self) -> dict[str, tuple[int, int]]:
        """Each block of the file: where its entry (``name:`` and its body) starts and ends."""
        blocks = self.source.find(self.source.root, "blocks")
        if blocks is None or not isinstance(blocks.value, YMap):
            return {}
        text = self.source.text
        # a block collection's end sits on the next token: its last character is
        # where the body ends
        return {
            str(k.value): (k.start, len(text[: v.end].rstrip(" \t\r\n")))
            for k, v in self.source.pairs(blocks)
        }

    @cached_property
    def uses(self) -> dict[str, dict[str, list[int]]]:
        """Each block's uses (``4_0.basic``, one per call and repeat) and their nodes."""
        return uses_of(self.graph, set(self.block_spans))

    @property
    def failing_paths(self) -> list[str]:
        if self.facts.failing_paths is None:
            named = {d.node for d in self.file_errors or self.diagnostics}
            self.facts.failing_paths = [n.path for n in self.graph.nodes if n.label in named]
        return self.facts.failing_paths

    def broken(self, use: str) -> bool:
        """Whether a use holds a failing layer, or is held by one (a ``via`` of the merge):
        of this site or any other of the file, so that every site says the same."""
        return any(
            f.startswith(use + ".") or use.startswith(f + ".") or f == use
            for f in self.failing_paths
        )

    def edited_blocks(self, edits: tuple[Edit, ...]) -> list[str]:
        """The blocks whose body an edit changes (every use of them changes)."""
        return [
            name
            for name, (start, end) in self.block_spans.items()
            if any(start < e.start < end or self._appends(start, end, e) for e in edits)
        ]

    def _appends(self, start: int, end: int, edit: Edit) -> bool:
        """An edit that adds lines right after a block's last line, indented as its body
        (a key added to its last layer), not as a sibling block."""
        text = self.source.text
        nl = text.find("\n", end)
        if edit.start != edit.end or nl < 0 or edit.start != nl + 1:
            return False
        column = start - (text.rfind("\n", 0, start) + 1)
        return len(edit.new) - len(edit.new.lstrip(" ")) > column

    def use_lines(self, block: str, keys: list[str]) -> list[int]:
        """The lines that call ``block`` for the given uses."""
        lines = []
        for key in keys:
            node = self.graph.nodes[self.uses[block][key][0]]
            depth = sum(1 for c in key.split(".")[1:] if c in self.block_spans) - 1
            if 0 <= depth < len(node.calls):
                lines.append(node.calls[depth].line)
        return sorted(set(lines))

    # -- editing the text --------------------------------------------------
    def layer_args(self, node: Node) -> Spot:
        return self.source.entry(node.pos)[2]

    def set_param(self, node: Node, name: str, value: str | Value) -> Edit:
        """Set a parameter of a layer, at the block call when the layer reads a block argument."""
        if name in node.param_pos:
            written = self.source.value(node.param_pos[name])
            text = self.source.span(written)
            if _IDENT.match(text) and node.calls:
                edit = self.set_block_arg(node, text, value)
                if edit is not None:
                    return edit
            return self.source.replace(written, self.spell(value, node.calls))
        return self.source.as_mapping(
            self.layer_args(node), OPS[node.op].primary, name, self.spell(value, node.calls)
        )

    def set_block_arg(self, node: Node, arg: str, value: str | Value) -> Edit | None:
        """``arg`` is an argument of the innermost block: set it where that block is called."""
        call_pos = node.calls[-1]
        _, key, args = self.source.entry(call_pos)
        if arg not in self.block_args(str(key.value)):
            return None
        given = self.given_arg(call_pos, arg)
        outer_scope = node.calls[:-1]  # the call is written in its caller's scope
        if given is not None:
            written = self.source.span(given)
            if _IDENT.match(written) and len(node.calls) > 1:
                outer = Node(node.id, node.op, {}, (), call_pos, node.path, calls=outer_scope)
                deeper = self.set_block_arg(outer, written, value)
                if deeper is not None:
                    return deeper
            return self.source.replace(given, self.spell(value, outer_scope))
        first = self.block_args(str(key.value))[:1]
        return self.source.as_mapping(
            args, first[0] if first else None, arg, self.spell(value, outer_scope)
        )

    def given_arg(self, call_pos: Position, arg: str) -> Spot | None:
        """The value written for a block argument at a call (``{ch: 128}`` or ``down: 128``)."""
        _, key, args = self.source.entry(call_pos)
        if isinstance(args.value, YMap):
            return self.source.find(args, arg)
        first = self.block_args(str(key.value))[:1]
        if _is_scalar(args) and self.source.span(args) and [arg] == first:
            return args  # `- down: 128` is the shorthand for `{ch: 128}`, its first argument
        return None

    # -- the spec's own terms ----------------------------------------------
    def value(self, node: Node, name: str) -> Value | None:
        """A layer's integer parameter with the ways the spec spells it, innermost first:
        the text written at the layer, then what each block call passes for it."""
        number = node.params.get(name)
        if not isinstance(number, int) or isinstance(number, bool) or name not in node.param_pos:
            return None
        try:
            text = self.source.span(self.source.value(node.param_pos[name]))
        except EditError:
            return Value(number, key=name)
        scope: Scope = node.calls
        spellings = [(text, scope)]
        while _IDENT.match(text) and scope:
            try:
                given = self.given_arg(scope[-1], text)
            except EditError:
                break
            if given is None:
                break  # the argument's default: spelled in the block's own terms only
            text, scope = self.source.span(given), scope[:-1]
            spellings.append((text, scope))
        return Value(number, tuple(spellings), name)

    def spell(self, value: str | Value, scope: Scope) -> str:
        """How to write ``value`` at ``scope``: a spelling the spec already uses for the same
        quantity where it means the same there, else a param of that value that the spec
        writes for the same kind of parameter, else the number."""
        if isinstance(value, str):
            return value
        for text, where in value.spellings:
            names = _names(text)
            if names is None or not names:
                continue  # a plain number (or unreadable): no better than the literal
            known = set(self.graph.params) | self._bound_in(where)
            if names - known:
                continue  # reads `i` of a repeat, or a name this scope does not bind
            if where == scope[: len(where)] and not names & self._bound_in(scope[len(where) :]):
                return text
        usable = self.params_for(value.key) - self._bound_in(scope)
        for name, v in self.graph.params.items():
            if v == value.number and not isinstance(v, bool) and name in usable:
                return name
        return str(value.number)

    def params_for(self, key: str) -> set[str]:
        """The params the spec writes for a kind of layer parameter (``stride``; channel
        counts are one kind), through the block arguments that pass them."""
        kind = _KINDS.get(key, key)
        if kind not in self.facts.params_for:
            names: set[str] = set()
            for node in self.graph.nodes:
                for name in node.param_pos:
                    value = self.value(node, name) if _KINDS.get(name, name) == kind else None
                    for text, _ in value.spellings if value is not None else ():
                        names |= _names(text) or set()
            self.facts.params_for[kind] = names & set(self.graph.params)
        return self.facts.params_for[kind]

    def _bound_in(self, calls: Scope) -> set[str]:
        """Names the block calls ``calls`` bind (they hide params and outer arguments)."""
        bound: set[str] = set()
        for call in calls:
            try:
                bound.update(self.block_args(str(self.source.entry(call)[1].value)))
            except EditError:
                continue
        return bound

    def block_args(self, block: str) -> list[str]:
        return [a.partition("=")[0].strip() for a in self.written_block_args(block)]

    def written_block_args(self, block: str) -> list[str]:
        """A block's ``args:`` as written (``pad=0`` with its default)."""
        blocks = self.source.find(self.source.root, "blocks")
        args = self.source.find(self.source.find(blocks, block), "args")
        if args is None or not isinstance(args.value, YList):
            return []
        return [str(a) for a in args.value]

    def merge_args(self, merge: Node) -> Spot:
        if merge.params.get("residual"):
            raise EditError("a residual's merge has no skip arguments")
        return self.layer_args(merge)


def uses_of(graph: Graph, blocks: set[str]) -> dict[str, dict[str, list[int]]]:
    """Every use of each block: the path that names the call (``4_0.basic``,
    ``up4.0.attention_gate.1.add.via.0.theta``) and the nodes it expanded to."""
    out: dict[str, dict[str, list[int]]] = {}
    for node in graph.nodes:
        if not node.calls:
            continue
        parts = node.path.split(".")
        for j in range(1, len(parts)):
            if parts[j] in blocks:
                out.setdefault(parts[j], {}).setdefault(".".join(parts[: j + 1]), []).append(
                    node.id
                )
    return out


def axes_text(values: list[int]) -> str:
    return "×".join(str(v) for v in values)


def _names(text: str) -> set[str] | None:
    """The variables an expression reads (None when it is not an expression)."""
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        return None
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in _FUNCTIONS}


def _is_scalar(spot: Spot) -> bool:
    return not isinstance(spot.value, (YMap, YList))
