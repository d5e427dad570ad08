"""``--set KEY=VALUE``: change a param, the input shape, or any value of a spec by a readable path.

Paths name things the way the spec does: ``base`` (a param), ``input``,
``decoder.d2.layers[1]``, ``d2.add`` (a stage by name, a layer by its ``name:``
or by its op when that op occurs once), ``blocks.double_conv.layers[0].kernel_size``
(an op's parameter, without spelling the op). Values are YAML.

Overrides edit a copy of the positioned tree, so the lowering, its checks and
every finding work as if the file said so; a changed value keeps the line of
the value it replaced.

    >>> ov = Overrides.parse(["base=48", "input=1x3x256x256"])
    >>> tree = ov.apply(load_file("specs/unet_original.yaml")[0], "specs/unet_original.yaml")
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.inputshape import InputShape
from skipcheck.core.position import Position
from skipcheck.ops import MERGE_OPS, OPS
from skipcheck.specfile.values import LAYER_KEYS, SECTIONS, TOP_KEYS, did_you_mean
from skipcheck.specfile.yamltree import YList, YMap, load_text, position_of

_TOKEN = re.compile(r"\s*(?:([A-Za-z_][A-Za-z0-9_\-]*)|\[\s*(-?\d+)\s*\]|(\.))")
_STAGE_KEYS = ("stage", "layers", "expect", "description")
_BLOCK_KEYS = ("args", "layers", "description")
_MERGE_KEYS = ("skip", "via", "align")
_RESIDUAL_KEYS = ("body", "shortcut", "merge")

Segment = str | int


@dataclass(frozen=True)
class Override:
    """One ``--set``: the path as written, its parsed segments and the new value."""

    text: str  # the whole option, for messages: "base=48"
    path: str
    segments: tuple[Segment, ...]
    value: Any


@dataclass(frozen=True)
class Applied:
    """A spec's tree with the ``--set`` options applied, and which one wrote each value."""

    tree: Any
    placed: Mapping[Position, Override]

    def blame(self, exc: SkipcheckError) -> SkipcheckError:
        """Name the ``--set`` whose value sits where ``exc`` points."""
        item = self.placed.get(exc.pos) if exc.pos is not None else None
        if item is not None and not exc.message.startswith("--set"):
            return exc.within(f"--set {item.text}")
        return exc


@dataclass(frozen=True)
class Overrides:
    """Parsed ``--set`` options, applied in the order given (a later one wins)."""

    items: list[Override] = field(default_factory=list)

    @classmethod
    def parse(cls, values: Sequence[str] | None) -> Overrides:
        return cls([parse_override(v) for v in values or []])

    def __bool__(self) -> bool:
        return bool(self.items)

    def apply(self, tree: Any, file: str) -> Applied:
        """A new tree with every override applied (``tree`` itself is untouched)."""
        if not self.items:
            return Applied(tree, {})
        if not isinstance(tree, YMap):
            raise SkipcheckError("--set needs a spec that is a YAML mapping")
        tree = clone(tree)
        placed: dict[Position, Override] = {}
        for item in self.items:
            try:
                placed[_apply_one(tree, item)] = item
            except SkipcheckError as exc:
                # an override that cannot be placed where an earlier one put a value
                raise Applied(tree, placed).blame(exc) from None
        return Applied(tree, placed)


def parse_override(text: str) -> Override:
    path, sep, raw = text.partition("=")
    path = path.strip()
    if not sep or not path:
        raise SkipcheckError(
            f"--set {text!r}: expected KEY=VALUE, e.g. --set base=48 or --set 'd2.add=e3'"
        )
    segments = parse_path(path, text)
    if segments == ("input",) and _looks_like_shape(raw):
        value: Any = YList(InputShape.parse(raw, f"--set {text}").dims)
    else:
        try:
            value = load_text(raw, "--set") if raw.strip() else None
        except SkipcheckError as exc:
            raise SkipcheckError(f"--set {text}: the value is not YAML: {exc.message}") from None
    return Override(text, path, segments, value)


def parse_path(path: str, text: str) -> tuple[Segment, ...]:
    """``decoder.d2.layers[1].add`` → ("decoder", "d2", "layers", 1, "add")."""
    out: list[Segment] = []
    k = 0
    expect_name = True
    while k < len(path):
        m = _TOKEN.match(path, k)
        if m is None or m.end() == k:
            raise SkipcheckError(
                f"--set {text}: cannot read the path {path!r} at {path[k:]!r} "
                "(write names and [index]es joined by dots, e.g. decoder.d2.layers[1])"
            )
        name, index, dot = m.groups()
        if dot:
            if expect_name:
                raise SkipcheckError(f"--set {text}: empty name in the path {path!r}")
            expect_name = True
        elif name is not None:
            if not expect_name:
                raise SkipcheckError(f"--set {text}: missing '.' before {name!r} in {path!r}")
            out.append(name)
            expect_name = False
        else:
            out.append(int(index))
            expect_name = False
        k = m.end()
    if expect_name:
        raise SkipcheckError(f"--set {text}: the path {path!r} ends with '.'")
    return tuple(out)


def _looks_like_shape(raw: str) -> bool:
    raw = raw.strip()
    return bool(raw) and raw[0] not in "[{" and ("x" in raw or "×" in raw)


# -- walking the tree ------------------------------------------------------------


@dataclass
class _Spot:
    """Where the walk stands: the value, what kind of thing it is, and how it was reached."""

    value: Any
    kind: str  # top, params, blocks, block, list, stage, layer, args, value
    shown: str
    op: str | None = None  # for args: the op or block whose arguments these are


def _apply_one(tree: YMap, item: Override) -> Position:
    spot = _Spot(tree, "top", "")
    for seg in item.segments[:-1]:
        spot = _step(spot, seg, item, tree)
    seg = item.segments[-1]
    try:
        holder, key = _resolve(spot, seg, item, tree)
    except _Missing as missing:
        where = missing.spot
        if not (isinstance(seg, str) and isinstance(where.value, YMap)):
            raise SkipcheckError(missing.message) from None
        if seg not in _new_keys(where, tree):
            raise SkipcheckError(missing.message) from None
        holder, key = where, seg
    if holder.kind == "list" and isinstance(seg, str) and isinstance(key, int):
        layer = holder.value[key]
        if _item_name(layer) != seg and _op_of(layer) == seg and isinstance(layer, YMap):
            # `d2.add=e3` means the add's value, not a replacement of the whole layer
            return _assign(layer, seg, item.value)
    return _assign(holder.value, key, item.value)


def _child_kind(spot: _Spot, key: Segment) -> str:
    kind = spot.kind
    if kind == "top":
        if key in ("params", "blocks"):
            return str(key)
        return "list" if key in ("layers", *SECTIONS) else "value"
    if kind == "blocks":
        return "block"
    if kind in ("block", "stage"):
        return "list" if key == "layers" else "value"
    if kind == "list":
        child = spot.value[key]
        return "stage" if isinstance(child, YMap) and "stage" in child else "layer"
    if kind == "layer":
        return "value" if key in LAYER_KEYS else "args"
    if kind == "args" and key in ("body", "shortcut", "via"):
        return "list"
    return "value"


def _step(spot: _Spot, seg: Segment, item: Override, tree: YMap) -> _Spot:
    try:
        holder, key = _resolve(spot, seg, item, tree)
    except _Missing as missing:
        raise SkipcheckError(missing.message) from None
    kind = _child_kind(holder, key)
    value = holder.value[key]
    op = None
    if kind == "args":
        op = str(key)
        if not isinstance(value, YMap):
            value = _args_map(holder.value, op, tree)
    label: Segment = key
    if holder.kind == "list":
        label = _item_name(holder.value[key]) or key
    return _Spot(value, kind, _show(holder.shown, label), op)


class _Missing(Exception):
    """A key that is not there: an error, unless the last segment may add it."""

    def __init__(self, spot: _Spot, message: str) -> None:
        super().__init__(message)
        self.spot = spot
        self.message = message


def _resolve(spot: _Spot, seg: Segment, item: Override, tree: YMap) -> tuple[_Spot, Segment]:
    """(the spot whose value holds ``seg``, the key or index within it).

    A stage or block may be indexed as if it were its ``layers`` list, and a layer
    as if it were its op's arguments.
    """
    value = spot.value
    if isinstance(value, YMap):
        if isinstance(seg, str) and seg in value:
            return spot, seg
        if spot.kind in ("stage", "block") and isinstance(value.get("layers"), YList):
            inner = _Spot(value["layers"], "list", _show(spot.shown, "layers"))
            if isinstance(seg, int) or _list_has(inner.value, seg):
                return _resolve(inner, seg, item, tree)
        if spot.kind == "layer" and isinstance(seg, str):
            op = _op_of(value)
            if op is not None and seg in _arg_names(op, tree):
                args = _args_map(value, op, tree)
                inner = _Spot(args, "args", _show(spot.shown, op), op)
                if seg in args:
                    return inner, seg
                raise _Missing(inner, _no_key(inner, seg, item, tree))
        if spot.kind == "top" and isinstance(seg, str):
            found = _top_shortcut(value, seg)
            if found is not None:
                return found, found_key(found, seg)
        raise _Missing(spot, _no_key(spot, seg, item, tree))
    if isinstance(value, YList):
        return spot, _list_index(spot, seg, item)
    raise SkipcheckError(
        f"--set {item.text}: {spot.shown or 'the spec'} is {_describe(value)}, "
        f"so it has no {_seg_text(seg)}"
    )


def found_key(found: _Spot, seg: str) -> Segment:
    if isinstance(found.value, YList):
        return _list_index(found, seg, None)
    return seg


def _top_shortcut(tree: YMap, seg: str) -> _Spot | None:
    """A bare name at the top: a param, a stage in any section, or a block."""
    params = tree.get("params")
    if isinstance(params, YMap) and seg in params:
        return _Spot(params, "params", "params")
    for section in ("layers", *SECTIONS):
        items = tree.get(section)
        if isinstance(items, YList) and any(_item_name(x) == seg for x in items):
            return _Spot(items, "list", section)
    blocks = tree.get("blocks")
    if isinstance(blocks, YMap) and seg in blocks:
        return _Spot(blocks, "blocks", "blocks")
    return None


def _list_has(items: YList, seg: Segment) -> bool:
    return isinstance(seg, str) and any(seg in (_item_name(x), _op_of(x)) for x in items)


def _list_index(spot: _Spot, seg: Segment, item: Override | None) -> int:
    items: YList = spot.value
    where = spot.shown or "the list"
    prefix = f"--set {item.text}: " if item is not None else ""
    if isinstance(seg, int):
        if -len(items) <= seg < len(items):
            return seg % len(items)
        raise SkipcheckError(
            f"{prefix}{where} has {len(items)} item{'s' * (len(items) != 1)}"
            f" (indexes 0 to {len(items) - 1}); there is no [{seg}]"
        )
    named = [k for k, x in enumerate(items) if _item_name(x) == seg]
    if len(named) == 1:
        return named[0]
    by_op = [k for k, x in enumerate(items) if _op_of(x) == seg]
    if len(by_op) == 1:
        return by_op[0]
    if len(by_op) > 1:
        raise SkipcheckError(
            f"{prefix}{where} has {len(by_op)} {seg!r} layers; "
            f"pick one by index: {', '.join(f'{where}[{k}]' for k in by_op)}"
        )
    choices = _list_choices(items)
    raise SkipcheckError(
        f"{prefix}{where} has no stage or layer {seg!r}{did_you_mean(seg, choices)}"
        f" (items: {', '.join(_list_labels(items))})"
    )


def _item_name(item: Any) -> str | None:
    if isinstance(item, YMap):
        for key in ("stage", "name"):
            if isinstance(item.get(key), str):
                return str(item[key])
    return None


def _op_of(item: Any) -> str | None:
    if isinstance(item, str):
        return item
    if isinstance(item, YMap):
        keys = [k for k in item if k not in (*LAYER_KEYS, "stage", "layers", "description")]
        if len(keys) == 1 and "stage" not in item:
            return keys[0]
    return None


def _list_choices(items: YList) -> list[str]:
    out: list[str] = []
    for x in items:
        for name in (_item_name(x), _op_of(x)):
            if name is not None and name not in out:
                out.append(name)
    return out


def _list_labels(items: YList) -> list[str]:
    labels = []
    for k, x in enumerate(items):
        name, op = _item_name(x), _op_of(x)
        label = f"[{k}] {name or op or '?'}"
        if name and op:
            label += f" ({op})"
        labels.append(label)
    return labels


def _arg_names(op: str, tree: YMap) -> tuple[str, ...]:
    """The argument names a layer of ``op`` (an op, ``residual`` or a block) accepts."""
    if op in MERGE_OPS:
        return _MERGE_KEYS
    if op in OPS:
        return tuple(p.name for p in OPS[op].params)
    if op == "residual":
        return _RESIDUAL_KEYS
    blocks = tree.get("blocks")
    block = blocks.get(op) if isinstance(blocks, YMap) else None
    args = block.get("args") if isinstance(block, YMap) else None
    if isinstance(args, list):
        return tuple(a.partition("=")[0].strip() for a in args if isinstance(a, str))
    return ()


def _args_map(layer: YMap, op: str, tree: YMap) -> YMap:
    """The layer's argument mapping, made one from ``op: value`` shorthand when needed."""
    args = layer[op]
    if isinstance(args, YMap):
        return args
    pos = position_of(layer, op)
    new = _ymap(pos)
    if op in MERGE_OPS:
        primary: str | None = "skip"
    elif op in OPS:
        primary = OPS[op].primary
    else:
        names = _arg_names(op, tree)
        primary = names[0] if names else None
    if args is not None and primary is not None:
        new[primary] = args
        new.key_pos[primary] = pos
        new.value_pos[primary] = pos
    layer[op] = new
    return new


def _new_keys(spot: _Spot, tree: YMap) -> tuple[str, ...]:
    """Keys that a ``--set`` may add where they are absent."""
    if spot.kind == "top":
        return tuple(k for k in TOP_KEYS if k != "params")
    if spot.kind == "stage":
        return _STAGE_KEYS
    if spot.kind == "block":
        return _BLOCK_KEYS
    if spot.kind == "layer":
        return LAYER_KEYS
    if spot.kind == "args" and spot.op is not None:
        return _arg_names(spot.op, tree)
    return ()


def _no_key(spot: _Spot, seg: Segment, item: Override, tree: YMap) -> str:
    value: YMap = spot.value
    where = spot.shown or "the top level"
    choices = list(value)
    if spot.kind == "top":
        choices += _top_names(value)
    if spot.kind == "args" and spot.op is not None:
        choices += [k for k in _arg_names(spot.op, tree) if k not in choices]
    if spot.kind == "layer":
        op = _op_of(value)
        if op is not None:
            choices += [k for k in _arg_names(op, tree) if k not in choices]
    if spot.kind in ("stage", "block") and isinstance(value.get("layers"), YList):
        choices += [c for c in _list_choices(value["layers"]) if c not in choices]
    if isinstance(seg, int):
        return (
            f"--set {item.text}: {where} is a mapping, not a list; it has no [{seg}]"
            f" (keys: {', '.join(choices)})"
        )
    what = "param" if spot.kind == "params" else "key"
    if spot.kind == "top":
        return (
            f"--set {item.text}: there is no param, stage, block or top-level key {seg!r}"
            f"{did_you_mean(seg, choices)} (valid here: {', '.join(choices)})"
        )
    return (
        f"--set {item.text}: {where} has no {what} {seg!r}{did_you_mean(seg, choices)}"
        f" ({'params' if what == 'param' else 'valid here'}: {', '.join(choices) or 'none'})"
    )


def _top_names(tree: YMap) -> list[str]:
    names: list[str] = ["input"] if "input" not in tree else []
    params = tree.get("params")
    if isinstance(params, YMap):
        names += list(params)
    for section in ("layers", *SECTIONS):
        items = tree.get(section)
        if isinstance(items, YList):
            names += [n for n in (_item_name(x) for x in items) if n]
    blocks = tree.get("blocks")
    if isinstance(blocks, YMap):
        names += list(blocks)
    return names


def _assign(container: Any, key: Segment, value: Any) -> Position:
    """Put ``value`` at ``container[key]``; returns the position it now claims."""
    if isinstance(container, YMap):
        assert isinstance(key, str)
        pos = container.value_pos.get(key, container.pos)
        if key not in container:
            container.key_pos[key] = container.pos
        container.value_pos[key] = pos
    else:
        assert isinstance(container, YList) and isinstance(key, int)
        pos = position_of(container, key)
    container[key] = _place(value, pos)
    return pos


def _place(value: Any, pos: Position) -> Any:
    """A copy of an option's value whose every position is the replaced value's line."""
    if isinstance(value, YMap):
        out = _ymap(pos)
        for k, v in value.items():
            out[k] = _place(v, pos)
            out.key_pos[k] = pos
            out.value_pos[k] = pos
        return out
    if isinstance(value, list):
        items = YList(_place(v, pos) for v in value)
        items.pos = pos
        items.item_pos = [pos] * len(items)
        return items
    return value


def _ymap(pos: Position) -> YMap:
    out = YMap()
    out.pos, out.key_pos, out.value_pos = pos, {}, {}
    return out


def clone(value: Any) -> Any:
    """A deep copy that keeps every position (aliases become independent copies)."""
    if isinstance(value, YMap):
        out = _ymap(value.pos)
        for k, v in value.items():
            out[k] = clone(v)
        out.key_pos = dict(value.key_pos)
        out.value_pos = dict(value.value_pos)
        return out
    if isinstance(value, YList):
        items = YList(clone(v) for v in value)
        items.pos = value.pos
        items.item_pos = list(value.item_pos)
        return items
    return value


def _show(prefix: str, key: Segment) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    return f"{prefix}.{key}" if prefix else key


def _seg_text(seg: Segment) -> str:
    return f"[{seg}]" if isinstance(seg, int) else f"key {seg!r}"


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, (int, float)):
        return f"a number ({value})"
    if isinstance(value, str):
        return f"a text value ({value!r})"
    if value is None:
        return "empty (null)"
    return "a value"
