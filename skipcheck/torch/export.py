"""Export: a spec as the PyTorch module a person would write (it imports only torch).

The spec's params are the model's constructor arguments, with the spec's values as
defaults; each block is an ``nn.Module`` class with the block's arguments (and the
channels it takes) as constructor arguments; each stage is a named submodule
(``self.enc1``), an ``nn.Sequential`` where it is a chain, its own class where it
merges; residuals, merges and branches are plain ``+`` / ``torch.cat`` in ``forward``.
Numbers stay the spec's expressions (``base * 2``): every one is checked against the
number skipcheck computed for the spec before it is written, and a number that cannot
be written as an expression of the constructor's arguments is written as the number.

The structure comes from the lowered graph (its node paths: stage, item, block call,
residual, via, branch), which already resolved names, tensor arguments and repeats;
the expressions come from the spec's YAML text, found by the positions the graph keeps.
"""

from __future__ import annotations

import inspect
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from torch import nn

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph, Node
from skipcheck.core.position import Position
from skipcheck.core.version import __version__
from skipcheck.ops import MERGE_OPS
from skipcheck.ops.base import TorchLayer
from skipcheck.specfile.yamltree import YList, YMap, load_text, read_file
from skipcheck.torch import layers
from skipcheck.torch.export_expr import Poly, Value, identifier, lift, py_literal
from skipcheck.torch.export_format import format_code
from skipcheck.torch.model import Trace, buildable, concrete_input

# names the generated code defines or reads itself: a spec name that equals one is renamed
RESERVED = frozenset(
    {"x", "self", "torch", "nn", "F", "annotations", "super", "range", "tuple", "i", "size"}
    | {"center_crop", "pad_to", "Crop", "Tile", "ChannelLayerNorm", "in_channels"}
    | {"ChannelScale", "PadSame", "ChannelSlice", "ChannelPad", "ResizeTo", "Merge"}
    | {"min", "max", "abs", "int", "round", "print", "model", "ValueError"}
)
LONG = 40  # characters of a channel expression before it gets a name
# the torch argument that is the input's channel count, per layer class
CHANNEL_ARGS = ("in_channels", "num_features", "in_features", "num_channels")
_INDEX = re.compile(r"^\d+(_\d+)?$")
# what a person calls a layer's attribute
ATTR = {
    "conv_transpose": "up",
    "batchnorm": "bn",
    "instancenorm": "norm",
    "groupnorm": "norm",
    "layernorm": "norm",
    "channel_layernorm": "norm",
    "maxpool": "pool",
    "avgpool": "pool",
    "global_avgpool": "pool",
    "global_maxpool": "pool",
    "adaptive_avgpool": "pool",
    "adaptive_maxpool": "pool",
    "upsample": "up",
    "linear": "fc",
}
MERGE_SOURCE = {"add": " + ", "sub": " - ", "mul": " * "}


def class_name(name: str) -> str:
    words = [w for w in re.split(r"[^A-Za-z0-9]+", name) if w]
    out = "".join(w[:1].upper() + w[1:] for w in words if w.isascii()) or "Model"
    return identifier(f"Model{out}" if out[0].isdigit() else out, lambda n: n in RESERVED)


# -- the spec's structure, read from the graph's node paths ------------------------------


@dataclass
class Item:
    """One entry of a layer list: a layer, a block call, a residual, a merge, a branch."""

    kind: str  # layer | block | residual | branch | repeat | stage
    nodes: list[Node]
    name: str = ""  # the block's or the branch's name
    parts: dict[str, list[Item]] = field(default_factory=dict)  # body, shortcut, via, layers
    merge: Node | None = None  # a residual's or a via-merge's own node
    copies: list[Item] = field(default_factory=list)  # a repeat's items, in order
    key: str = ""


def segments(node: Node) -> list[str]:
    return node.path.split(".")


def read_list(nodes: list[Node], depth: int, blocks: Mapping[str, Any]) -> list[Item]:
    """The items of the list whose nodes' paths share ``depth`` segments."""
    groups: dict[str, list[Node]] = {}
    for node in nodes:
        groups.setdefault(segments(node)[depth], []).append(node)
    items: list[Item] = []
    repeats: dict[str, Item] = {}
    for key, group in groups.items():
        if not _INDEX.match(key):
            raise SkipcheckError(f"cannot export: unexpected layer path {group[0].path}")
        item = read_item(group, depth, blocks)
        item.key = key
        if "_" in key:  # `3_1`: the second copy of the repeated item 3
            head = key.split("_")[0]
            if head not in repeats:
                repeats[head] = Item("repeat", [], key=head)
                items.append(repeats[head])
            repeats[head].copies.append(item)
            repeats[head].nodes.extend(group)
        else:
            items.append(item)
    return items


def read_item(group: list[Node], depth: int, blocks: Mapping[str, Any]) -> Item:
    first = segments(group[0])
    if len(group) == 1 and len(first) == depth + 2:
        merge = group[0] if group[0].op in MERGE_OPS else None
        return Item("layer", group, parts={"via": []}, merge=merge)
    head = first[depth + 1]
    own = [n for n in group if len(segments(n)) == depth + 2]
    if head == "residual":
        body = [n for n in group if segments(n)[depth + 2 : depth + 3] == ["body"]]
        short = [n for n in group if segments(n)[depth + 2 : depth + 3] == ["shortcut"]]
        merges = [n for n in group if len(segments(n)) == depth + 3]
        if len(merges) != 1 or len(body) + len(short) + 1 != len(group):
            raise SkipcheckError(f"cannot export: unexpected residual at {group[0].path}")
        return Item(
            "residual",
            group,
            parts={
                "body": read_list(body, depth + 3, blocks) if body else [],
                "shortcut": read_list(short, depth + 3, blocks) if short else [],
            },
            merge=merges[0],
        )
    if len(own) == 1 and own[0].op in MERGE_OPS:
        via = [n for n in group if n is not own[0]]
        if not all(segments(n)[depth + 2 : depth + 3] == ["via"] for n in via):
            raise SkipcheckError(f"cannot export: unexpected merge at {group[0].path}")
        return Item("layer", group, parts={"via": read_list(via, depth + 3, blocks)}, merge=own[0])
    if head in blocks and not own:
        return Item(
            "block", group, name=head, parts={"layers": read_list(group, depth + 2, blocks)}
        )
    if not own:
        return Item(
            "branch", group, name=head, parts={"layers": read_list(group, depth + 2, blocks)}
        )
    raise SkipcheckError(f"cannot export: unexpected layer path {group[0].path}")


# -- the YAML text behind the graph --------------------------------------------------------


class Source:
    """The spec's YAML by position: the mapping written at a line and column."""

    def __init__(self, tree: Any) -> None:
        self.at: dict[tuple[int, int], Any] = {}
        self.blocks: dict[str, YMap] = {}
        if isinstance(tree, YMap):
            self._index(tree)
            blocks = tree.get("blocks")
            if isinstance(blocks, YMap):
                self.blocks = {k: v for k, v in blocks.items() if isinstance(v, YMap)}

    def _index(self, value: Any) -> None:
        if isinstance(value, YMap):
            self.at.setdefault(_key(value.pos), value)
            for k, v in value.items():
                # a layer's position is its key's: `- conv: {...}` is found by `conv`
                self.at.setdefault(_key(value.key_pos[k]), value)
                self.at[_key(value.value_pos[k])] = v
                self._index(v)
        elif isinstance(value, YList):
            for v in value:
                self._index(v)

    def value(self, pos: Position | None) -> Any:
        return None if pos is None else self.at.get(_key(pos))

    def item(self, pos: Position | None) -> YMap | None:
        found = self.value(pos)
        return found if isinstance(found, YMap) else None

    def block_args(self, name: str) -> list[tuple[str, Any]]:
        """A block's arguments in order, each with its default's text (None: required)."""
        block = self.blocks.get(name)
        args = block.get("args") if block is not None else None
        out: list[tuple[str, Any]] = []
        for arg in args if isinstance(args, list) else []:
            text = str(arg)
            arg_name, eq, default = text.partition("=")
            out.append((arg_name.strip(), default.strip() if eq else None))
        return out


def _key(pos: Position) -> tuple[int, int]:
    return (pos.line, pos.col)


def load_source(graph: Graph, text: str | None) -> Source:
    """The spec's YAML (``skipcheck export`` passes the text it checked; the API reads the
    file again). Where there is none, the code has the numbers instead of the expressions."""
    try:
        if text is None:
            text = read_file(graph.file)
        return Source(load_text(text, graph.file))
    except SkipcheckError:
        return Source(None)


# -- writing the code ---------------------------------------------------------------------


@dataclass
class Scope:
    """What names mean in the code being written: the spec's values and the code's names."""

    env: dict[str, Any]  # spec name → its number here (for the spec's own evaluator)
    rename: dict[str, str]  # spec name → the code's name for it
    channels: dict[int, Value]  # node id → its channels, as this code computes them
    used: set[str] = field(default_factory=set)  # the code's names that the code reads
    # long channel expressions get a local name in __init__ (DenseNet's growing sums)
    locals: list[tuple[str, str]] = field(default_factory=list)
    local_defs: dict[str, Value] = field(default_factory=dict)
    # a stage's class: each number computed from the spec's params is a constructor
    # argument of its own (source → argument), so stages alike share one class (U-Net's `Up`)
    slots: dict[str, str] | None = None
    slot_values: dict[str, Value] = field(default_factory=dict)
    slot_names: set[str] = field(default_factory=set)  # the caller's names

    def trial(self) -> Scope:
        return Scope(
            self.env,
            self.rename,
            dict(self.channels),
            set(),
            list(self.locals),
            dict(self.local_defs),
            None if self.slots is None else dict(self.slots),
            dict(self.slot_values),
            self.slot_names,
        )

    def accept(self, trial: Scope) -> None:
        self.channels.update(trial.channels)
        self.used |= trial.used
        self.locals[:] = trial.locals
        self.local_defs.update(trial.local_defs)
        if self.slots is not None and trial.slots is not None:
            self.slots.update(trial.slots)
            self.slot_values.update(trial.slot_values)

    def slot(self, value: Value, name: str) -> Value:
        """``value`` as an argument of the stage's class, where it reads the caller's names."""
        if self.slots is None or value.poly is None or not value.names() & self.slot_names:
            return value
        key = value.source()
        if key not in self.slots:
            taken = set(self.slots.values())
            base = identifier(name, lambda n: n in RESERVED)
            arg, k = base, 2
            while arg in taken:
                arg, k = f"{base}{k}", k + 1
            self.slots[key] = arg
            self.slot_values[arg] = value
        return Value(Poly.atom(self.slots[key]), value.value)

    def named(self, value: Value) -> Value:
        """``value``, or a local variable for it where its source is long."""
        if value.poly is None or len(value.source()) <= LONG:
            return value
        name = "channels" if not self.locals else f"channels{len(self.locals) + 1}"
        self.locals.append((name, value.source()))
        self.used |= value.names()
        self.local_defs[name] = value
        return Value(Poly.atom(name), value.value)

    def expand(self, value: Value) -> Value:
        """``value`` with the local names replaced by what they stand for."""
        while value.names() & set(self.local_defs):
            polys = {n: Value(Poly.atom(n), 0) for n in value.names()}
            polys.update(self.local_defs)
            value = value.substitute(polys)
        return value


NAME, DOC = "\x00NAME\x00", "\x00DOC\x00"  # filled in once every use of a class is known


def _token(k: int) -> str:
    return f"\x00C{k}\x00"


@dataclass
class ClassDef:
    """One class of the file: its text (name and docstring to fill in), the block it writes
    (None: a stage, a residual's body, a via, a branch) and the names of its uses."""

    text: str
    block: str | None
    uses: list[str] = field(default_factory=list)

    def name(self) -> str:
        if self.block is not None:
            return class_name(self.block)
        # character by character on purpose: stage names, not paths
        common = os.path.commonprefix(self.uses).rstrip("_0123456789")  # noqa: RUF071
        # dec4 … dec1 share `Dec`; a class of one stage is named after it
        return class_name(common if len(set(self.uses)) > 1 and common else self.uses[0])

    def doc(self) -> str:
        if self.block is not None:
            return f"Block {self.block} of the spec."
        uses = list(dict.fromkeys(self.uses))
        if len(uses) == 1:
            return f"Stage {uses[0]} of the spec."
        return f"Stages {', '.join(uses[:-1])} and {uses[-1]} of the spec."


@dataclass
class Built:
    """Items written as one module: how the caller makes it and what it reads and returns."""

    make: str
    inputs: list[int]  # node ids: the running tensor first
    outputs: list[int]  # node ids: the running tensor first


@dataclass
class Body:
    """A list's code: its submodules (attribute, constructor) and its forward lines."""

    attrs: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    chain: bool = True  # every line is `x = self.attr(x)`
    names: set[str] = field(default_factory=set)  # variables taken
    attr_names: set[str] = field(default_factory=set)  # attributes taken

    def attr(self, base: str, make: str) -> str:
        taken = self.attr_names
        name = identifier(base, lambda n: n in RESERVED or hasattr(nn.Module, n))
        if name in taken:  # a second conv is conv2, as a person numbers them
            k = 2
            while f"{name}{k}" in taken:
                k += 1
            name = f"{name}{k}"
        self.attr_names.add(name)
        self.attrs.append((name, make))
        return name


@dataclass
class Spot:
    """Where a list sits: its items, the running tensor before it, and what is read after."""

    items: list[Item]
    entry: int
    wanted: set[int]  # node ids of the list read after it (or returned)


class Writer:
    """Writes the classes of one spec; ``classes`` are in the order a reader needs them."""

    def __init__(self, graph: Graph, seen: Trace, source: Source) -> None:
        self.graph = graph
        self.seen = seen
        self.source = source
        self.classes: list[ClassDef] = []  # in the order a reader needs them
        self.by_text: dict[str, int] = {}  # a class's text (name and docstring left out)
        self.readers: dict[int, list[int]] = {}
        for node in graph.nodes:
            for i in node.inputs:
                self.readers.setdefault(i, []).append(node.id)
        self.results = {i for _, i in graph.results}
        self.helpers: set[str] = set()
        self.top = ""  # the model's class name
        self.params: dict[str, Any] = {}  # the spec's params that are one number each
        self.param_names: dict[str, str] = {}  # a param → its name in the code
        self.last_vars: dict[int, str] = {}  # the variables of the last list written
        self.depth = 0  # block calls around the list being written
        self.class_names: list[str] = []  # each class's name, once all are known

    # -- numbers ----------------------------------------------------------------------
    def channels_of(self, node_id: int) -> int | None:
        shape = self.seen.shapes[node_id]
        return shape[1] if len(shape) > 1 else None

    def lifted(self, node: Node, key: str, expected: Any, scope: Scope) -> Value | None:
        """The spec's text for ``node``'s parameter ``key``, where it gives ``expected``."""
        pos = node.param_pos.get(key)
        text = self.source.value(pos)
        if text is None:
            return None
        found = lift(text, scope.env, scope.rename, node.params.get(key))
        if found is None:
            return None
        value = tuple(found.value) if isinstance(found.value, list) else found.value
        if value != expected or type(value) is not type(expected):
            return None
        return scope.slot(found, key)

    def layer_call(self, node: Node, scope: Scope) -> str:
        """``nn.Conv2d(in_channels, base * 2, 3, padding=1)``: the spec's expressions, checked."""
        spec = self.seen.specs[node.id]
        cls = self.torch_class(spec)
        params = [p for p in inspect.signature(cls).parameters.values() if p.name != "self"]
        names = [p.name for p in params]
        stated = set(node.param_pos)

        def render(name: str, value: Any) -> str:
            chan = scope.channels.get(node.inputs[0]) if node.inputs else None
            if name in CHANNEL_ARGS and name not in stated and chan and chan.value == value:
                return self.use(chan, scope)
            found = self.lifted(node, name, value, scope)
            if found is not None:
                return self.use(found, scope)
            # LayerNorm over C, H, W: C as computed, the sizes as numbers
            if (
                name == "normalized_shape"
                and isinstance(value, tuple)
                and chan is not None
                and value[:1] == (chan.value,)
            ):
                rest = [_literal(v) for v in value[1:]]
                return f"({', '.join([self.use(chan, scope), *rest])}{',' * (not rest)})"
            return _literal(value)

        parts = [render(names[k] if k < len(names) else "", v) for k, v in enumerate(spec.args)]
        given = set(names[: len(spec.args)]) | set(spec.kwargs)
        keywords = {k: render(k, v) for k, v in spec.kwargs.items()}
        # a parameter the spec writes as an expression but torch left out as its default
        # here: written all the same, so another use of the class gets its own value
        for p in params:
            if p.name in given or p.default is inspect.Parameter.empty:
                continue
            if p.name in stated:
                found = self.lifted(node, p.name, p.default, scope)
                if found is not None and found.names():
                    keywords[p.name] = self.use(found, scope)
            value = node.params.get(p.name)
            if p.name not in keywords and value is not None and value != p.default:
                # the spec's default is not torch's (softmax's dim): said, as a person would
                keywords[p.name] = _literal(tuple(value) if isinstance(value, list) else value)
        # in the order torch's signature has them, so every use of a block reads alike
        order = {name: k for k, name in enumerate(names)}
        for k in sorted(keywords, key=lambda n: order.get(n, len(order))):
            parts.append(f"{k}={keywords[k]}")
        return f"{self.class_source(spec)}({', '.join(parts)})"

    @staticmethod
    def use(value: Value, scope: Scope) -> str:
        scope.used |= value.names()
        return value.source()

    def torch_class(self, spec: TorchLayer) -> Any:
        if spec.cls.startswith("nn."):
            return getattr(nn, spec.cls[3:])
        return getattr(layers, spec.cls)

    def class_source(self, spec: TorchLayer) -> str:
        if not _DOTTED.match(spec.cls):
            raise SkipcheckError(f"cannot export a layer named {spec.cls!r}")
        if not spec.cls.startswith("nn."):
            self.helpers.add(spec.cls)
        return spec.cls

    def out_channels(self, node: Node, scope: Scope) -> None:
        """The node's channels as the code computes them (checked against skipcheck's)."""
        want = self.channels_of(node.id)
        if want is None:
            return
        ins = [scope.channels.get(i) for i in node.inputs]
        got: Value | None = None
        if node.op in ("conv", "conv_transpose", "linear"):
            key = "out_features" if node.op == "linear" else "out_channels"
            got = self.lifted(node, key, node.params.get(key), scope)
        elif node.op == "concat" and all(v is not None for v in ins):
            got = ins[0]
            for v in ins[1:]:
                assert got is not None and v is not None
                got = got + v
        elif node.op == "mul":
            got = next((v for v in ins if v is not None and v.value == want), None)
        elif ins and ins[0] is not None:
            before = ins[0]
            if before.value == want:
                got = before
            elif before.value and want % before.value == 0:
                got = before.times(want // before.value)
            elif want and before.value % want == 0:
                got = before.divided(before.value // want)
        if got is None or got.value != want:
            got = Value.of(want)
        scope.channels[node.id] = scope.named(got)

    # -- names of tensors -------------------------------------------------------------
    def tensor_arg(self, block: Item, node_id: int) -> str:
        """The block's argument that passes the tensor ``node_id`` (format 1.1), or ``skip``."""
        calls = block.nodes[0].calls
        call = self.source.item(calls[self.depth - 1] if 0 < self.depth <= len(calls) else None)
        raw = call.get(block.name) if call is not None else None
        if isinstance(raw, YMap):
            for arg, text in raw.items():
                if isinstance(text, str) and self.graph.names.get(text) == node_id:
                    return arg
        return "skip"

    def tensor_name(self, node_id: int, taken: set[str]) -> str:
        node = self.graph.nodes[node_id]
        base = node.name or (node.stage if node.id == self._stage_end(node) else None)
        base = base or ("input" if node_id == 0 else f"x{node_id}")
        name = identifier(base, lambda n: n in RESERVED or n in taken or hasattr(nn.Module, n))
        taken.add(name)
        return name

    def _stage_end(self, node: Node) -> int | None:
        return dict(self.graph.stages).get(node.stage) if node.stage else None

    # -- lists ------------------------------------------------------------------------
    def module(self, spot: Spot, scope: Scope, hint: str, block: Item | None = None) -> Built:
        """``spot`` as one module, in the caller's terms (``scope``): an ``nn.Sequential``
        of a chain written in place, or a class (a block's, or the stage's own)."""
        nodes = [n for item in spot.items for n in item.nodes]
        if not nodes:
            raise SkipcheckError(f"cannot export: an empty layer list in {hint}")
        ids = {n.id for n in nodes}
        extra = _ordered(i for n in nodes for i in n.inputs if i not in ids and i != spot.entry)
        inputs = [spot.entry, *extra]
        last = _running(spot.items)
        outputs = [
            last,
            *(i for i in _ordered(n.id for n in nodes) if i in spot.wanted and i != last),
        ]
        if block is None and len(inputs) == 1 and len(outputs) == 1:
            trial = scope.trial()
            body = self.body(spot, trial, outputs, {})
            if body.chain:
                scope.accept(trial)
                makes = [make for _, make in body.attrs]
                if len(makes) == 1:
                    return Built(makes[0], inputs, outputs)
                return Built(_sequential(makes), inputs, outputs)
        return self.write_class(spot, scope, hint, block, inputs, outputs)

    def write_class(
        self,
        spot: Spot,
        scope: Scope,
        hint: str,
        block: Item | None,
        inputs: list[int],
        outputs: list[int],
    ) -> Built:
        """A class for ``spot``: its constructor takes what its code reads — the channels it
        receives, the block's arguments, the spec's params — and the caller passes them."""
        inner = Scope({}, {}, {})
        passed: dict[str, Value] = {}  # the class's argument → the caller's value for it
        defaults: dict[str, str] = {}  # a block argument's default, as a literal
        written: set[str] = set()  # block arguments the call writes
        order: list[str] = []
        if block is not None:
            self.block_arguments(block, scope, inner, passed, defaults, written, order)
        else:
            # a stage (or a residual's body, a via, a branch): it sees what its caller sees,
            # and each number it computes from those names is an argument of its own
            inner.env, inner.rename = dict(scope.env), dict(scope.rename)
            inner.slots, inner.slot_names = {}, set(scope.rename.values())
            for name, value in scope.env.items():
                code = scope.rename.get(name)
                if code is not None:
                    passed.setdefault(code, Value(Poly.atom(code), value))
        # the spec's params keep their names in every class
        for name, value in self.params.items():
            if name not in inner.env:
                inner.env[name] = value
                code = self.param_names[name]
                inner.rename[name] = code
                passed.setdefault(code, Value(Poly.atom(code), value))
        tensors: list[str] = []
        taken: set[str] = set()
        entry_chan = scope.channels.get(spot.entry)
        if entry_chan is not None:
            inner.channels[spot.entry] = Value(Poly.atom("in_channels"), entry_chan.value)
            passed["in_channels"] = entry_chan
        for i in inputs[1:]:
            # a block names its tensor arguments; elsewhere a tensor from outside is a skip
            name = identifier(
                self.tensor_arg(block, i) if block is not None else "skip",
                lambda n, taken=taken: n in RESERVED or n in taken,  # type: ignore[misc]
            )
            if name in taken:
                name = f"skip{len(taken) + 1}"
            taken.add(name)
            tensors.append(name)
            chan = scope.channels.get(i)
            if chan is not None:
                inner.channels[i] = Value(Poly.atom(f"{name}_channels"), chan.value)
                passed[f"{name}_channels"] = chan
        names = dict(zip(inputs[1:], tensors, strict=True))
        body = self.body(spot, inner, outputs, names)
        used = inner.used
        args: list[str] = []
        if "in_channels" in used:
            args.append("in_channels")
        args += [a for a in order if a not in defaults]
        args += [f"{t}_channels" for t in tensors if f"{t}_channels" in used]
        passed.update(inner.slot_values)
        args += [a for a in inner.slot_values if a in used and a not in args]
        args += sorted(u for u in used if u not in args and u not in defaults and u in passed)
        args += [a for a in order if a in defaults]
        missing = used - set(args) - set(passed) - set(inner.local_defs)
        if missing:
            raise SkipcheckError(f"cannot export {hint}: {', '.join(sorted(missing))} unknown")
        # the class's name and docstring wait for all its uses: stages alike share one
        text = _class_text(
            NAME,
            DOC,
            [(a, defaults.get(a)) for a in args],
            body,
            tensors,
            len(outputs),
            inner.locals,
        )
        known = self.by_text.get(text)
        if known is None:
            known = self.by_text[text] = len(self.classes)
            self.classes.append(ClassDef(text, block.name if block is not None else None))
        self.classes[known].uses.append(hint)
        name = _token(known)
        call: list[str] = []
        for a in args:
            if a in defaults and a not in written:
                continue  # the block's default: left to the class, as a person calls it
            source = self.use(passed[a], scope)
            # after a default left out, the arguments are named
            call.append(f"{a}={source}" if a in defaults else source)
        # the outputs' channels, in the caller's terms
        for out in outputs:
            chan = inner.channels.get(out)
            if chan is not None:
                scope.channels[out] = scope.named(inner.expand(chan).substitute(passed))
        return Built(f"{name}({', '.join(call)})", inputs, outputs)

    def block_arguments(
        self,
        block: Item,
        scope: Scope,
        inner: Scope,
        passed: dict[str, Value],
        defaults: dict[str, str],
        written: set[str],
        order: list[str],
    ) -> None:
        """The block's number arguments: their values here and the caller's expressions."""
        calls = block.nodes[0].calls
        call = self.source.item(calls[self.depth - 1] if 0 < self.depth <= len(calls) else None)
        raw = call.get(block.name) if call is not None else None
        for k, (arg, default) in enumerate(self.source.block_args(block.name)):
            text: Any = None
            if isinstance(raw, YMap):
                text = raw.get(arg)
            elif k == 0 and raw is not None and not isinstance(raw, list):
                text = raw
            if text is None and default is None:
                continue
            code = identifier(arg, lambda n: n in RESERVED)
            if text is not None:
                value = _evaluate(text, scope.env)
                if value is None:
                    continue  # a tensor argument (a name the block reads), or not a number
                found = lift(text, scope.env, scope.rename, value) or Value.of(value)
                found = scope.slot(found, code)
                written.add(code)
            else:
                value = _evaluate(default, inner.env)
                if value is None:
                    continue
                lifted = lift(default, inner.env, inner.rename, value)
                found = Value.of(value) if lifted is None else lifted.substitute(passed)
            inner.env[arg] = value
            inner.rename[arg] = code
            passed[code] = found
            order.append(code)
            plain = _literal_default(default) if default is not None else None
            if plain is not None:
                defaults[code] = plain

    def body(self, spot: Spot, scope: Scope, outputs: list[int], names: dict[int, str]) -> Body:
        """The submodules and forward lines of one list; ``names``: the tensor arguments."""
        out = Body()
        out.names |= set(names.values())
        var: dict[int, str] = {spot.entry: "x", **names}
        items = spot.items
        # which item reads each value: a value read only by the next item stays `x`
        readers: dict[int, set[int]] = {}
        for k, item in enumerate(items):
            for n in item.nodes:
                for i in n.inputs:
                    readers.setdefault(i, set()).add(k)
        ends = [_running([item]) if item.kind != "branch" else None for item in items]
        for k in range(-1, len(items)):
            value = spot.entry if k < 0 else ends[k]
            if value is None:
                continue
            later = readers.get(value, set()) - {k}
            if later - {k + 1} or (value in outputs and len(outputs) > 1):
                name = self.tensor_name(value, out.names)
                if k < 0:
                    out.lines.append(f"{name} = x")
                    out.chain = False
                var[value] = name
        for k, item in enumerate(items):
            self.item(item, scope, out, var, spot, outputs, k)
        returned = ", ".join(var[o] for o in outputs)
        out.lines.append(f"return {returned}")
        self.last_vars = var
        return out

    def target(self, node_id: int, var: dict[int, str]) -> str:
        return var.setdefault(node_id, "x")

    def item(
        self,
        item: Item,
        scope: Scope,
        out: Body,
        var: dict[int, str],
        spot: Spot,
        outputs: list[int],
        k: int,
    ) -> None:
        if item.kind == "repeat":
            if not self.repeat(item, scope, out, var):
                saved = scope.env.get("i")
                for j, copy in enumerate(item.copies):
                    scope.env["i"] = j  # the copy's index, written as the number it is
                    self.item(copy, scope, out, var, spot, outputs, k)
                if saved is None:
                    scope.env.pop("i", None)
                else:
                    scope.env["i"] = saved
            return
        wanted = self.wanted(item, spot, outputs)
        if item.kind == "layer" and item.merge is None:
            node = item.nodes[0]
            self.layer(node, scope, out, var)
            return
        if item.kind == "layer":
            merge = item.merge
            assert merge is not None
            sources = [var.get(i, "") for i in merge.inputs]
            via_items = item.parts.get("via") or []
            if via_items:
                via_nodes = {n.id for n in item.nodes if n is not merge}
                start = next(
                    i for n in item.nodes if n is not merge for i in n.inputs if i not in via_nodes
                )
                built = self.module(Spot(via_items, start, wanted), scope, "via")
                attr = out.attr(_via_name(via_items), built.make)
                call = self.call_of(attr, built, var, out)
                sources = [call if i == built.outputs[0] else var[i] for i in merge.inputs]
            self.out_channels(merge, scope)
            out.lines.append(f"{self.target(merge.id, var)} = {self.merge(merge, sources, out)}")
            out.chain = False
            return
        if item.kind == "residual":
            merge = item.merge
            assert merge is not None
            calls: dict[int, str] = {}
            for part in ("body", "shortcut"):
                if not item.parts[part]:
                    continue
                entry = self._entry(item, part)
                built = self.module(Spot(item.parts[part], entry, wanted), scope, part)
                attr = out.attr(part, built.make)
                calls[built.outputs[0]] = self.call_of(attr, built, var, out)
            sources = [calls.get(i) or var[i] for i in merge.inputs]
            self.out_channels(merge, scope)
            out.lines.append(f"{self.target(merge.id, var)} = {self.merge(merge, sources, out)}")
            out.chain = False
            return
        # a block call or a branch: one module of its own
        inner = item.parts["layers"]
        ids = {n.id for n in item.nodes}
        start = next(i for n in item.nodes for i in n.inputs if i not in ids)
        if item.kind == "stage":
            built = self.module(Spot(inner, start, wanted), scope, item.name)
            attr = out.attr(item.name, built.make)
        elif item.kind == "block":
            self.depth += 1
            try:
                built = self.module(Spot(inner, start, wanted), scope, item.name, block=item)
            finally:
                self.depth -= 1
            attr = out.attr(item.name, built.make)
        else:
            built = self.module(Spot(inner, start, wanted), scope, item.name)
            attr = out.attr(item.name, built.make)
            out.chain = False
        targets = [self.target(built.outputs[0], var)]
        targets += [var.setdefault(o, self.tensor_name(o, out.names)) for o in built.outputs[1:]]
        if item.kind == "branch":
            var[built.outputs[0]] = self.tensor_name(built.outputs[0], out.names)
            targets[0] = var[built.outputs[0]]
        args = ", ".join(var[i] for i in built.inputs)
        if (
            built.inputs != [start]
            or len(built.outputs) > 1
            or targets[0] != "x"
            or var[start] != "x"
        ):
            out.chain = False
        out.lines.append(f"{', '.join(targets)} = self.{attr}({args})")

    def repeat(self, item: Item, scope: Scope, out: Body, var: dict[int, str]) -> bool:
        """``nn.Sequential(*(Bottleneck(in_channels, width) for _ in range(blocks - 1)))``:
        a repeated chain layer or block, where every copy is the same code."""
        copies = item.copies
        first = copies[0]
        if first.kind not in ("layer", "block") or first.merge is not None:
            return False
        node = first.nodes[0]
        if node.op in MERGE_OPS or node.op in ("require", "resize_to"):
            return False
        start = next(iter(node.inputs), None)
        if start is None or var.get(start) != "x":
            return False
        trial = scope.trial()
        makes: list[str] = []
        before = start
        for copy in copies:
            ids = {n.id for n in copy.nodes}
            if {i for n in copy.nodes for i in n.inputs if i not in ids} != {before}:
                return False
            if copy.kind == "layer":
                makes.append(self.layer_call(copy.nodes[0], trial))
                self.out_channels(copy.nodes[0], trial)
                before = copy.nodes[0].id
            else:
                self.depth += 1
                try:
                    built = self.module(
                        Spot(copy.parts["layers"], before, set()), trial, copy.name, block=copy
                    )
                finally:
                    self.depth -= 1
                if built.inputs != [before] or len(built.outputs) != 1:
                    return False
                makes.append(built.make)
                before = built.outputs[0]
        if len(set(makes)) != 1 or before != _running([item]):
            return False
        if any(
            r not in {n.id for n in item.nodes}
            for n in item.nodes[:-1]
            for r in self.readers.get(n.id, [])
        ):
            return False
        count: Value = Value.of(len(copies))
        where = (
            node.calls[self.depth]
            if first.kind == "block" and self.depth < len(node.calls)
            else node.pos
        )
        mapping = self.source.item(where)
        if mapping is not None and "repeat" in mapping:
            count = lift(mapping["repeat"], scope.env, scope.rename, len(copies)) or count
        scope.accept(trial)
        name = first.name if first.kind == "block" else ATTR.get(node.op, node.op)
        attr = out.attr(
            f"{name}s", f"nn.Sequential(*[{makes[0]} for _ in range({self.use(count, scope)})])"
        )
        out.lines.append(f"{self.target(before, var)} = self.{attr}(x)")
        if var[before] != "x":
            out.chain = False
        return True

    def call_of(self, attr: str, built: Built, var: dict[int, str], out: Body) -> str:
        """``self.body(x)`` to use in a merge; where the part also hands back a value read
        later (a named layer inside it), the call is a statement of its own first."""
        call = f"self.{attr}({', '.join(var[i] for i in built.inputs)})"
        if len(built.outputs) == 1:
            return call
        names = [self.tensor_name(o, out.names) for o in built.outputs]
        var.update(zip(built.outputs[1:], names[1:], strict=True))
        out.lines.append(f"{', '.join(names)} = {call}")
        return names[0]

    def _entry(self, item: Item, part: str) -> int:
        nodes = [n for sub in item.parts[part] for n in sub.nodes]
        ids = {n.id for n in nodes}
        return next(i for n in nodes for i in n.inputs if i not in ids)

    def wanted(self, item: Item, spot: Spot, outputs: list[int]) -> set[int]:
        ids = {n.id for n in item.nodes}
        return {
            n.id
            for n in item.nodes
            if n.id in self.results
            or n.id in outputs
            or any(r not in ids for r in self.readers.get(n.id, []))
        }

    def layer(self, node: Node, scope: Scope, out: Body, var: dict[int, str]) -> None:
        args = [var[i] for i in node.inputs]
        if node.op == "require":
            # the model's own check on its input, as a person writes it (and as
            # `skipcheck import` reads it back: `if h % 32 != 0: raise`)
            out.lines += self.require(node, args[0])
            if node.id in var and var[node.id] != args[0]:
                out.lines.append(f"{var[node.id]} = {args[0]}")
            var.setdefault(node.id, args[0])
            out.chain = False
            return
        if node.op == "resize_to":
            spec = self.seen.specs[node.id]
            opts = "".join(f", {k}={_literal(v)}" for k, v in spec.kwargs.items())
            self.out_channels(node, scope)
            out.lines.append(
                f"{self.target(node.id, var)} = F.interpolate({args[0]}, size={args[1]}.shape[2:]{opts})"
            )
            out.chain = False
            return
        make = self.layer_call(node, scope)
        self.out_channels(node, scope)
        # a stage's last layer carries the stage's name: the attribute is the layer's own
        named = node.name if node.name and node.name != node.stage else None
        attr = out.attr(named or ATTR.get(node.op, node.op), make)
        target = self.target(node.id, var)
        if args != ["x"] or target != "x":
            out.chain = False
        out.lines.append(f"{target} = self.{attr}({', '.join(args)})")

    def require(self, node: Node, tensor: str) -> list[str]:
        p = node.params
        size = f"{tensor}.shape[{2 + int(p['axis'])}]"
        fails = {"%==": "!=", "%!=": "==", "==": "!=", "!=": "==", ">=": "<", "<=": ">"}
        test = str(p["test"])
        if test not in fails:
            raise SkipcheckError(f"cannot export the condition {p['condition']!r}")
        lhs = f"{size} % {int(p['modulus'])}" if test.startswith("%") else size
        message = f"the spec requires {p['condition']}"
        return [
            f"if {lhs} {fails[test]} {int(p['value'])}:",
            f"    raise ValueError({py_literal(message)})",
        ]

    def merge(self, node: Node, sources: list[str], out: Body) -> str:
        """``torch.cat([x, skip], 1)``, ``x + skip``: the merge as a person writes it."""
        align = node.params.get("align", "none")
        run, skips = sources[0], sources[1:]
        if align == "center_crop":
            self.helpers.add("center_crop")
            skips = [f"center_crop({s}, {run})" for s in skips]
        elif align == "pad":
            self.helpers.add("pad_to")
            run = f"pad_to({run}, {skips[0]})"
        elif align == "interpolate":
            run = f"F.interpolate({run}, size={skips[0]}.shape[2:])"
        every = [run, *skips]
        if node.op == "concat":
            return f"torch.cat([{', '.join(every)}], 1)"
        if node.op in MERGE_SOURCE:
            return MERGE_SOURCE[node.op].join(every)
        if node.op == "max":
            total = every[0]
            for s in every[1:]:
                total = f"torch.maximum({total}, {s})"
            return total
        if node.op == "mean":
            return f"({' + '.join(every)}) / {len(every)}"
        raise SkipcheckError(f"cannot export the merge {node.op}")


_DOTTED = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")


def _via_name(items: list[Item]) -> str:
    if len(items) == 1 and items[0].kind == "block":
        return items[0].name
    return "via"


def _sequential(makes: list[str]) -> str:
    return "nn.Sequential(" + ", ".join(makes) + ")"


def _class_text(
    name: str,
    doc: str,
    args: list[tuple[str, str | None]],
    body: Body,
    tensors: list[str],
    returns: int,
    local_lines: list[tuple[str, str]],
) -> str:
    sig = ", ".join(
        ["self", *(f"{a}: int" + (f" = {d}" if d is not None else "") for a, d in args)]
    )
    head = [
        f"class {name}(nn.{'Sequential' if body.chain else 'Module'}):",
        f"    {doc}",
        "",
    ]
    head.append(f"    def __init__({sig}) -> None:")
    head += [f"        {n} = {v}" for n, v in local_lines]
    if body.chain:
        return "\n".join(
            [
                *head,
                "        super().__init__(",
                *(f"            {m}," for _, m in body.attrs),
                "        )",
            ]
        )
    lines = [*head, "        super().__init__()"]
    lines += [f"        self.{a} = {m}" for a, m in body.attrs]
    tensor_args = ", ".join(f"{t}: torch.Tensor" for t in ["x", *tensors])
    ret = "torch.Tensor" if returns == 1 else f"tuple[{', '.join(['torch.Tensor'] * returns)}]"
    lines += [
        "",
        f"    def forward(self, {tensor_args}) -> {ret}:",
        *(f"        {s}" for s in body.lines),
    ]
    return "\n".join(lines)


def _evaluate(text: Any, env: Mapping[str, Any]) -> Any:
    from skipcheck.specfile.expr import ExprError, evaluate

    if type(text) in (int, float, bool):
        return text
    if not isinstance(text, str):
        return None
    try:
        return evaluate(text, env)
    except ExprError:
        return None


def _literal_default(default: str) -> str | None:
    value = _evaluate(default, {})
    return None if value is None else py_literal(value)


def _running(items: list[Item]) -> int:
    for last in reversed(items):
        if last.kind == "branch":
            continue  # a branch leaves the running tensor as it was
        if last.kind == "repeat":
            return _running([last.copies[-1]])
        if last.merge is not None:
            return last.merge.id
        if last.kind == "layer":
            return last.nodes[0].id
        return _running(last.parts["layers"])
    raise SkipcheckError("cannot export: a list of branches only")


def _ordered(ids: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(ids))


def _literal(value: Any) -> str:
    try:
        return py_literal(value)
    except ValueError as exc:
        raise SkipcheckError(f"cannot export: {exc}") from None


def top_items(graph: Graph, blocks: Mapping[str, Any]) -> list[Item]:
    """The model's own list: its stages (each a named submodule) and the layers between."""
    runs: list[tuple[str, list[Node]]] = []
    for node in graph.nodes[1:]:
        key = "" if node.op == "require" or _INDEX.match(segments(node)[0]) else segments(node)[0]
        if runs and runs[-1][0] == key:
            runs[-1][1].append(node)
        else:
            runs.append((key, [node]))
    items: list[Item] = []
    for key, nodes in runs:
        if key:
            inner = read_list(nodes, 1, blocks)
            if all(item.kind == "branch" for item in inner):
                items += inner  # a section of side branches only (FPN's output convs)
            else:
                items.append(Item("stage", nodes, name=key, parts={"layers": inner}))
            continue
        plain = [n for n in nodes if n.op != "require"]
        for node in nodes:
            if node.op == "require":
                items.append(Item("layer", [node]))
        if plain:
            items += read_list(plain, 0, blocks)
    return items


HELPERS = {
    "center_crop": '''
def center_crop(skip: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """The middle of ``skip`` at ``like``'s spatial size (the original U-Net's crop)."""
    index = [slice(None), slice(None)]
    for have, want in zip(skip.shape[2:], like.shape[2:]):
        index.append(slice((have - want) // 2, (have - want) // 2 + want))
    return skip[tuple(index)]
''',
    "pad_to": '''
def pad_to(x: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """``x`` zero-padded to ``like``'s spatial size, the odd row or column at the far end."""
    pads: list[int] = []
    for have, want in reversed(list(zip(x.shape[2:], like.shape[2:]))):
        pads += [(want - have) // 2, want - have - (want - have) // 2]
    return F.pad(x, pads)
''',
    "Crop": '''
class Crop(nn.Module):
    """Remove ``margin[i]`` rows or columns from both ends of spatial axis ``i``."""

    def __init__(self, margin: tuple[int, ...]) -> None:
        super().__init__()
        self.margin = margin

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        index = [slice(None), slice(None)]
        index += [slice(m, -m) if m else slice(None) for m in self.margin]
        return x[tuple(index)]
''',
    "Tile": '''
class Tile(nn.Module):
    """Repeat the tensor ``repeats`` times along the channels."""

    def __init__(self, repeats: int) -> None:
        super().__init__()
        self.repeats = repeats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x.repeat(1, self.repeats, ONES)
''',
    "ChannelLayerNorm": '''
class ChannelLayerNorm(nn.LayerNorm):
    """LayerNorm over the channels at every position (ConvNeXt's LayerNorm2d)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        last = x.dim() - 1
        x = x.permute(0, *range(2, x.dim()), 1)
        x = F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)
        return x.permute(0, last, *range(1, last))
''',
}


def export_source(
    graph: Graph, input_shape: Sequence[int | str] | None = None, text: str | None = None
) -> str:
    """The spec as a PyTorch module a person would write, as Python source text.

    ``text`` is the spec's YAML (read again from ``graph.file`` when not given): its
    expressions become the code's. Every number is checked against the spec's.
    """
    shape = concrete_input(graph, input_shape)
    seen = buildable(graph, shape, "cannot export: torch fails at")
    try:
        return write(graph, seen, load_source(graph, text), shape)
    except (KeyError, IndexError, StopIteration, AssertionError, TypeError, ValueError) as exc:
        # a structure the writer does not know yet: exit 2 with what to report, never a
        # traceback (the spec itself is valid: torch built it above)
        raise SkipcheckError(
            f"cannot export {graph.name!r} as classes yet ({type(exc).__name__}: {exc}); "
            "`skipcheck.build` builds it — please report the spec (docs/reporting.md)"
        ) from None


def write(graph: Graph, seen: Trace, source: Source, shape: tuple[int, ...]) -> str:
    """The file's text: helpers, classes, the model, a ``__main__`` that runs it."""
    writer = Writer(graph, seen, source)
    cls = class_name(graph.name)
    writer.top = cls
    taken: set[str] = set()
    writer.params = {}
    writer.param_names = {}
    for name, value in graph.params.items():
        if type(value) not in (int, float, bool):
            continue  # a param that is not one number is used as the numbers it gives
        code = identifier(name, lambda n: n in RESERVED or n in taken)
        taken.add(code)
        writer.params[name] = value
        writer.param_names[name] = code
    scope = Scope(dict(writer.params), dict(writer.param_names), {0: Value.of(shape[1])})
    items = top_items(graph, source.blocks)
    results = [i for _, i in graph.results]
    body = writer.body(Spot(items, 0, set(results)), scope, results, {})
    if graph.outputs:
        body.lines[-1] = (
            "return {"
            + ", ".join(
                f"{py_literal(o.name)}: {writer.last_vars.get(o.node, 'x')}" for o in graph.outputs
            )
            + "}"
        )
    outs = (
        ", ".join(f"{o.name} {_show(seen.shapes[o.node])}" for o in graph.outputs)
        if graph.outputs
        else f"output {_show(seen.shapes[graph.out])}"
    )
    doc = (
        f"{graph.name}: exported by skipcheck {__version__} from {graph.file}.\n\n"
        f"Input {_show(shape)} → {outs}; {seen.parameters:,} parameters.\n"
        "Standalone: needs only torch.\n"
    )
    signature = ", ".join(
        [
            "self",
            *(
                f"{code}: {type(writer.params[n]).__name__} = {py_literal(writer.params[n])}"
                for n, code in writer.param_names.items()
            ),
        ]
    )
    returns = "dict[str, torch.Tensor]" if graph.outputs else "torch.Tensor"
    model = [
        f"class {cls}(nn.Module):",
        f"    {docstring(graph.name + ', as the spec writes it.')}",
        "",
        f"    def __init__({signature}) -> None:",
        "        super().__init__()",
        *(f"        {n} = {v}" for n, v in scope.locals),
        *(f"        self.{a} = {m}" for a, m in body.attrs),
        "",
        f"    def forward(self, x: torch.Tensor) -> {returns}:",
        *(f"        {line}" for line in body.lines),
    ]
    show = (
        "{k: tuple(v.shape) for k, v in model(x).items()}"
        if graph.outputs
        else "tuple(model(x).shape)"
    )
    parts = [
        docstring(doc),
        "",
        "from __future__ import annotations",
        "",
        "import torch",
        "import torch.nn.functional as F",
        "from torch import nn",
        *(f"\n{_helper(h, writer)}" for h in _helper_order(writer.helpers)),
        *(f"\n\n{text}" for text in _class_texts(writer, cls)),
        "\n\n" + "\n".join(model),
        "",
        "",
        'if __name__ == "__main__":',
        f"    model = {cls}()",
        f"    x = torch.randn({', '.join(map(str, shape))})",
        f"    print({show})",
        "",
    ]
    code = _named("\n".join(parts), writer)
    if "F." not in code.split("from torch import nn", 1)[1]:
        code = code.replace("import torch.nn.functional as F\n", "", 1)
    return format_code(code)


def docstring(text: str) -> str:
    """A docstring as a person writes it (triple quotes) where the text is plain; the
    spec's free text otherwise goes through repr, so nothing in it can end the string."""
    plain = all(c.isprintable() or c == "\n" for c in text) and not set(text) & set("\"\\'")
    if plain and not text.endswith(" "):
        return f'"""{text}"""'
    return py_literal(text)


def _class_texts(writer: Writer, model: str) -> list[str]:
    """Every class's text, named (a second variant of a block is ``ConvBn2``)."""
    taken = set(RESERVED) | {model}
    names: list[str] = []
    for c in writer.classes:
        base = identifier(c.name(), lambda n: n in RESERVED)
        name, k = base, 2
        while name in taken:
            name, k = f"{base}{k}", k + 1
        taken.add(name)
        names.append(name)
    writer.class_names = names
    return [
        c.text.replace(NAME, name, 1).replace(DOC, docstring(c.doc()), 1)
        for c, name in zip(writer.classes, names, strict=True)
    ]


def _named(code: str, writer: Writer) -> str:
    for k, name in enumerate(writer.class_names):
        code = code.replace(_token(k), name)
    return code


def _helper_order(used: set[str]) -> list[str]:
    """The helpers the code uses: the written ones in their order, then skipcheck's layers."""
    return [h for h in HELPERS if h in used] + sorted(used - HELPERS.keys())


def _helper(name: str, writer: Writer) -> str:
    if name not in HELPERS:
        # torch has no class for it: skipcheck's own layer, which is self-contained (torch,
        # nn and F only) so that its definition can be copied as it is
        return "\n" + inspect.getsource(getattr(layers, name)).rstrip()
    text = HELPERS[name].rstrip()
    if name == "Tile":
        # the rank written out (`x.repeat(1, r, 1, 1)`): repeats that are numbers, which
        # is what `skipcheck import` reads as a tile
        ranks = {
            len(writer.seen.shapes[i]) for i, s in writer.seen.specs.items() if s.cls == "Tile"
        }
        ones = ", ".join(["1"] * (ranks.pop() - 2)) if len(ranks) == 1 else "*[1] * (x.dim() - 2)"
        text = text.replace("ONES", ones)
    return text


def _show(shape: Sequence[Any]) -> str:
    return "×".join(str(d) for d in shape)
