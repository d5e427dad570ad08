"""Node / Graph: the one internal representation every later stage reads.

Both are frozen: lowering builds them (``specfile/expand.py`` replaces a node it names or
gives an ``expect:``), and nothing after it changes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from skipcheck.core.position import Position

# the input's spatial sizes by number of spatial axes, where the spec writes numbers
AXIS_NAMES = {1: ("L",), 2: ("H", "W"), 3: ("D", "H", "W")}


@dataclass(frozen=True, init=False)
class Node:
    """One op applied to earlier nodes' outputs.

    ``path`` is the stable, dotted name (``dec4.double_conv.0``) used for display
    and torch module names; ``label`` is how a message refers to it.
    """

    id: int
    op: str
    params: dict[str, Any]
    inputs: tuple[int, ...]
    pos: Position
    path: str
    stage: str | None = None
    name: str | None = None
    param_pos: dict[str, Position] = field(default_factory=dict)
    skips: tuple[str, ...] = ()
    expects: tuple[tuple[tuple[Any, ...], Position, str], ...] = ()
    group: str | None = None  # "via", "body", "shortcut": where in a merge or residual it sits
    calls: tuple[Position, ...] = ()  # the block calls it was expanded from, outermost first

    def __init__(
        self,
        id: int,
        op: str,
        params: dict[str, Any],
        inputs: tuple[int, ...],
        pos: Position,
        path: str,
        stage: str | None = None,
        name: str | None = None,
        param_pos: dict[str, Position] | None = None,
        skips: tuple[str, ...] = (),
        expects: tuple[tuple[tuple[Any, ...], Position, str], ...] = (),
        group: str | None = None,
        calls: tuple[Position, ...] = (),
    ) -> None:
        # the fields written straight into the instance's dict: a frozen dataclass's own
        # __init__ sets each through object.__setattr__, and lowering makes a node per layer
        # (the same fields, defaults and order as declared above)
        fields = self.__dict__
        fields["id"] = id
        fields["op"] = op
        fields["params"] = params
        fields["inputs"] = inputs
        fields["pos"] = pos
        fields["path"] = path
        fields["stage"] = stage
        fields["name"] = name
        fields["param_pos"] = {} if param_pos is None else param_pos
        fields["skips"] = skips
        fields["expects"] = expects
        fields["group"] = group
        fields["calls"] = calls

    def changed(self, **changes: Any) -> Node:
        """``dataclasses.replace(self, **changes)`` without its walk of the fields: lowering
        names, groups and gives an ``expect:`` to thousands of nodes."""
        if not changes.keys() <= self.__dict__.keys():
            raise TypeError(f"Node has no field {', '.join(changes.keys() - self.__dict__.keys())}")
        node = object.__new__(type(self))
        fields = node.__dict__
        fields.update(self.__dict__)
        fields.update(changes)
        return node

    @property
    def label(self) -> str:
        return self.name or self.path

    @property
    def where(self) -> str:
        """How a message names this node: ``add e2 in d2``, ``maxpool in enc2``."""
        what = f"{self.op} {', '.join(self.skips)}" if self.skips else self.op
        return f"{what} in {self.stage}" if self.stage else what


@dataclass(frozen=True)
class Output:
    """One named output of a format-1.1 spec (``outputs:``), with its declared shape."""

    name: str
    node: int
    shape: tuple[Any, ...] | None
    pos: Position


@dataclass(frozen=True)
class Graph:
    """The lowered model: nodes in execution order; node 0 is the input."""

    file: str
    name: str
    nodes: tuple[Node, ...]
    names: dict[str, int]
    input_dims: tuple[Any, ...]
    input_pos: Position
    output: tuple[Any, ...] | None = None
    output_pos: Position | None = None
    stages: tuple[tuple[str, int], ...] = ()
    params: dict[str, Any] = field(default_factory=dict)
    version: str = "1"
    end: int | None = None  # the running tensor after the last layer (None: the last node)
    outputs: tuple[Output, ...] = ()  # named outputs (format 1.1)

    @property
    def out(self) -> int:
        """The main output: the running tensor after the last layer.

        Side branches (format 1.1) may add nodes after it, so it is not always the last.
        """
        return self.end if self.end is not None else self.nodes[-1].id

    @property
    def results(self) -> list[tuple[str, int]]:
        """Every output by name: the named ``outputs``, or the one main output."""
        if self.outputs:
            return [(o.name, o.node) for o in self.outputs]
        return [("output", self.out)]

    def __getitem__(self, node_id: int) -> Node:
        return self.nodes[node_id]
