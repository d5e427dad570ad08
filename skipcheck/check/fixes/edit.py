"""Exact text edits of a spec: find a value by its 1-based line/column, splice new text in.

The loader says where each value starts and ends, so an edit replaces exactly the
characters of one value and leaves comments, key order and formatting everywhere else
untouched.
"""

from __future__ import annotations

import difflib
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from skipcheck.core.position import Position, line_starts, newline_of, offset_line_col
from skipcheck.specfile.yamltree import YList, YMap, load_text

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


@dataclass(frozen=True)
class Spot:
    """One value as written: the value (a YMap, a YList or a scalar; a key is a str) and
    the characters ``text[start:end]`` it spans."""

    value: Any
    start: int
    end: int


class SpecText:
    """The spec text with its loaded tree, every value found by where it starts.

    The loader keeps where each value starts and ends (``specfile/yamltree.py``), so
    nothing here parses the text again.
    """

    def __init__(self, text: str, tree: Any = None) -> None:
        self.text = text
        self.line_starts = line_starts(text)
        self.newline = newline_of(text)  # what an added line ends with: the file's own break
        tree = load_text(text, "") if tree is None else tree
        self.root = Spot(tree, self._start(tree), tree.end) if _is_container(tree) else None
        # key start -> (mapping, key, value); value start -> the outermost value there
        self.entries: dict[int, tuple[Spot, Spot, Spot]] = {}
        self.values: dict[int, Spot] = {}
        self._index(self.root)

    def _start(self, container: YMap | YList) -> int:
        pos = container.pos
        return self.line_starts[pos.line - 1] + pos.col - 1

    def _index(self, spot: Spot | None) -> None:
        # the order a composed node graph was walked in (last child first), so that of two
        # values starting at one offset the same one is found
        stack = [spot]
        while stack:
            n = stack.pop()
            if n is None:
                continue
            self.values.setdefault(n.start, n)
            if isinstance(n.value, YMap):
                for k, v in self.pairs(n):
                    self.entries[k.start] = (n, k, v)
                    stack.extend((k, v))
            elif isinstance(n.value, YList):
                stack.extend(self.items(n))

    def pairs(self, mapping: Spot) -> list[tuple[Spot, Spot]]:
        """A mapping's keys and values, in the order written."""
        m = mapping.value
        assert isinstance(m, YMap)
        return [
            (
                Spot(k, self.offset(m.key_pos[k]), m.key_end[k]),
                Spot(v, self.offset(m.value_pos[k]), m.value_end[k]),
            )
            for k, v in m.items()
        ]

    def items(self, sequence: Spot) -> list[Spot]:
        """A list's items, in order."""
        seq = sequence.value
        assert isinstance(seq, YList)
        return [
            Spot(v, self.offset(p), e)
            for v, p, e in zip(seq, seq.item_pos, seq.item_end, strict=True)
        ]

    def offset(self, pos: Position) -> int:
        if not 1 <= pos.line <= len(self.line_starts):
            raise EditError(f"line {pos.line} is not in the file")
        return self.line_starts[pos.line - 1] + pos.col - 1

    def entry(self, key_pos: Position) -> tuple[Spot, Spot, Spot]:
        """The mapping entry whose key is written at ``key_pos``: (mapping, key, value)."""
        found = self.entries.get(self.offset(key_pos))
        if found is None:
            raise EditError(f"no mapping key at {key_pos}")
        return found

    def value(self, pos: Position) -> Spot:
        spot = self.values.get(self.offset(pos))
        if spot is None:
            raise EditError(f"no value at {pos}")
        return spot

    def span(self, spot: Spot) -> str:
        return self.text[spot.start : spot.end]

    def replace(self, spot: Spot, new: str) -> Edit:
        """Replace one value; a longer value eats spaces before a trailing comment to keep its column."""
        start, end = spot.start, spot.end
        return Edit(start, end + self._spaces_to_eat(end, len(new) - (end - start)), new)

    def replace_items(self, sequence: Spot, new: list[str]) -> tuple[Edit, ...]:
        """Bring a list to ``new`` item by item: only the items that change are rewritten,
        so comments between items, line breaks and spacing stay (``[   # the stem …``)."""
        if not isinstance(sequence.value, YList) or len(sequence.value) != len(new):
            raise EditError("not a list of that length")
        edits = [
            Edit(item.start, item.end, text)
            for item, text in zip(self.items(sequence), new, strict=True)
            if self.span(item) != text
        ]
        # a comment after the list keeps its column while the spaces before it last
        end = sequence.end
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

    def find(self, mapping: Spot | None, key: str) -> Spot | None:
        """The value of ``key`` in a mapping (None: not a mapping, or no such key)."""
        if mapping is None or not isinstance(mapping.value, YMap) or key not in mapping.value:
            return None
        m = mapping.value
        return Spot(m[key], self.offset(m.value_pos[key]), m.value_end[key])

    def set_key(self, mapping: Spot, key: str, value: str) -> Edit:
        """Set ``key: value`` in a mapping: replace the value, or add the key after the last one."""
        m = mapping.value
        if not isinstance(m, YMap):
            raise EditError("not a mapping")
        old = self.find(mapping, key)
        if old is not None:
            return self.replace(old, value)
        if m.flow or not m:
            end = mapping.end
            if self.text[end - 1 : end] != "}":
                raise EditError("flow mapping without a closing brace")
            sep = ", " if m else ""
            return Edit(end - 1, end - 1, f"{sep}{key}: {value}")
        indent = " " * (m.key_pos[next(iter(m))].col - 1)
        nl = self.newline
        # After a scalar the end sits on the value's own line (maybe before a comment):
        # the new key goes at the start of the next line.
        # A block collection's end sits on the next token (maybe an outer list's dash
        # on the next line): step back to the value's last character, then one line down.
        last_char = m.value_end[next(reversed(m))]
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

    def as_mapping(self, spot: Spot, primary: str | None, key: str, value: str) -> Edit:
        """Set ``key`` on a layer's arguments, turning ``op: x`` into ``op: {primary: x, key: value}``."""
        if isinstance(spot.value, YMap):
            return self.set_key(spot, key, value)
        if not isinstance(spot.value, YList):
            if spot.value is None and not self.span(spot):
                raise EditError("an empty value cannot be edited in place")
            if primary is None:
                raise EditError("this op takes no short value")
            return self.replace(spot, f"{{{primary}: {self.span(spot)}, {key}: {value}}}")
        raise EditError("cannot add a key to a list")


def _is_container(value: Any) -> bool:
    return isinstance(value, (YMap, YList))


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
