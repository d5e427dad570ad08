"""Exact text edits of a spec: find a value by its 1-based line/column, splice new text in.

The loader's positions say where each value starts; composing the same text again
here gives where it ends, so an edit replaces exactly the characters of one value
and leaves comments, key order and formatting everywhere else untouched.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import yaml

from skipcheck.core.position import Position, line_starts, newline_of, offset_line_col

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]


_SPACES = re.compile(" *")


class EditError(Exception):
    """A candidate edit that cannot be written exactly (the candidate is dropped)."""


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (character offsets into the file text)."""

    start: int
    end: int
    new: str


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; overlapping ones raise EditError."""
    ordered = sorted(set(edits), key=lambda e: (e.start, e.end))
    for a, b in itertools.pairwise(ordered):
        if b.start < a.end or (b.start == a.end and a.start == a.end == b.end):
            raise EditError("two edits touch the same text")
    for e in reversed(ordered):
        text = text[: e.start] + e.new + text[e.end :]
    return text


def unified_diff(path: str, before: str, after: str) -> str:
    """A unified diff with line numbers in its hunk headers."""
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        fromfile=f"a/{path}",
        tofile=f"b/{path}",
        n=1,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


class Source:
    """The spec text with its composed YAML nodes indexed by where each starts."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.root = yaml.compose(text, Loader=_Loader)
        self.line_starts = line_starts(text)
        self.newline = newline_of(text)  # what an added line ends with: the file's own break
        # key start -> (mapping, key node, value node); value start -> node
        self.entries: dict[int, tuple[yaml.MappingNode, yaml.Node, yaml.Node]] = {}
        self.values: dict[int, yaml.Node] = {}
        self._index(self.root)

    def _index(self, node: yaml.Node | None) -> None:
        stack = [node]
        while stack:
            n = stack.pop()
            if n is None:
                continue
            self.values.setdefault(n.start_mark.index, n)
            if isinstance(n, yaml.MappingNode):
                for k, v in n.value:
                    self.entries[k.start_mark.index] = (n, k, v)
                    stack.extend((k, v))
            elif isinstance(n, yaml.SequenceNode):
                stack.extend(n.value)

    def offset(self, pos: Position) -> int:
        if not 1 <= pos.line <= len(self.line_starts):
            raise EditError(f"line {pos.line} is not in the file")
        return self.line_starts[pos.line - 1] + pos.col - 1

    def entry(self, key_pos: Position) -> tuple[yaml.MappingNode, yaml.Node, yaml.Node]:
        """The mapping entry whose key is written at ``key_pos``."""
        found = self.entries.get(self.offset(key_pos))
        if found is None:
            raise EditError(f"no mapping key at {key_pos}")
        return found

    def value(self, pos: Position) -> yaml.Node:
        node = self.values.get(self.offset(pos))
        if node is None:
            raise EditError(f"no value at {pos}")
        return node

    def span(self, node: yaml.Node) -> str:
        return self.text[node.start_mark.index : node.end_mark.index]

    def replace(self, node: yaml.Node, new: str) -> Edit:
        """Replace one value; a longer value eats spaces before a trailing comment to keep its column."""
        start, end = node.start_mark.index, node.end_mark.index
        return Edit(start, end + self._spaces_to_eat(end, len(new) - (end - start)), new)

    def replace_items(self, sequence: yaml.Node, new: list[str]) -> tuple[Edit, ...]:
        """Bring a list to ``new`` item by item: only the items that change are rewritten,
        so comments between items, line breaks and spacing stay (``[   # the stem …``)."""
        if not isinstance(sequence, yaml.SequenceNode) or len(sequence.value) != len(new):
            raise EditError("not a list of that length")
        edits = [
            Edit(item.start_mark.index, item.end_mark.index, text)
            for item, text in zip(sequence.value, new, strict=True)
            if self.span(item) != text
        ]
        # a comment after the list keeps its column while the spaces before it last
        end = sequence.end_mark.index
        last_line = self.text.rfind("\n", 0, end)
        grow = sum(len(e.new) - (e.end - e.start) for e in edits if e.start > last_line)
        eat = self._spaces_to_eat(end, grow)
        return (*edits, Edit(end, end + eat, "")) if eat else tuple(edits)

    def _spaces_to_eat(self, end: int, grow: int) -> int:
        """How many spaces after ``end`` to drop for a value grown by ``grow`` characters:
        a trailing comment keeps its column while the spaces last, else two stay before it."""
        # the spaces after the value, counted in place: a copy of the rest of the text per
        # edit made a spec with thousands of broken merges quadratic
        gap = _SPACES.match(self.text, end).end() - end  # type: ignore[union-attr]
        if grow <= 0 or self.text[end + gap : end + gap + 1] != "#":
            return 0
        return grow if grow < gap else gap - 2 if gap > 2 else 0

    @staticmethod
    def find(mapping: yaml.MappingNode, key: str) -> yaml.Node | None:
        for k, v in mapping.value:
            if isinstance(k, yaml.ScalarNode) and k.value == key:
                return v  # type: ignore[no-any-return]
        return None

    def set_key(self, mapping: yaml.Node, key: str, value: str) -> Edit:
        """Set ``key: value`` in a mapping: replace the value, or add the key after the last one."""
        if not isinstance(mapping, yaml.MappingNode):
            raise EditError("not a mapping")
        old = self.find(mapping, key)
        if old is not None:
            return self.replace(old, value)
        if mapping.flow_style or not mapping.value:
            end = mapping.end_mark.index
            if self.text[end - 1 : end] != "}":
                raise EditError("flow mapping without a closing brace")
            sep = ", " if mapping.value else ""
            return Edit(end - 1, end - 1, f"{sep}{key}: {value}")
        first_key = mapping.value[0][0]
        indent = " " * first_key.start_mark.column
        last = mapping.value[-1][1]
        end = last.end_mark
        nl = self.newline
        # After a scalar the mark sits on the value's own line (maybe before a comment):
        # the new key goes at the start of the next line.
        # A block collection's end mark sits on the next token (maybe an outer list's dash
        # on the next line): step back to the value's last character, then one line down.
        last_char = end.index
        while last_char > 0 and self.text[last_char - 1] in " \t\r\n":
            last_char -= 1  # in place, as above: no copy of the text before it
        last_char -= 1
        line = offset_line_col(self.line_starts, max(last_char, 0))[0]
        if line < len(self.line_starts):
            return Edit(
                self.line_starts[line], self.line_starts[line], f"{indent}{key}: {value}{nl}"
            )
        prefix = "" if self.text.endswith(("\n", "\r")) else nl
        return Edit(len(self.text), len(self.text), f"{prefix}{indent}{key}: {value}{nl}")

    def as_mapping(self, node: yaml.Node, primary: str | None, key: str, value: str) -> Edit:
        """Set ``key`` on a layer's arguments, turning ``op: x`` into ``op: {primary: x, key: value}``."""
        if isinstance(node, yaml.MappingNode):
            return self.set_key(node, key, value)
        if isinstance(node, yaml.ScalarNode):
            if node.tag == "tag:yaml.org,2002:null" and not self.span(node):
                raise EditError("an empty value cannot be edited in place")
            if primary is None:
                raise EditError("this op takes no short value")
            return self.replace(node, f"{{{primary}: {self.span(node)}, {key}: {value}}}")
        raise EditError("cannot add a key to a list")


def shift(offset: int, edits: Iterable[Edit]) -> int:
    """Where a character at ``offset`` of the old text sits after the edits."""
    delta = 0
    for e in edits:
        if e.end <= offset:
            delta += len(e.new) - (e.end - e.start)
    return offset + delta


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of an offset, lines counted as the loader counts them."""
    # one text's line starts, found once for all its offsets: a fix generator or a report
    # asks once per edit, and a spec with thousands of broken merges has thousands of them
    if not _LAST_STARTS or _LAST_STARTS[0][0] is not text:
        _LAST_STARTS[:] = [(text, line_starts(text))]
    return offset_line_col(_LAST_STARTS[0][1], offset)


_LAST_STARTS: list[tuple[str, list[int]]] = []  # the last text asked about, and its line starts
