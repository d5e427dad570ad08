"""``blocks:`` — reading the definitions, binding a call's arguments, and whether a block
reads the repeat index ``i``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.position import Position
from skipcheck.ops import OPS
from skipcheck.specfile.names import reads_as_op
from skipcheck.specfile.values import IDENT, as_written, did_you_mean, layer_list, number_or_text
from skipcheck.specfile.yamltree import YList, YMap, position_of

_INDEX = re.compile(r"(?<![A-Za-z0-9_.])i(?![A-Za-z0-9_])")  # the repeat index in an expression
REQUIRED = object()  # an argument without a default


@dataclass(frozen=True)
class Block:
    name: str
    args: tuple[tuple[str, Any], ...]  # (name, default expression or REQUIRED)
    layers: YList
    pos: Position
    # found from args once, not at each call: the arguments' names in order, and the value
    # of each default that reads no name (``pad=0``)
    names: tuple[str, ...] = field(compare=False)
    fixed: dict[str, Any] = field(compare=False)


@dataclass
class Blocks:
    """The blocks a spec defines, by name."""

    defined: dict[str, Block] = field(default_factory=dict)
    _index_users: dict[str, bool] = field(default_factory=dict)  # may its expansion read `i`

    @classmethod
    def read(cls, value: Any, top: Position) -> Blocks:
        """``blocks:`` of a spec (``top``: where the spec starts, for a missing position)."""
        blocks = cls()
        if value is None:
            return blocks
        if not isinstance(value, YMap):
            raise SkipcheckError(
                "blocks must be a mapping of block names", getattr(value, "pos", top)
            )
        for name, body in value.items():
            blocks.defined[name] = _block(name, body, value.key_pos[name])
        return blocks

    def __contains__(self, name: object) -> bool:
        return name in self.defined

    def __getitem__(self, name: str) -> Block:
        return self.defined[name]

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
                self.uses_index(k) or self.uses_index(v) or self._block_uses_index(k)
                for k, v in value.items()
            )
        return False

    def _block_uses_index(self, name: Any) -> bool:
        block = self.defined.get(name) if isinstance(name, str) else None
        if block is None:
            return False
        known = self._index_users.get(block.name)
        if known is None:
            self._index_users[block.name] = True  # a recursive call: assume it may
            known = self.uses_index(block.layers) or any(
                d is not REQUIRED and self.uses_index(d) for _, d in block.args
            )
            self._index_users[block.name] = known
        return known


def _block(name: Any, body: Any, pos: Position) -> Block:
    if not isinstance(name, str) or not IDENT.match(name):
        # a block name becomes part of module paths and generated code
        raise SkipcheckError(f"block name {name!r} must be a plain name", pos)
    if name in OPS or name in ("residual", "stage", "branch"):
        raise SkipcheckError(f"block name {name!r} is already an op name", pos)
    if (op := reads_as_op(name)) is not None:
        # the schema underlines `conv2d:` even where blocks exist: no block is named so
        raise SkipcheckError(
            f"block name {name!r} reads as the op {op!r} (torch's spelling, or a slip): name "
            "the block otherwise, so that a layer using it is never taken for a misspelt op",
            pos,
        )
    if not isinstance(body, YMap):
        raise SkipcheckError(f"block {name!r} must be a mapping with `layers:` (and `args:`)", pos)
    for key in body:
        if key not in ("args", "layers", "description"):
            raise SkipcheckError(
                f"unknown key {key!r} in block {name!r}{did_you_mean(key, ('args', 'layers'))}",
                body.key_pos[key],
            )
    args: list[tuple[str, Any]] = []
    raw_args = body.get("args", [])
    if not isinstance(raw_args, list):
        raise SkipcheckError("args must be a list like [ch, pad=0]", position_of(body, "args"))
    for k, arg in enumerate(raw_args):
        apos = position_of(raw_args, k) if isinstance(raw_args, YList) else pos
        if not isinstance(arg, str):
            raise SkipcheckError(
                f"block argument must be a name or name=default, not {arg!r}", apos
            )
        arg_name, _, default = arg.partition("=")
        arg_name = arg_name.strip()
        if not IDENT.match(arg_name):
            raise SkipcheckError(f"block argument {arg_name!r} must be a plain name", apos)
        args.append((arg_name, default.strip() if default else REQUIRED))
    if "layers" not in body:
        raise SkipcheckError(f"block {name!r} has no `layers:`", pos)
    layers = layer_list(body["layers"], position_of(body, "layers"), f"block {name}")
    return Block(name, tuple(args), layers, pos, tuple(a for a, _ in args), _fixed(args, pos))


def _fixed(args: list[tuple[str, Any]], pos: Position) -> dict[str, Any]:
    """The defaults whose value no call can change: text that reads no name (read here
    without any, it is read whole) and is no plain word (which a param of that name would
    turn into a number). One that cannot be read is left to the call, where its error is."""
    fixed: dict[str, Any] = {}
    for arg, default in args:
        if default is REQUIRED or IDENT.match(default):
            continue
        try:
            fixed[arg] = number_or_text(default, {}, pos, arg)
        except SkipcheckError:
            continue
    return fixed


def call_arguments(block: Block, args: Any, vpos: Position) -> Mapping[str, Any]:
    """The arguments written at a call, as a mapping (``- conv_block: 64`` gives the first)."""
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
    names = block.names
    for key in args:
        if key not in names:
            raise SkipcheckError(
                f"block {block.name!r} has no argument {key!r}{did_you_mean(key, names)} (arguments: {', '.join(names) or 'none'})",
                args.key_pos.get(key, vpos) if isinstance(args, YMap) else vpos,
            )
    given: Mapping[str, Any] = args
    return given


def bind(
    block: Block, args: Mapping[str, Any], env: Mapping[str, Any], vpos: Position
) -> dict[str, Any]:
    """Each argument's value at a call: as written there, else its default (which may
    read the params and the arguments before it)."""
    given: dict[str, Any] = {}
    for arg, default in block.args:
        if arg in args:
            value = args[arg]
            if as_written(value, env):  # most arguments: a number, a word
                given[arg] = value
                continue
            apos = position_of(args, arg) if isinstance(args, YMap) else vpos
            given[arg] = number_or_text(value, env, apos, f"argument {arg}")
        elif default is REQUIRED:
            raise SkipcheckError(f"block {block.name!r} needs argument {arg!r}", vpos)
        elif arg in block.fixed:
            given[arg] = block.fixed[arg]
        else:
            given[arg] = number_or_text(default, {**env, **given}, block.pos, f"default of {arg}")
    return given
