"""Expanding a spec's layers into nodes: items and stages, block calls with scoped names,
``repeat``, merges, residuals, side branches and ``resize_to``.

Where the expansion stands — the running tensor, the params and arguments in force, the
names in scope, the layer's dotted path and its stage — is one value, :class:`Where`.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Node
from skipcheck.core.position import Position
from skipcheck.ops import MERGE_OPS, OPS
from skipcheck.specfile.blocks import Block, Blocks, bind, call_arguments
from skipcheck.specfile.values import (
    BRANCH_KEYS,
    IDENT,
    LAYER_KEYS,
    MAX_BLOCK_DEPTH,
    MAX_NODES,
    MAX_REPEAT,
    Given,
    Written,
    construct,
    declared,
    did_you_mean,
    integer,
    join,
    kind,
    layer_list,
    needs_11,
    op_params,
)
from skipcheck.specfile.yamltree import YList, YMap, position_of

ALIGNS = ("none", "center_crop", "pad", "interpolate")
# the ops of format 1 that take the running tensor alone: not a merge, not resize_to (a
# second tensor), not require (no layer) — what `call` reads at once
_PLAIN_OPS = frozenset(
    name
    for name, op in OPS.items()
    if op.since == "1"
    and name not in MERGE_OPS
    and name not in ("resize_to", "require", "residual", "branch")
)


@dataclass(slots=True)  # (a block call, a body, a branch each make one)
class Scope:
    """The names a layer may refer to: its own block's, then each enclosing one's."""

    names: dict[str, int] = field(default_factory=dict)
    parent: Scope | None = None

    def find(self, name: str) -> int | None:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def visible(self) -> list[str]:
        out: list[str] = []
        scope: Scope | None = self
        while scope is not None:
            out.extend(scope.names)
            scope = scope.parent
        return out


class Where:
    """Where the expansion stands: the running tensor, the params and block arguments in
    force, the names in scope, the dotted path of what is expanded, and its stage. Never
    changed once made (``at``, ``under`` and ``inside`` make another)."""

    # (a plain class with slots: a layer makes one or more, and this is cheaper to make
    # than a named tuple, whose __new__ is a Python function building a tuple subclass,
    # or a frozen dataclass, whose __init__ sets each field through object.__setattr__)
    __slots__ = ("current", "env", "path", "scope", "stage")

    def __init__(
        self,
        current: int,
        env: Mapping[str, Any],
        scope: Scope,
        path: str = "",
        stage: str | None = None,
    ) -> None:
        self.current = current
        self.env = env
        self.scope = scope
        self.path = path
        self.stage = stage

    def at(self, current: int) -> Where:
        return Where(current, self.env, self.scope, self.path, self.stage)

    def under(self, part: str) -> Where:
        return Where(self.current, self.env, self.scope, join(self.path, part), self.stage)

    def inside(self, part: str) -> Where:
        """A nested list of layers (a body, a shortcut, a via): its own names, its own path."""
        scope = Scope({}, self.scope)
        return Where(self.current, self.env, scope, join(self.path, part), self.stage)


@dataclass
class Expansion:
    """The nodes built so far, and what every layer may look up while they are built."""

    version: str
    blocks: Blocks
    # every name written anywhere, so that a forward reference is told so: found only
    # where a name is not found (a walk of the whole spec that a good spec never needs)
    names_written: Callable[[], set[str]]
    nodes: list[Node] = field(default_factory=list)
    globals: Scope = field(default_factory=Scope)
    stages: list[tuple[str, int]] = field(default_factory=list)
    block_stack: list[str] = field(default_factory=list)
    calls: tuple[Position, ...] = ()  # the block calls being expanded, outermost first
    # Expansion.op_params: by params mapping, the words it holds and the params read from
    # it by op and the values of those words (each kept with its mapping, so that an id
    # is never taken for another mapping's); the params of an op written bare
    reads: dict[int, tuple[YMap, tuple[str, ...], dict[Any, Given]]] = field(default_factory=dict)
    bare: dict[str, Given] = field(default_factory=dict)
    index_users: dict[int, tuple[YMap, bool]] = field(default_factory=dict)  # uses_index

    @functools.cached_property
    def declared_later(self) -> set[str]:
        return self.names_written()

    # -- lists and stages ---------------------------------------------------
    def items(self, items: YList, where: Where, top: bool = False) -> int:
        current, env, scope, stage = where.current, where.env, where.scope, where.stage
        item_pos, known = items.item_pos, len(items.item_pos)
        prefix = f"{where.path}." if where.path else ""  # an item's path: join(path, str(k))
        for k, item in enumerate(items):
            pos = item_pos[k] if k < known else items.pos  # position_of(items, k)
            # most layers are read here at once: a plain op (no block is named as one)
            # written `- op` or `- op: {...}`; `layer` reads the rest
            if isinstance(item, YMap):
                if "stage" in item:
                    if not top:
                        raise SkipcheckError(
                            "a stage can only appear directly in a section list, not inside layers",
                            pos,
                        )
                    current = self.stage(item, where.at(current))
                    continue
                op = next(iter(item)) if len(item) == 1 else None
                if op in _PLAIN_OPS:
                    key = item.key_pos[op]
                    value = item.value_pos.get(op, item.pos)
                    given = self.op_params(op, item[op], key, value, env)
                    current = self.add(op, given, (current,), key, f"{prefix}{k}.{op}", stage)
                    continue
            elif isinstance(item, str) and item in _PLAIN_OPS:
                given = self.op_params(item, None, pos, pos, env)
                current = self.add(item, given, (current,), pos, f"{prefix}{k}.{item}", stage)
                continue
            current = self.layer(item, pos, Where(current, env, scope, f"{prefix}{k}", stage))
        return current

    def stage(self, item: YMap, where: Where) -> int:
        for key in item:
            if key not in ("stage", "layers", "expect", "description"):
                raise SkipcheckError(
                    f"unknown key {key!r} in a stage{did_you_mean(key, ('stage', 'layers', 'expect'))}",
                    item.key_pos[key],
                )
        name = item["stage"]
        pos = position_of(item, "stage")
        if not isinstance(name, str) or not IDENT.match(name):
            raise SkipcheckError(f"stage name must be a plain name, not {name!r}", pos)
        if self.globals.find(name) is not None:
            raise SkipcheckError(f"name {name!r} is used twice", pos)
        if "layers" not in item:
            raise SkipcheckError(f"stage {name!r} has no `layers:`", item.pos)
        layers = layer_list(item["layers"], position_of(item, "layers"), f"stage {name}")
        start = len(self.nodes)
        current = self.items(layers, Where(where.current, where.env, self.globals, name, name))
        if len(self.nodes) == start:
            raise SkipcheckError(f"stage {name!r} has no layers", item.pos)
        self.globals.names[name] = current
        self.stages.append((name, current))
        if self.nodes[current].name is None:
            self.rename(current, name)
        if "expect" in item:
            self.expect(item, current, f"stage {name}")
        return current

    def expect(self, item: YMap, node: int, what: str) -> None:
        """Attach the item's ``expect:`` shape to the node that produces it."""
        pos = position_of(item, "expect")
        found = self.nodes[node]
        shape = declared(item["expect"], pos, "expect")
        self.nodes[node] = found.changed(expects=(*found.expects, (shape, pos, what)))

    def rename(self, node: int, name: str) -> None:
        self.nodes[node] = self.nodes[node].changed(name=name)

    # -- one layer ----------------------------------------------------------
    def layer(self, item: Any, pos: Position, where: Where) -> int:
        if isinstance(item, str):
            return self.call(item, None, Written(pos, pos), where, None)
        if not isinstance(item, YMap):
            raise SkipcheckError(
                f"a layer is `- op: {{...}}` or `- op`, not a {kind(item)}",
                getattr(item, "pos", pos),
            )
        if len(item) == 1:  # most layers: an op and its params, written once
            op = next(iter(item))
            if op not in LAYER_KEYS:
                written = Written(item.key_pos[op], item.value_pos.get(op, item.pos))
                return self.call(op, item[op], written, where, item)
        op = _op_key(item)
        repeat = self.repeat(item, where.env)
        name = item.get("name")
        if name is not None and (not isinstance(name, str) or not IDENT.match(name)):
            raise SkipcheckError(
                f"name must be a plain name, not {name!r}", position_of(item, "name")
            )
        before = len(self.nodes)
        current = where.current
        written = Written(item.key_pos[op], position_of(item, op))
        for i in range(repeat):
            if i == 1 and not self.uses_index(item):
                self.refuse_past_the_cap(item, repeat, len(self.nodes) - before)
            env = {**where.env, "i": i} if "repeat" in item else where.env
            path = f"{where.path}_{i}" if repeat > 1 else where.path
            current = self.call(
                op, item[op], written, Where(current, env, where.scope, path, where.stage), item
            )
        if name is not None:
            if where.scope.find(name) is not None and where.scope is self.globals:
                raise SkipcheckError(f"name {name!r} is used twice", position_of(item, "name"))
            where.scope.names[name] = current
            self.rename(current, name)
        if "expect" in item and current != 0:
            self.expect(item, current, self.nodes[current].label)
        return current

    def uses_index(self, item: YMap) -> bool:
        """``Blocks.uses_index`` of a layer, found once per layer: a block's layers are
        expanded again at each call."""
        found = self.index_users.get(id(item))
        if found is None or found[0] is not item:
            found = self.index_users[id(item)] = (item, self.blocks.uses_index(item))
        return found[1]

    def repeat(self, item: YMap, env: Mapping[str, Any]) -> int:
        if "repeat" not in item:
            return 1
        pos = position_of(item, "repeat")
        repeat = integer(item["repeat"], env, pos, "repeat", minimum=0)
        if repeat > MAX_REPEAT:
            raise SkipcheckError(f"repeat {repeat} is more than {MAX_REPEAT}", pos)
        return repeat

    def refuse_past_the_cap(self, item: YMap, repeat: int, added: int) -> None:
        # every repeat adds what the first did: refuse a model past the cap now,
        # not after building 200,000 layers of a block fan-out
        if len(self.nodes) + added * (repeat - 1) > MAX_NODES:
            raise SkipcheckError(
                f"the model expands to more than {MAX_NODES:,} layers "
                f"(repeat {repeat} of {added:,} layers at this point)",
                position_of(item, "repeat"),
            )

    def call(self, op: str, args: Any, written: Written, where: Where, item: YMap | None) -> int:
        pos = written.key
        if op in _PLAIN_OPS:  # (no block is named as an op)
            given = self.op_params(op, args, pos, written.value, where.env)
            return self.add(op, given, (where.current,), pos, join(where.path, op), where.stage)
        block = self.blocks.defined.get(op)
        if block is not None:
            return self.block(block, args, written, where)
        if op == "residual":
            return self.residual(args, pos, where)
        if op == "branch":
            needs_11(self.version, "`branch:`", pos)
            return self.branch(args, pos, where, item)
        if op == "require":
            raise SkipcheckError(
                "`require` is a top-level list of conditions on the input, not a layer", pos
            )
        if op not in OPS:
            known = [*OPS, *self.blocks.defined, "residual", "branch"]
            raise SkipcheckError(f"unknown op or block {op!r}{did_you_mean(op, known)}", pos)
        if OPS[op].since != "1":
            needs_11(self.version, f"the op {op!r}", pos)
        if op in MERGE_OPS:
            return self.merge(op, args, written, where)
        if op == "resize_to":
            return self.resize_to(args, written, where)
        given = self.op_params(op, args, pos, written.value, where.env)
        return self.add(op, given, (where.current,), pos, join(where.path, op), where.stage)

    def op_params(
        self, op: str, args: Any, key_pos: Position, value_pos: Position, env: Mapping[str, Any]
    ) -> Given:
        """``op_params`` of a layer written at ``key_pos`` (its op) and ``value_pos`` (its
        params), kept for the same written params and the same values of every name their
        text may read: a block's layers are read again at each call, a repeat's at each
        repeat, mostly with the same values."""
        if args is None:  # `- relu`: the defaults, the same at every use of the op
            given = self.bare.get(op)
            if given is None:
                given = self.bare[op] = op_params(
                    OPS[op], op, None, Written(key_pos, value_pos), env, self.version
                )
        elif isinstance(args, YMap):
            read = self.reads.get(id(args))
            if read is None or read[0] is not args:
                read = self.reads[id(args)] = (args, tuple(_words(args)), {})
            words, kept = read[1], read[2]
            # (the op is part of the key: an alias may write one mapping under two ops)
            key = _key((op,), words, env) if words else op
            try:
                given = kept.get(key)
            except TypeError:  # a value that cannot be a key (a list): read afresh
                return op_params(OPS[op], op, args, Written(key_pos, value_pos), env, self.version)
            if given is None:
                given = kept[key] = op_params(
                    OPS[op], op, args, Written(key_pos, value_pos), env, self.version
                )
        else:
            return op_params(OPS[op], op, args, Written(key_pos, value_pos), env, self.version)
        return given  # (kept: add gives each node dicts of its own)

    def add(
        self,
        op: str,
        given: Given,
        inputs: tuple[int, ...],
        pos: Position,
        path: str,
        stage: str | None,
        skips: tuple[str, ...] = (),
    ) -> int:
        """A node for ``op`` at ``path`` in ``stage``."""
        if len(self.nodes) >= MAX_NODES:
            raise SkipcheckError(
                f"the model expands to more than {MAX_NODES:,} layers (a repeat too large?)", pos
            )
        index = len(self.nodes)
        # fresh dicts for each node (op_params keeps what it read): nothing may change one
        # node's params through another; by position: name, expects and group come later
        self.nodes.append(
            Node(
                index,
                OPS[op].name,
                dict(given.params),
                inputs,
                pos,
                path,
                stage,
                None,
                dict(given.positions),
                skips,
                (),
                None,
                self.calls,
            )
        )
        return index

    # -- what a layer expands to ----------------------------------------------
    def block(self, block: Block, args: Any, written: Written, where: Where) -> int:
        pos = written.key
        if block.name in self.block_stack:
            chain = " → ".join(
                [*self.block_stack[self.block_stack.index(block.name) :], block.name]
            )
            raise SkipcheckError(f"block recursion: {chain}", pos)
        if len(self.block_stack) >= MAX_BLOCK_DEPTH:
            raise SkipcheckError(f"blocks nest more than {MAX_BLOCK_DEPTH} deep", pos)
        args = call_arguments(block, args, written.value)
        given = bind(block, args, where.env, written.value)
        local = Scope({}, where.scope)
        if self.version != "1":
            self.pass_tensors(args, given, local, where.scope, written.value)
        self.block_stack.append(block.name)
        calls = self.calls
        self.calls = (*calls, pos)
        try:
            path = join(where.path, block.name)
            inner = Where(where.current, {**where.env, **given}, local, path, where.stage)
            return self.items(block.layers, inner)
        finally:
            self.block_stack.pop()
            self.calls = calls

    def pass_tensors(
        self,
        args: Mapping[str, Any],
        given: Mapping[str, Any],
        local: Scope,
        outer: Scope,
        vpos: Position,
    ) -> None:
        """Format 1.1: an argument that names an earlier tensor passes that tensor
        (``- up_block: {ch: 64, skip: enc2}``); inside, ``concat: skip`` refers to it."""
        for arg, value in given.items():
            if isinstance(value, str) and arg in args:
                found = 0 if value == "input" else outer.find(value)
                if found is not None:
                    local.names[arg] = found
                elif value in self.declared_later:
                    raise SkipcheckError(
                        f"argument {arg}: {value!r} is defined later in the file; "
                        "a block can only take an earlier tensor",
                        position_of(args, arg) if isinstance(args, YMap) else vpos,
                    )

    def residual(self, args: Any, pos: Position, where: Where) -> int:
        args = construct(
            args, ("body", "shortcut", "merge"), "residual", "{body: [...], merge: add}", pos
        )
        if "body" not in args:
            raise SkipcheckError("residual needs a `body:` list", pos)
        where = where.under("residual")
        body = layer_list(args["body"], position_of(args, "body"), "body")
        out = self.items(body, where.inside("body"))
        short = where.current
        if args.get("shortcut") is not None:
            sc = layer_list(args["shortcut"], position_of(args, "shortcut"), "shortcut")
            short = self.items(sc, where.inside("shortcut"))
        merge = args.get("merge", "add")
        if not isinstance(merge, str) or merge not in MERGE_OPS:
            raise SkipcheckError(
                f"residual merge must be one of {', '.join(sorted(MERGE_OPS))}, not {merge!r}{did_you_mean(str(merge), MERGE_OPS)}",
                position_of(args, "merge"),
            )
        # concat puts the shortcut first, torch.cat([shortcut, body]) as DenseNet and
        # torchvision do, so their weights fit what follows; add and mul do not care
        inputs = (short, out) if merge == "concat" else (out, short)
        if OPS[merge].since != "1":
            needs_11(self.version, f"merge: {merge}", position_of(args, "merge"))
        given = Given({"align": "none", "residual": True}, {})
        return self.add(merge, given, inputs, pos, join(where.path, merge), where.stage)

    def branch(self, args: Any, pos: Position, where: Where, item: YMap | None) -> int:
        """A named side branch: layers from an earlier tensor; the running tensor goes on unchanged."""
        args = construct(args, BRANCH_KEYS, "branch", "{name: aux, from: enc3, layers: [...]}", pos)
        if item is not None:
            for key in LAYER_KEYS:
                if key in item:
                    raise SkipcheckError(
                        f"a branch takes `{key}` inside it ({{name: ..., from: ..., layers: [...]}}); "
                        "the running tensor goes on unchanged",
                        item.key_pos[key],
                    )
        name = args.get("name")
        if not isinstance(name, str) or not IDENT.match(name):
            raise SkipcheckError(
                f"a branch needs `name:`, a plain name later layers refer to, not {name!r}",
                position_of(args, "name") if "name" in args else pos,
            )
        if where.scope.find(name) is not None or name == "input":
            raise SkipcheckError(f"name {name!r} is used twice", position_of(args, "name"))
        start = where.current
        if args.get("from") is not None:
            start = self.reference(args["from"], position_of(args, "from"), where.scope)
        if "layers" not in args:
            raise SkipcheckError(f"branch {name!r} needs `layers:`", pos)
        layers = layer_list(args["layers"], position_of(args, "layers"), f"branch {name}")
        first = len(self.nodes)
        end = self.items(layers, where.at(start).inside(name))
        if len(self.nodes) == first:
            raise SkipcheckError(f"branch {name!r} has no layers", position_of(args, "layers"))
        for n in self.nodes[first:]:
            if n.group is None:
                self.nodes[n.id] = n.changed(group="branch")
        where.scope.names[name] = end
        self.rename(end, name)
        if "expect" in args:
            self.expect(args, end, f"branch {name}")
        return where.current

    def merge(self, op: str, args: Any, written: Written, where: Where) -> int:
        given = _merge_args(op, args, written)
        skip = given.params["skip"]
        refs = skip if isinstance(skip, list) else [skip]
        align = given.params.get("align", "none")
        _check_align(align, len(refs), given.positions.get("align", written.key))
        where = where.under(op)
        inputs = [where.current]
        for k, ref in enumerate(refs):
            rpos = given.positions.get("skip", written.value)
            if isinstance(skip, YList):
                rpos = position_of(skip, k)
            found = self.reference(ref, rpos, where.scope)
            if given.params.get("via") is not None:
                vpos = given.positions.get("via", written.key)
                via = layer_list(given.params["via"], vpos, "via")
                found = self.items(
                    via, where.at(found).inside("via" if len(refs) == 1 else f"via{k}")
                )
                for n in self.nodes[-1:]:
                    self.nodes[n.id] = n.changed(group="via")
            inputs.append(found)
        merged = Given({"align": align}, given.positions)
        skips = tuple(str(r) for r in refs)
        return self.add(op, merged, tuple(inputs), written.key, where.path, where.stage, skips)

    def resize_to(self, args: Any, written: Written, where: Where) -> int:
        """``resize_to: e1`` or ``{size_of: e1, mode: bilinear}``: a second input, for its size."""
        op = OPS["resize_to"]
        if isinstance(args, YMap):
            rest = YMap({k: v for k, v in args.items() if k != "size_of"})
            rest.key_pos = {k: p for k, p in args.key_pos.items() if k != "size_of"}
            rest.value_pos = {k: p for k, p in args.value_pos.items() if k != "size_of"}
            rest.pos = args.pos
            ref, rpos = args.get("size_of"), position_of(args, "size_of")
            given = op_params(op, "resize_to", rest, written, where.env, self.version)
        else:
            ref, rpos = args, written.value
            given = op_params(op, "resize_to", None, written, where.env, self.version)
        if not isinstance(ref, str):
            raise SkipcheckError(
                "resize_to needs the tensor whose size to take: `resize_to: enc1` or "
                "`resize_to: {size_of: enc1, mode: bilinear}`",
                rpos if ref is not None else written.value,
            )
        like = self.reference(ref, rpos, where.scope)
        given.params["size_of"] = ref
        return self.add(
            "resize_to",
            given,
            (where.current, like),
            written.key,
            join(where.path, "resize_to"),
            where.stage,
            (ref,),
        )

    def reference(self, ref: Any, pos: Position, scope: Scope) -> int:
        if not isinstance(ref, str):
            raise SkipcheckError(f"skip must name an earlier stage or layer, not {ref!r}", pos)
        found = scope.find(ref)
        if found is not None:
            return found
        if ref == "input":
            return 0
        if ref in self.declared_later:
            raise SkipcheckError(
                f"{ref!r} is defined later in the file; a skip can only come from an earlier stage or layer",
                pos,
            )
        visible = scope.visible()
        raise SkipcheckError(
            f"unknown name {ref!r}{did_you_mean(ref, visible)} (earlier names: {', '.join(visible[-8:]) or 'none'})",
            pos,
        )


_ABSENT = object()  # a name the environment does not hold


def _key(head: tuple[Any, ...], words: tuple[str, ...], env: Mapping[str, Any]) -> tuple[Any, ...]:
    """What reading spec text depends on: ``head`` (what is read) and the value of each
    word in its text. (It cannot be a dict key where one of those values is a list.)"""
    key = list(head)
    for name in words:
        value = env.get(name, _ABSENT)
        # 3, 3.0 and True are equal keys, and so are 0.0 and -0.0: not equal values
        key += (type(value), value.hex() if type(value) is float else value)
    return tuple(key)


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _words(value: Any) -> frozenset[str]:
    """Every word in the text of a value: each name an expression in it may read."""
    if isinstance(value, str):
        return frozenset(_WORD.findall(value))
    if isinstance(value, (dict, list)):
        # (a number, the most common value, has none: not asked)
        parts = value.values() if isinstance(value, dict) else value
        return frozenset().union(*[_words(v) for v in parts if isinstance(v, (str, dict, list))])
    return frozenset()


def _op_key(item: YMap) -> str:
    """The one key of a layer item that names its op (the rest: name, repeat, expect)."""
    keys = [k for k in item if k not in LAYER_KEYS]
    if len(keys) != 1:
        if not keys:
            raise SkipcheckError(f"this layer names no op (only {', '.join(item)})", item.pos)
        raise SkipcheckError(
            f"one layer per list item: found {', '.join(keys)} together (write each as its own `- op:` item)",
            item.key_pos[keys[1]],
        )
    return keys[0]


def _merge_args(op: str, args: Any, written: Written) -> Given:
    """A merge's ``skip``, ``via`` and ``align`` as written (``add: e1`` is the skip)."""
    if not isinstance(args, YMap):
        given: dict[str, Any] = {"skip": args}
        ppos = {"skip": written.value}
    else:
        given = dict(args)
        ppos = {k: position_of(args, k) for k in args}
        for key in args:
            if key not in ("skip", "via", "align"):
                raise SkipcheckError(
                    f"unknown key {key!r} in {op}{did_you_mean(key, ('skip', 'via', 'align'))}",
                    args.key_pos[key],
                )
    if given.get("skip") is None:
        raise SkipcheckError(
            f"{op} needs a skip: `{op}: enc4` or `{op}: {{skip: enc4}}`", written.value
        )
    return Given(given, ppos)


def _check_align(align: Any, skips: int, pos: Position) -> None:
    if align in ("pad", "interpolate") and skips > 1:
        # the running tensor takes one skip's size; which one would be a guess
        raise SkipcheckError(
            f"align: {align} brings the running tensor to one skip's size; "
            f"give one skip, or merge the skips in two steps",
            pos,
        )
    if align not in ALIGNS:
        raise SkipcheckError(
            f"align must be none, center_crop, pad or interpolate, not {align!r}{did_you_mean(str(align), ALIGNS)}",
            pos,
        )
