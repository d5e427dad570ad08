"""Where a fix applies: the findings at one line, their nodes, and helpers to edit layers there."""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from skipcheck.diagnostics import Diagnostic
from skipcheck.fixes.edit import Edit, EditError, Source
from skipcheck.graph import Graph, Node
from skipcheck.ops import OPS
from skipcheck.shapes.dims import concrete
from skipcheck.shapes.table import ShapeTable

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class Site:
    """The error findings written at one position (one merge; every repeat of it)."""

    graph: Graph
    table: ShapeTable
    source: Source
    diagnostics: list[Diagnostic]
    nodes: list[Node]
    input_given: bool  # --input overrides the file's input: editing `input:` would prove nothing

    @property
    def codes(self) -> set[str]:
        return {d.code for d in self.diagnostics}

    @property
    def merges(self) -> list[Node]:
        return [n for n in self.nodes if n.op in ("add", "concat", "mul") and len(n.inputs) > 1]

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

    def ancestors(self, node_id: int) -> set[int]:
        seen: set[int] = set()
        stack = [node_id]
        while stack:
            n = stack.pop()
            if n in seen:
                continue
            seen.add(n)
            stack.extend(self.graph.nodes[n].inputs)
        return seen

    def path_nodes(self, merge: Node) -> list[Node]:
        """Nodes that feed some input of the merge but not all of them, in order."""
        sets = [self.ancestors(i) for i in merge.inputs]
        either = set().union(*sets)
        both = set.intersection(*sets)
        return [self.graph.nodes[i] for i in sorted(either - both)]

    def channel_source(self, node_id: int) -> Node | None:
        """The layer that set the channel count a tensor has (through relu, pool, upsample ...)."""
        node = self.graph.nodes[node_id]
        while node.id:
            if "out_channels" in node.params:
                return node
            if len(node.inputs) != 1 or self.channels(node.inputs[0]) != self.channels(node.id):
                return None
            node = self.graph.nodes[node.inputs[0]]
        return None

    # -- editing the text --------------------------------------------------
    def layer_args(self, node: Node) -> yaml.Node:
        return self.source.entry(node.pos)[2]

    def set_param(self, node: Node, name: str, value: str) -> Edit:
        """Set a parameter of a layer, at the block call when the layer reads a block argument."""
        if name in node.param_pos:
            written = self.source.value(node.param_pos[name])
            text = self.source.span(written)
            if _IDENT.match(text) and node.calls:
                edit = self.set_block_arg(node, text, value)
                if edit is not None:
                    return edit
            return self.source.replace(written, value)
        return self.source.as_mapping(self.layer_args(node), OPS[node.op].primary, name, value)

    def set_block_arg(self, node: Node, arg: str, value: str) -> Edit | None:
        """``arg`` is an argument of the innermost block: set it where that block is called."""
        call_pos = node.calls[-1]
        _, key, args = self.source.entry(call_pos)
        if arg not in self.block_args(str(key.value)):
            return None
        given = self.source.find(args, arg) if isinstance(args, yaml.MappingNode) else None
        if given is not None:
            written = self.source.span(given)
            if _IDENT.match(written) and len(node.calls) > 1:
                outer = Node(node.id, node.op, {}, (), call_pos, node.path, calls=node.calls[:-1])
                deeper = self.set_block_arg(outer, written, value)
                if deeper is not None:
                    return deeper
            return self.source.replace(given, value)
        first = self.block_args(str(key.value))[:1]
        return self.source.as_mapping(args, first[0] if first else None, arg, value)

    def block_args(self, block: str) -> list[str]:
        root = self.source.root
        blocks = self.source.find(root, "blocks") if isinstance(root, yaml.MappingNode) else None
        body = self.source.find(blocks, block) if isinstance(blocks, yaml.MappingNode) else None
        args = self.source.find(body, "args") if isinstance(body, yaml.MappingNode) else None
        if not isinstance(args, yaml.SequenceNode):
            return []
        return [str(a.value).partition("=")[0].strip() for a in args.value]

    def merge_args(self, merge: Node) -> yaml.Node:
        if merge.params.get("residual"):
            raise EditError("a residual's merge has no skip arguments")
        return self.layer_args(merge)


def axes_text(values: list[int]) -> str:
    return "×".join(str(v) for v in values)
