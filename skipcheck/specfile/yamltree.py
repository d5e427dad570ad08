"""Safe YAML loading that keeps the line and column of every value, and where it ends.

Only YAML's core types are accepted (no python tags, no custom tags). The
composed node graph is converted with a budget, so alias bombs, recursive
anchors, deep nesting and binary junk end in a SkipcheckError quickly.
"""

from __future__ import annotations

import operator
import os
import re
import stat
from collections.abc import Callable
from typing import Any

import yaml

from skipcheck.core.collector import paused
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.position import Position, line_starts, offset_line_col

try:  # libyaml is much faster; the pure-Python loader gives the same nodes.
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

MAX_BYTES = 2_000_000
MAX_NODES = 200_000
MAX_DEPTH = 200
MAX_SCALAR = 10_000
# every value takes two characters at least (`1,` in a flow list, `-` and a break in a block
# one): a shorter text cannot hold more than MAX_NODES of them, and is not counted first
MIN_CHARS_PER_VALUE = 2
_NODE_EVENTS = (yaml.ScalarEvent, yaml.AliasEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)
# A text up to this long is converted in one walk that keeps its nodes until the end (a
# few MB at most); a longer one in two walks that let each node go once converted.
ONE_WALK_CHARS = 100_000

_STR = "tag:yaml.org,2002:str"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_BOOL = "tag:yaml.org,2002:bool"
_NULL = "tag:yaml.org,2002:null"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_SCALAR_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL})
_SEQ_TAGS = frozenset({_SEQ})
_MAP_TAGS = frozenset({_MAP})
# an anchor's name has at least one of these (YAML 1.1's, libyaml's and PyYAML's):
# "Long & Darrell" in a description names none
_ANCHOR = re.compile(r"&[0-9A-Za-z_-]")
# libyaml breaks lines at these too (YAML 1.1) and counts a byte-order mark in its
# columns: a text with none of them has the marks' own line and column
_ODD_BREAKS = ("\x85", "\u2028", "\u2029", "\ufeff")
_constructor = yaml.constructor.SafeConstructor()
# Position's own constructor is Python code; tuple's makes the same named tuple in C
_new = tuple.__new__
_RESOLVED: dict[str, str] = {}  # a plain scalar's text → its implicit tag
RESOLVED_SIZE = 1 << 14  # entries; emptied when full


class _PositionedLoader(_Loader):
    """The safe loader, with a plain scalar's tag remembered by its text: the tag follows
    from the text alone (the safe loader has no path resolvers), and the same words
    (``relu``, ``3``, ``out_channels``) recur all through a spec and across specs, each
    otherwise matched against the resolver's patterns in Python."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        # libyaml's composer calls these around every node, for path resolvers: the safe
        # loader has none (and resolve below looks at the text alone). C functions whose
        # answer is ignored, operator.is_(parent, index) and bool(), spare it two Python
        # calls per node.
        self.descend_resolver = operator.is_  # type: ignore[method-assign,assignment]
        self.ascend_resolver = bool  # type: ignore[method-assign,assignment]

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        # what the safe loader's resolver answers, with no path resolvers to ask
        if kind is not yaml.ScalarNode:
            return _SEQ if kind is yaml.SequenceNode else _MAP
        if not implicit[0]:
            return _STR  # quoted, or a block scalar
        tag = _RESOLVED.get(value)
        if tag is None:
            if len(_RESOLVED) >= RESOLVED_SIZE:
                _RESOLVED.clear()
            tag = _RESOLVED[value] = super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]
        return tag


class YMap(dict[str, Any]):
    """A mapping that remembers where it, each key and each value were written.

    A tree loaded from text also knows where each ends (character offsets into the text:
    ``end``, ``key_end``, ``value_end``) and whether it is written in flow style
    (``{a: 1}``), so a fix edits exactly a value's characters without parsing again; a
    tree that ``--set`` changed has positions only.
    """

    # no per-object __dict__: a spec has thousands
    __slots__ = ("end", "flow", "key_end", "key_pos", "pos", "value_end", "value_pos")

    pos: Position
    key_pos: dict[str, Position]
    value_pos: dict[str, Position]
    end: int
    key_end: dict[str, int]
    value_end: dict[str, int]
    flow: bool


class YList(list[Any]):
    """A sequence that remembers where it and each item were written (and, loaded from
    text, where each ends: ``end``, ``item_end``)."""

    __slots__ = ("end", "item_end", "item_pos", "pos")

    pos: Position
    item_pos: list[Position]
    end: int
    item_end: list[int]


def position_of(container: YMap | YList, key: str | int) -> Position:
    """Where ``container[key]`` was written (the container's position if unknown)."""
    if isinstance(container, YMap) and isinstance(key, str):
        return container.value_pos.get(key, container.pos)
    if isinstance(container, YList) and isinstance(key, int) and 0 <= key < len(container.item_pos):
        return container.item_pos[key]
    return container.pos


@paused  # composing makes a few objects per value, freed by refcounting once the tree is
# built; a cycle an alias makes is collected later, once the collector is on again
def load_text(text: str, file: str) -> Any:
    """Parse YAML text into YMap / YList / scalars with positions."""
    if len(text) > MAX_BYTES:
        raise SkipcheckError(
            f"file is {len(text):,} characters; specs are limited to {MAX_BYTES:,}"
        )
    if len(text) > MIN_CHARS_PER_VALUE * MAX_NODES:
        _count_values(text, file)
    try:
        node = yaml.compose(text, Loader=_PositionedLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _pos(file, mark, line_starts(text)) if mark is not None else None
        raise SkipcheckError(f"invalid YAML: {exc.problem or exc.context}", pos) from None
    except yaml.YAMLError as exc:
        raise SkipcheckError(f"invalid YAML: {_first_line(str(exc))}") from None
    except RecursionError:
        raise SkipcheckError(f"YAML is nested too deeply (limit {MAX_DEPTH} levels)") from None
    if node is None:
        raise SkipcheckError("the file is empty: expected a mapping with `skipcheck: 1`")
    converter = _Converter(file, text)
    if len(text) <= ONE_WALK_CHARS and not _ANCHOR.search(text):
        # No anchor, so no alias: every node is reached once, and one walk both measures
        # and converts. Anything it cannot vouch for (a nesting or a size past the limits,
        # a value it refuses) the two walks below decide, on the same nodes, so every
        # message stays theirs.
        try:
            return converter.walk(node, 0, converter.at(node.start_mark))
        except (SkipcheckError, _Unsure):
            converter = _Converter(file, text)
    converter.measure(node, 0)
    converter.sizes.clear()
    return converter.convert(node, 0, converter.at(node.start_mark))


def _count_values(text: str, file: str) -> None:
    """Refuse a text with more values than a spec may hold before it is composed: composing
    2 MB of ``[1, 1, …]`` takes libyaml over a second, counting its first 200,000 events a
    tenth of that. Values are counted as ``_Converter.measure`` counts them (a mapping's
    values, not its keys; an alias once, its expansion is measured later), so a text refused
    here is one the measure would refuse too. A text that does not parse is left to compose,
    which says where."""
    loader = _Loader(text)
    # per open collection: None for a sequence; for a mapping, whether its next node is a key
    open_: list[bool | None] = []
    in_key = 0  # depth inside a collection written as a key (never counted, later refused)
    count = 0
    try:
        while True:
            event = loader.get_event()
            if event is None:
                return
            kind = type(event)
            if kind is yaml.SequenceEndEvent or kind is yaml.MappingEndEvent:
                open_.pop()
                if in_key:
                    in_key -= 1
                continue
            if kind not in _NODE_EVENTS:
                continue  # the stream's and documents' own events
            is_key = False
            if open_ and open_[-1] is not None:
                is_key = open_[-1]
                open_[-1] = not is_key
            if in_key:
                in_key += kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent
            elif is_key:
                in_key = int(kind is yaml.SequenceStartEvent or kind is yaml.MappingStartEvent)
            else:
                count += 1
                if count > MAX_NODES:
                    raise SkipcheckError(
                        f"the document holds more than {MAX_NODES:,} values; specs are far smaller",
                        _pos(file, event.start_mark, line_starts(text)),
                    )
            if kind is yaml.SequenceStartEvent:
                open_.append(None)
            elif kind is yaml.MappingStartEvent:
                open_.append(True)
    except yaml.YAMLError:
        return
    finally:
        loader.dispose()


def load_file(path: str) -> tuple[Any, str]:
    """Read and parse a spec file; returns (tree, text)."""
    text = read_file(path)
    return load_text(text, path), text


def read_file(path: str) -> str:
    """A spec file's text (UTF-8, a byte-order mark dropped), or a SkipcheckError."""
    try:
        # non-blocking open, then a regular-file check: a FIFO named like a spec would
        # otherwise wait forever for a writer
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(fd, "rb") as fh:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise SkipcheckError(f"{path} is not a regular file")
            raw = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise SkipcheckError(f"cannot read {path}: {exc.strerror or exc}") from None
    if b"\x00" in raw:
        raise SkipcheckError(f"{path} is not a text file (it contains NUL bytes)")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SkipcheckError(f"{path} is not UTF-8 text (bad byte at offset {exc.start})") from None
    return text


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "unreadable"


def _pos(file: str, mark: Any, starts: list[int]) -> Position:
    # the mark's own line counts NEL and U+2028 as breaks (YAML 1.1); its index does not lie
    return Position(file, *offset_line_col(starts, mark.index))


class _Unsure(Exception):
    """The one walk met what only the two walks may judge (nesting, size)."""


class _Converter:
    def __init__(self, file: str, text: str) -> None:
        self.file = file
        self.text = text
        self.sizes: dict[int, int] = {}
        self.active: set[int] = set()
        self.shared: set[int] = set()  # nodes an alias reaches a second time
        self.done: dict[int, Any] = {}
        self.count = 1  # values the one walk has met (the root, then each collection's items)
        # libyaml's line and column where they are this file's, else the offset's
        self.marks_agree = text.isascii() or not any(c in text for c in _ODD_BREAKS)
        self.starts: list[int] = [] if self.marks_agree else line_starts(text)

    def at(self, mark: Any) -> Position:
        """Where a node starts, given its start mark."""
        if self.marks_agree:
            return _new(Position, (self.file, mark.line + 1, mark.column + 1))
        return _pos(self.file, mark, self.starts)

    def pos(self, node: yaml.Node) -> Position:
        return self.at(node.start_mark)

    def measure(self, node: yaml.Node, depth: int) -> int:
        """The size of the document with every alias expanded, computed in linear time.

        Later stages walk the expanded tree, so an alias bomb is refused here,
        before anything is built from it.
        """
        if depth > MAX_DEPTH:
            raise SkipcheckError(
                f"YAML is nested too deeply (limit {MAX_DEPTH} levels)", self.pos(node)
            )
        key = id(node)
        if key in self.sizes:
            self.shared.add(key)
            return self.sizes[key]
        if key in self.active:
            raise SkipcheckError("recursive YAML alias: a value contains itself", self.pos(node))
        size = 1
        kind = type(node)
        if kind is not yaml.ScalarNode:  # a scalar holds nothing: no walk, no cycle
            self.active.add(key)
            depth += 1
            measure = self.measure
            if kind is yaml.SequenceNode:
                for child in node.value:
                    size += measure(child, depth)
            elif kind is yaml.MappingNode:
                for _, child in node.value:
                    size += measure(child, depth)
            self.active.discard(key)
        if size > MAX_NODES:
            raise SkipcheckError(
                f"the document expands to more than {MAX_NODES:,} values "
                "(an alias bomb?); specs are far smaller",
                self.pos(node),
            )
        self.sizes[key] = size
        return size

    def convert(self, node: yaml.Node, depth: int, pos: Position) -> Any:
        """A measured node's value (``pos``: where it starts)."""
        # An alias is the same node object: convert it once and share the value.
        key = id(node)
        if key in self.done:
            return self.done[key]
        if isinstance(node, yaml.ScalarNode):
            # nothing to let go; an alias of a scalar converts it again, to an equal value
            return self.scalar(node)
        if isinstance(node, yaml.SequenceNode):
            value: Any = self.sequence(node, depth, pos, self.convert)
        else:
            assert isinstance(node, yaml.MappingNode)
            value = self.mapping(node, depth, pos, self.convert)
        if key in self.shared:
            self.done[key] = value
        else:
            # Converted and reached by nothing else: let its children's nodes (and their
            # marks, several times the size of the values) go while the rest converts.
            # Every node was made before the first is freed, so no id is reused by a node.
            node.value = []
        return value

    def walk(self, node: yaml.Node, depth: int, pos: Position) -> Any:
        """A node's value, measured as it is converted: only for a document without aliases.

        The root and collections come here; the items of a collection are counted with it,
        and its scalars converted in place.
        """
        if type(node) is yaml.ScalarNode:
            return self.scalar(node)
        self.count += len(node.value)
        if depth >= MAX_DEPTH or self.count > MAX_NODES:
            raise _Unsure  # its items would be nested too deeply, or the values too many
        if type(node) is yaml.SequenceNode:
            return self.sequence(node, depth, pos, self.walk)
        assert type(node) is yaml.MappingNode
        return self.mapping(node, depth, pos, self.walk)

    def check_tag(self, node: yaml.Node, allowed: frozenset[str]) -> None:
        if node.tag not in allowed:
            raise SkipcheckError(
                f"YAML tag {node.tag!r} is not allowed: specs use plain YAML values only",
                self.pos(node),
            )

    def scalar(self, node: yaml.ScalarNode) -> Any:
        tag, text = node.tag, node.value
        if tag == _STR and len(text) <= MAX_SCALAR:
            return text  # what SafeConstructor's str gives: the text as written
        if (
            tag == _INT
            and len(text) <= 30
            and text.isdigit()
            and text.isascii()
            and (text[0] != "0" or text == "0")
        ):
            return int(text)  # a plain decimal (no sign, _, base prefix, octal 0 or 1:30)
        if tag not in _SCALAR_TAGS:
            self.check_tag(node, _SCALAR_TAGS)
        if len(text) > MAX_SCALAR:
            raise SkipcheckError(f"value is {len(text):,} characters long", self.pos(node))
        if tag == _INT and len(text.lstrip("+-0")) > 30:
            raise SkipcheckError(f"number {text[:20]}... is far too large", self.pos(node))
        try:
            # the tag's own constructor, not construct_object: that one remembers every node
            # it has seen in the (module-wide) constructor, so nothing loaded would be freed
            return _constructor.yaml_constructors[node.tag](_constructor, node)
        except KeyError:
            # SafeConstructor's bool looks the text up in its table: only an explicit
            # ``!!bool`` tag can bring it text that is not there
            raise SkipcheckError(
                f"{node.value[:40]!r} is not a YAML bool: with the !!bool tag, write true or "
                f"false (or leave the tag out)",
                self.pos(node),
            ) from None
        except (ValueError, TypeError, OverflowError, yaml.YAMLError) as exc:
            raise SkipcheckError(f"bad value {node.value[:40]!r}: {exc}", self.pos(node)) from None

    def key(self, node: yaml.Node) -> str:
        """A mapping key that is not a plain string: its text, or a SkipcheckError."""
        if node.tag == "tag:yaml.org,2002:merge":
            raise SkipcheckError("YAML merge keys (<<) are not supported in specs", self.pos(node))
        if type(node) is not yaml.ScalarNode:
            raise SkipcheckError("mapping keys must be plain names", self.pos(node))
        key = self.scalar(node)
        if type(key) is not str:
            key = str(key).lower() if isinstance(key, bool) else str(key)
        return key

    # The two loops below run for every value of every spec: a scalar item is converted
    # in place (most are strings, taken as they are), and where libyaml's marks agree with
    # the file's lines (``at``) a position is a tuple built right there, not a call.

    def sequence(self, node: yaml.SequenceNode, depth: int, pos: Position, child: _Child) -> YList:
        if node.tag != _SEQ:
            self.check_tag(node, _SEQ_TAGS)
        file, agree, at, scalar = self.file, self.marks_agree, self.at, self.scalar
        out = YList()
        out.pos = pos
        item_pos: list[Position] = []
        item_end: list[int] = []
        out.item_pos = item_pos
        out.end = node.end_mark.index
        out.item_end = item_end
        append, append_pos, append_end = out.append, item_pos.append, item_end.append
        depth += 1
        for item in node.value:
            mark = item.start_mark
            item_at = _new(Position, (file, mark.line + 1, mark.column + 1)) if agree else at(mark)
            if type(item) is yaml.ScalarNode:
                value = item.value
                if item.tag != _STR or len(value) > MAX_SCALAR:
                    value = scalar(item)
            else:
                value = child(item, depth, item_at)
            append(value)
            append_pos(item_at)
            append_end(item.end_mark.index)
        return out

    def mapping(self, node: yaml.MappingNode, depth: int, pos: Position, child: _Child) -> YMap:
        if node.tag != _MAP:
            self.check_tag(node, _MAP_TAGS)
        out = YMap()
        out.pos = pos
        out.key_pos = key_pos = {}
        out.value_pos = value_pos = {}
        out.end = node.end_mark.index
        out.key_end = key_end = {}
        out.value_end = value_end = {}
        out.flow = bool(node.flow_style)
        file, agree, at, scalar = self.file, self.marks_agree, self.at, self.scalar
        depth += 1
        for key_node, value_node in node.value:
            key = key_node.value
            if (
                type(key_node) is not yaml.ScalarNode
                or key_node.tag != _STR
                or len(key) > MAX_SCALAR
            ):
                key = self.key(key_node)
            if key in out:
                raise SkipcheckError(f"duplicate key {key!r}", self.pos(key_node))
            key_mark, value_mark = key_node.start_mark, value_node.start_mark
            if agree:
                key_at = _new(Position, (file, key_mark.line + 1, key_mark.column + 1))
                value_at = _new(Position, (file, value_mark.line + 1, value_mark.column + 1))
            else:
                key_at, value_at = at(key_mark), at(value_mark)
            if type(value_node) is yaml.ScalarNode:
                value = value_node.value
                if value_node.tag != _STR or len(value) > MAX_SCALAR:
                    value = scalar(value_node)
            else:
                value = child(value_node, depth, value_at)
            out[key] = value
            key_pos[key] = key_at
            value_pos[key] = value_at
            key_end[key] = key_node.end_mark.index
            value_end[key] = value_node.end_mark.index
        return out


_Child = Callable[[yaml.Node, int, Position], Any]
