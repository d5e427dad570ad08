"""Spec tree → Graph: check the schema, evaluate expressions, expand blocks and repeats.

Everything here raises SkipcheckError with the position of the offending value,
so a bad spec ends with one clear message and exit code 2.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from skipcheck.errors import SkipcheckError
from skipcheck.graph import Graph, Node, Output
from skipcheck.ops import MERGE_OPS, OPS
from skipcheck.ops.base import Op, Param
from skipcheck.position import Position
from skipcheck.spec.expr import ExprError, evaluate
from skipcheck.spec.names import reads_as_op
from skipcheck.spec.yamltree import YList, YMap, position_of

SECTIONS = ("encoder", "bottleneck", "decoder", "head")
TOP_KEYS = (
    "skipcheck",
    "name",
    "description",
    "input",
    "output",
    "outputs",
    "require",
    "params",
    "blocks",
    "layers",
    *SECTIONS,
)
LAYER_KEYS = ("name", "repeat", "expect")
VERSIONS = {1: "1", "1": "1", 1.1: "1.1", "1.1": "1.1"}
BRANCH_KEYS = ("name", "from", "layers", "expect")
DECLARED_INPUT = ("in_channels", "num_features", "in_features")
# 200k layers check in under 5 s and 300 MiB (bench/bench_scale.py); the cap keeps a
# runaway repeat from taking longer
MAX_NODES = 200_000
MAX_REPEAT = 1_000
MAX_BLOCK_DEPTH = 32
MAX_CHANNELS = 1 << 24
MAX_INPUT_SIZE = MAX_CHANNELS * 64  # spatial sizes, written or declared
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_INDEX = re.compile(r"(?<![A-Za-z0-9_.])i(?![A-Za-z0-9_])")  # the repeat index in an expression


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" — did you mean {close[0]!r}?" if close else ""


@dataclass
class Block:
    name: str
    args: list[tuple[str, Any]]  # (name, default expression or _REQUIRED)
    layers: YList
    pos: Position


_REQUIRED = object()


@dataclass
class _Scope:
    names: dict[str, int] = field(default_factory=dict)
    parent: _Scope | None = None

    def find(self, name: str) -> int | None:
        scope: _Scope | None = self
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            scope = scope.parent
        return None

    def visible(self) -> list[str]:
        out: list[str] = []
        scope: _Scope | None = self
        while scope is not None:
            out.extend(scope.names)
            scope = scope.parent
        return out


def lower(tree: Any, file: str, params_override: Mapping[str, Any] | None = None) -> Graph:
    """Turn a loaded spec into the Graph (see docs/spec.md for the format)."""
    return _Lowerer(tree, file, dict(params_override or {})).run()


class _Lowerer:
    def __init__(self, tree: Any, file: str, overrides: dict[str, Any]) -> None:
        if not isinstance(tree, YMap):
            pos = getattr(tree, "pos", Position(file, 1, 1))
            raise SkipcheckError(
                f"a spec is a YAML mapping with `skipcheck: 1`, not a {_kind(tree)}", pos
            )
        self.tree = tree
        self.file = file
        self.overrides = overrides
        self.nodes: list[Node] = []
        self.globals = _Scope()
        self.blocks: dict[str, Block] = {}
        self.block_stack: list[str] = []
        self.index_users: dict[str, bool] = {}  # blocks whose expansion may read `i`
        self.call_stack: list[Position] = []
        self.declared_later: set[str] = set()
        self.stages: list[tuple[str, int]] = []
        self.version = "1"

    # -- top level ---------------------------------------------------------
    def run(self) -> Graph:
        t = self.tree
        for key in t:
            if key not in TOP_KEYS:
                raise SkipcheckError(
                    f"unknown top-level key {key!r}{did_you_mean(key, TOP_KEYS)}", t.key_pos[key]
                )
        if "skipcheck" not in t:
            raise SkipcheckError("missing `skipcheck: 1` (the format version) at the top", t.pos)
        version = t["skipcheck"]
        # a list or a mapping is no version (and cannot be looked up: it is unhashable)
        if (
            not isinstance(version, (int, float, str))
            or isinstance(version, bool)
            or (version not in VERSIONS)
        ):
            shown = (
                "a list"
                if isinstance(version, list)
                else "a mapping"
                if isinstance(version, dict)
                else repr(version)
            )
            raise SkipcheckError(
                f"unsupported format version {shown}; this skipcheck reads versions 1 and 1.1 "
                f"(write `skipcheck: 1` or `skipcheck: 1.1`)",
                position_of(t, "skipcheck"),
            )
        self.version = VERSIONS[version]
        if "input" not in t:
            raise SkipcheckError("missing `input:` — the input shape, e.g. [N, 3, H, W]", t.pos)
        input_dims = self.input_shape(t["input"], position_of(t, "input"))
        env = self.params(t.get("params"))
        self.read_blocks(t.get("blocks"))
        self.collect_names(t)
        self.nodes.append(Node(0, "input", {}, (), position_of(t, "input"), "input", name="input"))
        current = 0
        if "require" in t:
            current = self.requirements(t, input_dims, current)
        body = [s for s in SECTIONS if s in t]
        if "layers" in t and body:
            raise SkipcheckError(
                f"use either `layers:` or the sections {', '.join(SECTIONS)}, not both",
                t.key_pos["layers"],
            )
        if "layers" not in t and not body:
            raise SkipcheckError(
                "the spec has no layers: add `layers:` or encoder/bottleneck/decoder/head", t.pos
            )
        for section in ["layers"] if "layers" in t else body:
            items = self.expect_list(t[section], position_of(t, section), section)
            prefix = "" if section == "layers" else section
            current = self.items(items, current, env, self.globals, prefix, None, top=True)
        if len(self.nodes) == 1:
            raise SkipcheckError("the spec has no layers", t.pos)
        output = None
        if "output" in t:
            output = self.declared(t["output"], position_of(t, "output"), "output")
        outputs = self.outputs(t) if "outputs" in t else []
        name = t.get("name", file_stem(self.file))
        return Graph(
            file=self.file,
            name=str(name),
            nodes=self.nodes,
            names=dict(self.globals.names),
            input_dims=input_dims,
            input_pos=position_of(t, "input"),
            output=output,
            output_pos=position_of(t, "output") if "output" in t else None,
            stages=self.stages,
            params=env,
            version=self.version,
            end=current,
            outputs=outputs,
        )

    def requirements(self, t: YMap, input_dims: tuple[Any, ...], current: int) -> int:
        """``require:`` — conditions on single input sizes, each a node after the input."""
        from skipcheck.graph import AXIS_NAMES
        from skipcheck.ops.require import parse

        pos = position_of(t, "require")
        self.needs_11("`require:`", t.key_pos["require"])
        value = t["require"]
        usage = (
            'require is a list of conditions on input sizes: ["H % 32 == 0", '
            '{condition: "W >= 64", source: "model.py:12"}]'
        )
        if not isinstance(value, YList) or not value:
            raise SkipcheckError(usage, pos)
        rank = len(input_dims) - 2
        names = [
            d if isinstance(d, str) else default
            for d, default in zip(input_dims[2:], AXIS_NAMES.get(rank, ()), strict=False)
        ]
        for k, item in enumerate(value):
            ipos = position_of(value, k)
            source = ""
            if isinstance(item, YMap):
                unknown = [key for key in item if key not in ("condition", "source")]
                if unknown or "condition" not in item:
                    raise SkipcheckError(usage, ipos)
                text, source = item["condition"], item.get("source", "")
                if not isinstance(source, str):
                    raise SkipcheckError("a requirement's source is text", ipos)
            else:
                text = item
            if not isinstance(text, str):
                raise SkipcheckError(usage, ipos)
            got = parse(text)
            if got is None:
                raise SkipcheckError(
                    f"{text!r}: a requirement compares one input size with a number "
                    '("H >= 64", "W == 224") or a residue ("H % 32 == 0", "H % 2 != 1")',
                    ipos,
                )
            axis, test, number, modulus = got
            from skipcheck.shapes.sizeset import MAX_SET_MODULUS

            # a period (or `!=`'s value) past the exact sets' cap could not be answered exactly
            if max(modulus, number + 1 if test == "!=" else 0) > MAX_SET_MODULUS or (
                number > MAX_INPUT_SIZE
            ):
                raise SkipcheckError(
                    f"{text!r}: numbers in a requirement are at most {MAX_SET_MODULUS:,} "
                    f"(a period) and {MAX_INPUT_SIZE:,} (a size)",
                    ipos,
                )
            if axis not in names:
                raise SkipcheckError(
                    f"{text!r} names no input size: the input's are {', '.join(names)}", ipos
                )
            params = {
                "axis": names.index(axis),
                "test": test,
                "value": number,
                "modulus": modulus,
                "condition": " ".join(text.split()),
                "source": " ".join(source.split())[:300],
            }
            current = self.add(
                "require",
                params,
                (current,),
                ipos,
                f"require_{k}",
                None,
                skips=(" ".join(text.split()),),
            )
        return current

    def needs_11(self, what: str, pos: Position) -> None:
        """Format 1.1 features need `skipcheck: 1.1`: a 1.0 file keeps its exact meaning."""
        if self.version == "1":
            raise SkipcheckError(
                f"{what} is new in format 1.1; write `skipcheck: 1.1` at the top to use it", pos
            )

    def outputs(self, t: YMap) -> list[Output]:
        pos = position_of(t, "outputs")
        self.needs_11("`outputs:`", t.key_pos["outputs"])
        if "output" in t:
            raise SkipcheckError(
                "use either `output:` (one output) or `outputs:` (several), not both", pos
            )
        value = t["outputs"]
        if not isinstance(value, YList) or not value:
            raise SkipcheckError(
                "outputs is a list of names, each optionally with its shape: "
                "[p2, {p3: [N, 256, H/8, W/8]}]",
                pos,
            )
        out: list[Output] = []
        for k, item in enumerate(value):
            ipos = position_of(value, k)
            shape = None
            if isinstance(item, YMap) and len(item) == 1:
                ref = next(iter(item))
                ipos = item.key_pos[ref]
                if item[ref] is not None:
                    shape = self.declared(item[ref], position_of(item, ref), f"output {ref}")
            elif isinstance(item, str):
                ref = item
            else:
                raise SkipcheckError(
                    f"an output is a name (`- p2`) or a name with its shape (`- p2: [N, 256, H/4, W/4]`), not a {_kind(item)}",
                    ipos,
                )
            if any(o.name == ref for o in out):
                raise SkipcheckError(f"output {ref!r} is listed twice", ipos)
            out.append(Output(ref, self.reference(ref, ipos, self.globals), shape, ipos))
        return out

    def input_shape(self, value: Any, pos: Position) -> tuple[Any, ...]:
        if not isinstance(value, list) or not value:
            raise SkipcheckError("input must be a list like [N, 3, H, W] or [1, 3, 256, 256]", pos)
        dims: list[Any] = []
        for k, d in enumerate(value):
            dpos = position_of(value, k) if isinstance(value, YList) else pos
            if isinstance(d, bool) or not isinstance(d, (int, str)):
                raise SkipcheckError(
                    f"input sizes are whole numbers or symbols like H, not {d!r}", dpos
                )
            if isinstance(d, str) and not _IDENT.match(d):
                raise SkipcheckError(f"input symbol {d!r} must be a plain name like H", dpos)
            if isinstance(d, int) and not 1 <= d <= MAX_INPUT_SIZE:
                raise SkipcheckError(
                    f"input size {d} is out of range (1 to {MAX_INPUT_SIZE:,})", dpos
                )
            dims.append(d)
        if len(dims) < 3:
            raise SkipcheckError(
                f"input {dims} needs batch, channels and at least one spatial size", pos
            )
        if isinstance(dims[1], str):
            raise SkipcheckError(
                "the input's channel count must be a number",
                position_of(value, 1) if isinstance(value, YList) else pos,
            )
        return tuple(dims)

    def params(self, value: Any) -> dict[str, Any]:
        env: dict[str, Any] = {}
        if value is None:
            value = YMap()
            value.pos, value.key_pos, value.value_pos = self.tree.pos, {}, {}
        if not isinstance(value, YMap):
            raise SkipcheckError(
                "params must be a mapping like {base: 64}", getattr(value, "pos", self.tree.pos)
            )
        for key in self.overrides:
            if key not in value:
                raise SkipcheckError(
                    f"--set {key}: there is no param {key!r}{did_you_mean(key, value)} (params: {', '.join(value) or 'none'})"
                )
        for key, raw in value.items():
            if not _IDENT.match(key):
                raise SkipcheckError(f"param name {key!r} must be a plain name", value.key_pos[key])
            raw = self.overrides.get(key, raw)
            env[key] = self.number(raw, env, position_of(value, key), f"param {key}")
        return env

    def read_blocks(self, value: Any) -> None:
        if value is None:
            return
        if not isinstance(value, YMap):
            raise SkipcheckError(
                "blocks must be a mapping of block names", getattr(value, "pos", self.tree.pos)
            )
        for name, body in value.items():
            pos = value.key_pos[name]
            if not isinstance(name, str) or not _IDENT.match(name):
                # a block name becomes part of module paths and generated code
                raise SkipcheckError(f"block name {name!r} must be a plain name", pos)
            if name in OPS or name in ("residual", "stage", "branch"):
                raise SkipcheckError(f"block name {name!r} is already an op name", pos)
            if (op := reads_as_op(name)) is not None:
                # the schema underlines `conv2d:` even where blocks exist: no block is named so
                raise SkipcheckError(
                    f"block name {name!r} reads as the op {op!r} (torch's spelling, or a "
                    "slip): name the block otherwise, so that a layer using it is never "
                    "taken for a misspelt op",
                    pos,
                )
            if not isinstance(body, YMap):
                raise SkipcheckError(
                    f"block {name!r} must be a mapping with `layers:` (and `args:`)", pos
                )
            for key in body:
                if key not in ("args", "layers", "description"):
                    raise SkipcheckError(
                        f"unknown key {key!r} in block {name!r}{did_you_mean(key, ('args', 'layers'))}",
                        body.key_pos[key],
                    )
            args: list[tuple[str, Any]] = []
            raw_args = body.get("args", [])
            if not isinstance(raw_args, list):
                raise SkipcheckError(
                    "args must be a list like [ch, pad=0]", position_of(body, "args")
                )
            for k, arg in enumerate(raw_args):
                apos = position_of(raw_args, k) if isinstance(raw_args, YList) else pos
                if not isinstance(arg, str):
                    raise SkipcheckError(
                        f"block argument must be a name or name=default, not {arg!r}", apos
                    )
                arg_name, _, default = arg.partition("=")
                arg_name = arg_name.strip()
                if not _IDENT.match(arg_name):
                    raise SkipcheckError(f"block argument {arg_name!r} must be a plain name", apos)
                args.append((arg_name, default.strip() if default else _REQUIRED))
            if "layers" not in body:
                raise SkipcheckError(f"block {name!r} has no `layers:`", pos)
            layers = self.expect_list(body["layers"], position_of(body, "layers"), f"block {name}")
            self.blocks[name] = Block(name, args, layers, pos)

    def collect_names(self, t: YMap) -> None:
        """Every name written anywhere, so a forward reference gets its own message."""
        stack: list[Any] = [t.get(s) for s in ("layers", *SECTIONS)]
        while stack:
            item = stack.pop()
            if isinstance(item, YMap):
                for key in ("stage", "name"):
                    if isinstance(item.get(key), str):
                        self.declared_later.add(item[key])
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)

    # -- layers ------------------------------------------------------------
    def items(
        self,
        items: YList,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        prefix: str,
        stage: str | None,
        top: bool = False,
    ) -> int:
        for k, item in enumerate(items):
            pos = position_of(items, k)
            if isinstance(item, YMap) and "stage" in item:
                if not top:
                    raise SkipcheckError(
                        "a stage can only appear directly in a section list, not inside layers", pos
                    )
                current = self.stage(item, current, env)
                continue
            current = self.layer(item, pos, current, env, scope, _join(prefix, str(k)), stage)
        return current

    def stage(self, item: YMap, current: int, env: dict[str, Any]) -> int:
        for key in item:
            if key not in ("stage", "layers", "expect", "description"):
                raise SkipcheckError(
                    f"unknown key {key!r} in a stage{did_you_mean(key, ('stage', 'layers', 'expect'))}",
                    item.key_pos[key],
                )
        name = item["stage"]
        pos = position_of(item, "stage")
        if not isinstance(name, str) or not _IDENT.match(name):
            raise SkipcheckError(f"stage name must be a plain name, not {name!r}", pos)
        if self.globals.find(name) is not None:
            raise SkipcheckError(f"name {name!r} is used twice", pos)
        if "layers" not in item:
            raise SkipcheckError(f"stage {name!r} has no `layers:`", item.pos)
        layers = self.expect_list(item["layers"], position_of(item, "layers"), f"stage {name}")
        start = len(self.nodes)
        current = self.items(layers, current, env, self.globals, name, name)
        if len(self.nodes) == start:
            raise SkipcheckError(f"stage {name!r} has no layers", item.pos)
        self.globals.names[name] = current
        self.stages.append((name, current))
        if self.nodes[current].name is None:
            self.nodes[current].name = name
        if "expect" in item:
            self.expect(item, current, f"stage {name}")
        return current

    def expect(self, item: YMap, node: int, what: str) -> None:
        """Attach the item's ``expect:`` shape to the node that produces it."""
        pos = position_of(item, "expect")
        self.nodes[node].expects.append((self.declared(item["expect"], pos, "expect"), pos, what))

    def layer(
        self,
        item: Any,
        pos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
    ) -> int:
        if isinstance(item, str):
            return self.call(item, None, pos, pos, current, env, scope, path, stage, None)
        if not isinstance(item, YMap):
            raise SkipcheckError(
                f"a layer is `- op: {{...}}` or `- op`, not a {_kind(item)}",
                getattr(item, "pos", pos),
            )
        keys = [k for k in item if k not in LAYER_KEYS]
        if len(keys) != 1:
            if not keys:
                raise SkipcheckError(f"this layer names no op (only {', '.join(item)})", item.pos)
            raise SkipcheckError(
                f"one layer per list item: found {', '.join(keys)} together (write each as its own `- op:` item)",
                item.key_pos[keys[1]],
            )
        op = keys[0]
        repeat = 1
        if "repeat" in item:
            repeat = self.integer(
                item["repeat"], env, position_of(item, "repeat"), "repeat", minimum=0
            )
            if repeat > MAX_REPEAT:
                raise SkipcheckError(
                    f"repeat {repeat} is more than {MAX_REPEAT}", position_of(item, "repeat")
                )
        name = item.get("name")
        if name is not None and (not isinstance(name, str) or not _IDENT.match(name)):
            raise SkipcheckError(
                f"name must be a plain name, not {name!r}", position_of(item, "name")
            )
        before = len(self.nodes)
        for i in range(repeat):
            if i == 1 and not self.uses_index(item):
                # every repeat adds what the first did: refuse a model past the cap now,
                # not after building 200,000 layers of a block fan-out
                added = len(self.nodes) - before
                if len(self.nodes) + added * (repeat - 1) > MAX_NODES:
                    raise SkipcheckError(
                        f"the model expands to more than {MAX_NODES:,} layers "
                        f"(repeat {repeat} of {added:,} layers at this point)",
                        position_of(item, "repeat"),
                    )
            loop_env = {**env, "i": i} if "repeat" in item else env
            loop_path = f"{path}_{i}" if repeat > 1 else path
            current = self.call(
                op,
                item[op],
                item.key_pos[op],
                position_of(item, op),
                current,
                loop_env,
                scope,
                loop_path,
                stage,
                item,
            )
        if name is not None:
            if scope.find(name) is not None and scope is self.globals:
                raise SkipcheckError(f"name {name!r} is used twice", position_of(item, "name"))
            scope.names[name] = current
            self.nodes[current].name = name
        if "expect" in item and current != 0:
            self.expect(item, current, self.nodes[current].label)
        return current

    def uses_index(self, value: Any) -> bool:
        """Whether the repeat index ``i`` may change what ``value`` expands to: written
        anywhere in it, or in a block it calls (transitively). Without it, each repeat of
        a layer is the same layers again."""
        if isinstance(value, str):
            return _INDEX.search(value) is not None
        if isinstance(value, YList):
            return any(self.uses_index(v) for v in value)
        if isinstance(value, YMap):
            return any(
                self.uses_index(k) or self.uses_index(v) or self.block_uses_index(k)
                for k, v in value.items()
            )
        return False

    def block_uses_index(self, name: Any) -> bool:
        block = self.blocks.get(name) if isinstance(name, str) else None
        if block is None:
            return False
        known = self.index_users.get(block.name)
        if known is None:
            self.index_users[block.name] = True  # a recursive call: assume it may
            known = self.uses_index(block.layers) or any(
                d is not _REQUIRED and self.uses_index(d) for _, d in block.args
            )
            self.index_users[block.name] = known
        return known

    def call(
        self,
        op: str,
        args: Any,
        pos: Position,
        vpos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
        item: YMap | None,
    ) -> int:
        if op in self.blocks:
            return self.block(self.blocks[op], args, pos, vpos, current, env, scope, path, stage)
        if op == "residual":
            return self.residual(args, pos, current, env, scope, path, stage)
        if op == "branch":
            self.needs_11("`branch:`", pos)
            return self.branch(args, pos, current, env, scope, path, stage, item)
        if op == "require":
            raise SkipcheckError(
                "`require` is a top-level list of conditions on the input, not a layer", pos
            )
        if op not in OPS:
            known = [*OPS, *self.blocks, "residual", "branch"]
            raise SkipcheckError(f"unknown op or block {op!r}{did_you_mean(op, known)}", pos)
        if OPS[op].since != "1":
            self.needs_11(f"the op {op!r}", pos)
        if op in MERGE_OPS:
            return self.merge(op, args, pos, vpos, current, env, scope, path, stage)
        if op == "resize_to":
            return self.resize_to(args, pos, vpos, current, env, scope, path, stage)
        params, ppos = self.op_params(OPS[op], op, args, pos, vpos, env)
        return self.add(op, params, (current,), pos, _join(path, op), stage, ppos)

    def add(
        self,
        op: str,
        params: dict[str, Any],
        inputs: tuple[int, ...],
        pos: Position,
        path: str,
        stage: str | None,
        ppos: dict[str, Position] | None = None,
        skips: tuple[str, ...] = (),
        group: str | None = None,
    ) -> int:
        if len(self.nodes) >= MAX_NODES:
            raise SkipcheckError(
                f"the model expands to more than {MAX_NODES:,} layers (a repeat too large?)", pos
            )
        node = Node(
            len(self.nodes),
            OPS[op].name,
            params,
            inputs,
            pos,
            path,
            stage,
            param_pos=ppos or {},
            skips=skips,
            group=group,
            calls=tuple(self.call_stack),
        )
        self.nodes.append(node)
        return node.id

    def block(
        self,
        block: Block,
        args: Any,
        pos: Position,
        vpos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
    ) -> int:
        if block.name in self.block_stack:
            chain = " → ".join(
                [*self.block_stack[self.block_stack.index(block.name) :], block.name]
            )
            raise SkipcheckError(f"block recursion: {chain}", pos)
        if len(self.block_stack) >= MAX_BLOCK_DEPTH:
            raise SkipcheckError(f"blocks nest more than {MAX_BLOCK_DEPTH} deep", pos)
        given: dict[str, Any] = {}
        if args is None:
            args = {}
        if not isinstance(args, dict):
            if len(block.args) >= 1 and not isinstance(args, list):
                args = {block.args[0][0]: args}
            else:
                raise SkipcheckError(
                    f"block {block.name!r} takes a mapping of arguments like {{{', '.join(a for a, _ in block.args)}}}",
                    vpos,
                )
        names = [a for a, _ in block.args]
        for key in args:
            if key not in names:
                raise SkipcheckError(
                    f"block {block.name!r} has no argument {key!r}{did_you_mean(key, names)} (arguments: {', '.join(names) or 'none'})",
                    args.key_pos.get(key, vpos) if isinstance(args, YMap) else vpos,
                )
        inner = {k: v for k, v in env.items()}
        for arg, default in block.args:
            if arg in args:
                apos = position_of(args, arg) if isinstance(args, YMap) else vpos
                given[arg] = self.number_or_text(args[arg], env, apos, f"argument {arg}")
            elif default is _REQUIRED:
                raise SkipcheckError(f"block {block.name!r} needs argument {arg!r}", vpos)
            else:
                given[arg] = self.number_or_text(
                    default, {**inner, **given}, block.pos, f"default of {arg}"
                )
        inner.update(given)
        local = _Scope(parent=scope)
        if self.version != "1":
            # format 1.1: an argument that names an earlier tensor passes that tensor
            # (`- up_block: {ch: 64, skip: enc2}`); inside, `concat: skip` refers to it
            for arg, value in given.items():
                if isinstance(value, str) and arg in args:
                    found = 0 if value == "input" else scope.find(value)
                    if found is not None:
                        local.names[arg] = found
                    elif value in self.declared_later:
                        raise SkipcheckError(
                            f"argument {arg}: {value!r} is defined later in the file; "
                            "a block can only take an earlier tensor",
                            position_of(args, arg) if isinstance(args, YMap) else vpos,
                        )
        self.block_stack.append(block.name)
        self.call_stack.append(pos)
        try:
            return self.items(block.layers, current, inner, local, _join(path, block.name), stage)
        finally:
            self.block_stack.pop()
            self.call_stack.pop()

    def residual(
        self,
        args: Any,
        pos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
    ) -> int:
        args = _construct(
            args, ("body", "shortcut", "merge"), "residual", "{body: [...], merge: add}", pos
        )
        if "body" not in args:
            raise SkipcheckError("residual needs a `body:` list", pos)
        path = _join(path, "residual")
        body = self.expect_list(args["body"], position_of(args, "body"), "body")
        out = self.items(body, current, env, _Scope(parent=scope), _join(path, "body"), stage)
        short = current
        if args.get("shortcut") is not None:
            sc = self.expect_list(args["shortcut"], position_of(args, "shortcut"), "shortcut")
            short = self.items(
                sc, current, env, _Scope(parent=scope), _join(path, "shortcut"), stage
            )
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
            self.needs_11(f"merge: {merge}", position_of(args, "merge"))
        return self.add(
            merge, {"align": "none", "residual": True}, inputs, pos, _join(path, merge), stage
        )

    def branch(
        self,
        args: Any,
        pos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
        item: YMap | None,
    ) -> int:
        """A named side branch: layers from an earlier tensor; the running tensor goes on unchanged."""
        args = _construct(
            args, BRANCH_KEYS, "branch", "{name: aux, from: enc3, layers: [...]}", pos
        )
        if item is not None:
            for key in LAYER_KEYS:
                if key in item:
                    raise SkipcheckError(
                        f"a branch takes `{key}` inside it ({{name: ..., from: ..., layers: [...]}}); "
                        "the running tensor goes on unchanged",
                        item.key_pos[key],
                    )
        name = args.get("name")
        if not isinstance(name, str) or not _IDENT.match(name):
            raise SkipcheckError(
                f"a branch needs `name:`, a plain name later layers refer to, not {name!r}",
                position_of(args, "name") if "name" in args else pos,
            )
        if scope.find(name) is not None or name == "input":
            raise SkipcheckError(f"name {name!r} is used twice", position_of(args, "name"))
        start = current
        if args.get("from") is not None:
            start = self.reference(args["from"], position_of(args, "from"), scope)
        if "layers" not in args:
            raise SkipcheckError(f"branch {name!r} needs `layers:`", pos)
        layers = self.expect_list(args["layers"], position_of(args, "layers"), f"branch {name}")
        first = len(self.nodes)
        end = self.items(layers, start, env, _Scope(parent=scope), _join(path, name), stage)
        if len(self.nodes) == first:
            raise SkipcheckError(f"branch {name!r} has no layers", position_of(args, "layers"))
        for n in self.nodes[first:]:
            n.group = n.group or "branch"
        scope.names[name] = end
        self.nodes[end].name = name
        if "expect" in args:
            self.expect(args, end, f"branch {name}")
        return current

    def merge(
        self,
        op: str,
        args: Any,
        pos: Position,
        vpos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
    ) -> int:
        if not isinstance(args, YMap):
            args_map: dict[str, Any] = {"skip": args}
            ppos = {"skip": vpos}
        else:
            args_map = dict(args)
            ppos = {k: position_of(args, k) for k in args}
            for key in args:
                if key not in ("skip", "via", "align"):
                    raise SkipcheckError(
                        f"unknown key {key!r} in {op}{did_you_mean(key, ('skip', 'via', 'align'))}",
                        args.key_pos[key],
                    )
        if args_map.get("skip") is None:
            raise SkipcheckError(f"{op} needs a skip: `{op}: enc4` or `{op}: {{skip: enc4}}`", vpos)
        refs = args_map["skip"] if isinstance(args_map["skip"], list) else [args_map["skip"]]
        align = args_map.get("align", "none")
        if align in ("pad", "interpolate") and len(refs) > 1:
            # the running tensor takes one skip's size; which one would be a guess
            raise SkipcheckError(
                f"align: {align} brings the running tensor to one skip's size; "
                f"give one skip, or merge the skips in two steps",
                ppos.get("align", pos),
            )
        if align not in ("none", "center_crop", "pad", "interpolate"):
            raise SkipcheckError(
                f"align must be none, center_crop, pad or interpolate, not {align!r}{did_you_mean(str(align), ('none', 'center_crop', 'pad', 'interpolate'))}",
                ppos.get("align", pos),
            )
        path = _join(path, op)
        inputs = [current]
        for k, ref in enumerate(refs):
            rpos = ppos.get("skip", vpos)
            if isinstance(args_map["skip"], YList):
                rpos = position_of(args_map["skip"], k)
            skip = self.reference(ref, rpos, scope)
            if args_map.get("via") is not None:
                via = self.expect_list(args_map["via"], ppos.get("via", pos), "via")
                skip = self.items(
                    via,
                    skip,
                    env,
                    _Scope(parent=scope),
                    _join(path, "via" if len(refs) == 1 else f"via{k}"),
                    stage,
                )
                for n in self.nodes[-1:]:
                    n.group = "via"
            inputs.append(skip)
        return self.add(
            op,
            {"align": align},
            tuple(inputs),
            pos,
            path,
            stage,
            ppos,
            skips=tuple(str(r) for r in refs),
        )

    def resize_to(
        self,
        args: Any,
        pos: Position,
        vpos: Position,
        current: int,
        env: dict[str, Any],
        scope: _Scope,
        path: str,
        stage: str | None,
    ) -> int:
        """``resize_to: e1`` or ``{size_of: e1, mode: bilinear}``: a second input, for its size."""
        if isinstance(args, YMap):
            rest = YMap({k: v for k, v in args.items() if k != "size_of"})
            rest.key_pos = {k: p for k, p in args.key_pos.items() if k != "size_of"}
            rest.value_pos = {k: p for k, p in args.value_pos.items() if k != "size_of"}
            rest.pos = args.pos
            ref, rpos = args.get("size_of"), position_of(args, "size_of")
            params, ppos = self.op_params(OPS["resize_to"], "resize_to", rest, pos, vpos, env)
        else:
            ref, rpos = args, vpos
            params, ppos = self.op_params(OPS["resize_to"], "resize_to", None, pos, vpos, env)
        if not isinstance(ref, str):
            raise SkipcheckError(
                "resize_to needs the tensor whose size to take: `resize_to: enc1` or "
                "`resize_to: {size_of: enc1, mode: bilinear}`",
                rpos if ref is not None else vpos,
            )
        like = self.reference(ref, rpos, scope)
        params["size_of"] = ref
        return self.add(
            "resize_to",
            params,
            (current, like),
            pos,
            _join(path, "resize_to"),
            stage,
            ppos,
            skips=(ref,),
        )

    def reference(self, ref: Any, pos: Position, scope: _Scope) -> int:
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

    # -- values ------------------------------------------------------------
    def op_params(
        self, op: Op, name: str, args: Any, pos: Position, vpos: Position, env: dict[str, Any]
    ) -> tuple[dict[str, Any], dict[str, Position]]:
        given: dict[str, Any] = {}
        ppos: dict[str, Position] = {}
        if args is None:
            pass
        elif isinstance(args, YMap):
            known = op.by_name()
            for key in args:
                if key not in known:
                    hint = did_you_mean(key, list(known))
                    extra = " (it is inferred from the input)" if key in DECLARED_INPUT else ""
                    raise SkipcheckError(
                        f"{name} has no parameter {key!r}{hint}{extra}; it takes: {', '.join(known) or 'none'}",
                        args.key_pos[key],
                    )
                given[key] = args[key]
                ppos[key] = position_of(args, key)
                if key in DECLARED_INPUT and self.version == "1":
                    raise SkipcheckError(
                        f"{name}'s {key} is inferred from the input in format 1; "
                        "write `skipcheck: 1.1` at the top to state it (it is then checked)",
                        args.key_pos[key],
                    )
                if known[key].since != "1":
                    self.needs_11(f"{name}'s parameter {key!r}", args.key_pos[key])
        elif op.primary is not None:
            given[op.primary] = args
            ppos[op.primary] = vpos
        else:
            raise SkipcheckError(
                f"{name} takes no value here; write `- {name}` or `- {name}: {{...}}`", vpos
            )
        params: dict[str, Any] = {}
        for p in op.params:
            if p.name in given:
                params[p.name] = self.convert(p, given[p.name], env, ppos[p.name], name)
            elif p.required:
                raise SkipcheckError(f"{name} needs {p.name}", pos)
            else:
                params[p.name] = p.default
        return params, ppos

    def convert(self, p: Param, value: Any, env: dict[str, Any], pos: Position, op: str) -> Any:
        what = f"{op} {p.name}"
        if p.kind == "int":
            return self.integer(value, env, pos, what, p.minimum)
        if p.kind in ("ints", "padding"):
            if p.kind == "padding" and value in ("same", "valid"):
                return value
            if isinstance(value, list):
                if not value:
                    raise SkipcheckError(f"{what} is an empty list", pos)
                return [
                    self.integer(
                        v,
                        env,
                        position_of(value, k) if isinstance(value, YList) else pos,
                        what,
                        p.minimum,
                    )
                    for k, v in enumerate(value)
                ]
            return self.integer(value, env, pos, what, p.minimum)
        if p.kind == "sizes":
            if value is None:
                return None
            if isinstance(value, list):
                return [
                    None if v is None else self.integer(v, env, pos, what, p.minimum) for v in value
                ]
            return self.integer(value, env, pos, what, p.minimum)
        if p.kind == "number":
            number = self.number(value, env, pos, what)
            low, high = p.minimum, p.maximum
            if (low is not None and number < low) or (high is not None and number > high):
                raise SkipcheckError(f"{what} must be between {low} and {high}, not {number}", pos)
            return number
        if p.kind == "numbers":
            if value is None:
                return None
            if isinstance(value, list):
                return [self.positive(v, env, pos, what) for v in value]
            return self.positive(value, env, pos, what)
        if p.kind == "bool":
            if value is None and p.default is None:
                return None
            if not isinstance(value, bool):
                raise SkipcheckError(f"{what} must be true or false, not {value!r}", pos)
            return value
        if p.kind == "choice":
            if value not in p.choices:
                raise SkipcheckError(
                    f"{what} must be one of {', '.join(p.choices)}, not {value!r}{did_you_mean(str(value), p.choices)}",
                    pos,
                )
            return value
        raise SkipcheckError(f"{what}: unsupported value {value!r}", pos)  # pragma: no cover

    def number(self, value: Any, env: dict[str, Any], pos: Position, what: str) -> int | float:
        if isinstance(value, bool):
            raise SkipcheckError(f"{what} must be a number, not {value}", pos)
        if isinstance(value, (int, float)):
            if isinstance(value, int) and abs(value) > 2**62:
                raise SkipcheckError(f"{what} = {value} is far too large", pos)
            if (isinstance(value, float) and value != value) or value in (
                float("inf"),
                float("-inf"),
            ):
                raise SkipcheckError(f"{what} must be a finite number", pos)
            return value
        if isinstance(value, str):
            try:
                result = evaluate(value, env)
            except ExprError as exc:
                raise SkipcheckError(f"{what}: {exc}", pos) from None
            if not isinstance(result, (int, float)) or isinstance(result, bool):
                raise SkipcheckError(f"{what}: {value!r} is not a number", pos)
            return result
        raise SkipcheckError(f"{what} must be a number or an expression, not a {_kind(value)}", pos)

    def number_or_text(self, value: Any, env: dict[str, Any], pos: Position, what: str) -> Any:
        """Block arguments are numbers, except plain words (a mode name, say) that stay text."""
        if isinstance(value, str) and _IDENT.match(value) and value not in env:
            return value
        if isinstance(value, (list, bool)) or value is None:
            return value
        return self.number(value, env, pos, what)

    def positive(self, value: Any, env: dict[str, Any], pos: Position, what: str) -> int | float:
        v = self.number(value, env, pos, what)
        if v <= 0:
            raise SkipcheckError(f"{what} must be positive, not {v}", pos)
        return v

    def integer(
        self, value: Any, env: dict[str, Any], pos: Position, what: str, minimum: int | None = None
    ) -> int:
        v = self.number(value, env, pos, what)
        if isinstance(v, float):
            if not v.is_integer():
                # an expression is shown with its value; a number as written says it all
                shown = f"but {value!r} is {v:g}" if isinstance(value, str) else f"not {v:g}"
                raise SkipcheckError(f"{what} must be a whole number, {shown}", pos)
            v = int(v)
        if minimum is not None and v < minimum:
            raise SkipcheckError(f"{what} must be at least {minimum}, not {v}", pos)
        if abs(v) > MAX_CHANNELS:
            raise SkipcheckError(f"{what} = {v:,} is out of range (at most {MAX_CHANNELS:,})", pos)
        return v

    def declared(self, value: Any, pos: Position, what: str) -> tuple[Any, ...]:
        if not isinstance(value, list) or not value:
            raise SkipcheckError(f"{what} must be a shape like [N, 64, H/2, W/2]", pos)
        out = []
        for k, d in enumerate(value):
            if isinstance(d, bool) or not isinstance(d, (int, str)):
                raise SkipcheckError(
                    f"{what} sizes are numbers, symbols or arithmetic like H/2, not {d!r}",
                    position_of(value, k) if isinstance(value, YList) else pos,
                )
            if isinstance(d, int) and abs(d) > MAX_INPUT_SIZE:
                # the input's own limit: a declared size beyond it can never match
                raise SkipcheckError(
                    f"{what} size {d:,} is out of range (at most {MAX_INPUT_SIZE:,})",
                    position_of(value, k) if isinstance(value, YList) else pos,
                )
            out.append(d)
        return tuple(out)

    def expect_list(self, value: Any, pos: Position, what: str) -> YList:
        if not isinstance(value, YList):
            raise SkipcheckError(f"{what} must be a list of layers, not a {_kind(value)}", pos)
        return value


def _join(prefix: str, part: str) -> str:
    return f"{prefix}.{part}" if prefix else part


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    return type(value).__name__


def file_stem(path: str) -> str:
    base = path.replace("\\", "/").rsplit("/", 1)[-1]
    return base.rsplit(".", 1)[0]


def _construct(args: Any, keys: tuple[str, ...], what: str, usage: str, pos: Position) -> YMap:
    """The mapping of a ``residual:`` or ``branch:``, its keys checked with a did-you-mean."""
    if not isinstance(args, YMap):
        raise SkipcheckError(f"{what} takes a mapping: {usage}", pos)
    for key in args:
        if key not in keys:
            raise SkipcheckError(
                f"unknown key {key!r} in {what}{did_you_mean(key, keys)}", args.key_pos[key]
            )
    return args
