"""What a spec may write, and reading one value of it: numbers and expressions, an op's
parameters, a declared shape. Each reader raises SkipcheckError at the value's position."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeGuard

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.inputshape import MAX_INPUT_SIZE
from skipcheck.core.position import Position
from skipcheck.ops.base import Op, Param
from skipcheck.specfile.expr import ExprError, evaluate
from skipcheck.specfile.yamltree import YList, YMap, position_of

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
BRANCH_KEYS = ("name", "from", "layers", "expect")
DECLARED_INPUT = ("in_channels", "num_features", "in_features")
# 200k layers check in under 5 s and 300 MiB (bench/bench_scale.py); the cap keeps a
# runaway repeat from taking longer
MAX_NODES = 200_000
MAX_REPEAT = 1_000
MAX_BLOCK_DEPTH = 32
MAX_CHANNELS = 1 << 24
FAR = 2**62  # a number written beyond this is refused as far too large
IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


# (plain classes with slots, never changed once made: cheaper to make than named tuples,
# whose __new__ is a Python function building a tuple subclass, or frozen dataclasses,
# whose __init__ sets each field through object.__setattr__; lowering makes thousands)
class Written:
    """Where a layer was written: its op (or block) name, and the value after it."""

    __slots__ = ("key", "value")

    def __init__(self, key: Position, value: Position) -> None:
        self.key = key
        self.value = value


class Given:
    """An op's parameters, read and converted, with where each was written."""

    __slots__ = ("params", "positions")

    def __init__(self, params: dict[str, Any], positions: dict[str, Position]) -> None:
        self.params = params
        self.positions = positions


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.5)
    return f" — did you mean {close[0]!r}?" if close else ""


def needs_11(version: str, what: str, pos: Position) -> None:
    """Format 1.1 features need `skipcheck: 1.1`: a 1.0 file keeps its exact meaning."""
    if version == "1":
        raise SkipcheckError(
            f"{what} is new in format 1.1; write `skipcheck: 1.1` at the top to use it", pos
        )


def kind(value: Any) -> str:
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, list):
        return "list"
    if value is None:
        return "null"
    return type(value).__name__


def join(prefix: str, part: str) -> str:
    return f"{prefix}.{part}" if prefix else part


def op_params(
    op: Op, name: str, args: Any, written: Written, env: Mapping[str, Any], version: str
) -> Given:
    """The parameters of ``- name: args``: each one the op knows, converted, or its default."""
    given: dict[str, Any] = {}
    ppos: dict[str, Position] = {}
    if args is None:
        pass
    elif isinstance(args, YMap):
        known = op.by_name()
        value_pos = args.value_pos
        for key in args:
            if key not in known:
                hint = did_you_mean(key, list(known))
                extra = " (it is inferred from the input)" if key in DECLARED_INPUT else ""
                raise SkipcheckError(
                    f"{name} has no parameter {key!r}{hint}{extra}; it takes: {', '.join(known) or 'none'}",
                    args.key_pos[key],
                )
            given[key] = args[key]
            ppos[key] = value_pos.get(key, args.pos)  # position_of(args, key)
            if key in DECLARED_INPUT and version == "1":
                raise SkipcheckError(
                    f"{name}'s {key} is inferred from the input in format 1; "
                    "write `skipcheck: 1.1` at the top to state it (it is then checked)",
                    args.key_pos[key],
                )
            if known[key].since != "1":
                needs_11(version, f"{name}'s parameter {key!r}", args.key_pos[key])
    elif op.primary is not None:
        given[op.primary] = args
        ppos[op.primary] = written.value
    else:
        raise SkipcheckError(
            f"{name} takes no value here; write `- {name}` or `- {name}: {{...}}`", written.value
        )
    params: dict[str, Any] = {}
    for p in op.params:
        key = p.name
        if key in given:
            params[key] = convert(p, given[key], env, ppos[key], name)
        elif p.required:
            raise SkipcheckError(f"{name} needs {key}", written.key)
        else:
            params[key] = p.default
    return Given(params, ppos)


def convert(p: Param, value: Any, env: Mapping[str, Any], pos: Position, op: str) -> Any:
    # what the checks below let through unchanged, taken before the param is named
    kind = p.kind
    if kind in ("int", "ints", "padding"):
        if _plain_int(value, p.minimum):
            return value  # (integer's own pass-through: never "same" or "valid", no list)
    elif kind == "bool":
        if isinstance(value, bool):
            return value
    elif kind == "choice" and value in p.choices:
        return value
    what = f"{op} {p.name}"
    if p.kind == "int":
        return integer(value, env, pos, what, p.minimum)
    if p.kind in ("ints", "padding"):
        if p.kind == "padding" and value in ("same", "valid"):
            return value
        if isinstance(value, list):
            if not value:
                raise SkipcheckError(f"{what} is an empty list", pos)
            return [
                integer(
                    v,
                    env,
                    position_of(value, k) if isinstance(value, YList) else pos,
                    what,
                    p.minimum,
                )
                for k, v in enumerate(value)
            ]
        return integer(value, env, pos, what, p.minimum)
    if p.kind == "sizes":
        if value is None:
            return None
        if isinstance(value, list):
            return [None if v is None else integer(v, env, pos, what, p.minimum) for v in value]
        return integer(value, env, pos, what, p.minimum)
    if p.kind == "number":
        found = number(value, env, pos, what)
        low, high = p.minimum, p.maximum
        if (low is not None and found < low) or (high is not None and found > high):
            raise SkipcheckError(f"{what} must be between {low} and {high}, not {found}", pos)
        return found
    if p.kind == "numbers":
        if value is None:
            return None
        if isinstance(value, list):
            return [positive(v, env, pos, what) for v in value]
        return positive(value, env, pos, what)
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


def number(value: Any, env: Mapping[str, Any], pos: Position, what: str) -> int | float:
    if type(value) is int and -FAR <= value <= FAR:
        return value  # most numbers a spec writes (a bool's type is bool, not int)
    if isinstance(value, str):  # an expression: most of the rest
        try:
            result = evaluate(value, env)
        except ExprError as exc:
            raise SkipcheckError(f"{what}: {exc}", pos) from None
        if not isinstance(result, (int, float)) or isinstance(result, bool):
            raise SkipcheckError(f"{what}: {value!r} is not a number", pos)
        return result
    if isinstance(value, bool):
        raise SkipcheckError(f"{what} must be a number, not {value}", pos)
    if isinstance(value, (int, float)):
        if isinstance(value, int) and abs(value) > FAR:
            raise SkipcheckError(f"{what} = {value} is far too large", pos)
        if (isinstance(value, float) and value != value) or value in (
            float("inf"),
            float("-inf"),
        ):
            raise SkipcheckError(f"{what} must be a finite number", pos)
        return value
    raise SkipcheckError(f"{what} must be a number or an expression, not a {kind(value)}", pos)


def number_or_text(value: Any, env: Mapping[str, Any], pos: Position, what: str) -> Any:
    """Block arguments are numbers, except plain words (a mode name, say) that stay text."""
    if as_written(value, env):
        return value
    return number(value, env, pos, what)


def as_written(value: Any, env: Mapping[str, Any]) -> bool:
    """Whether ``number_or_text`` gives ``value`` back as it is: a number that needs no
    checking, a plain word that names nothing in ``env``, a list, a bool or null."""
    if type(value) is int:
        return -FAR <= value <= FAR
    if isinstance(value, str):
        return IDENT.match(value) is not None and value not in env
    return isinstance(value, (list, bool)) or value is None


def positive(value: Any, env: Mapping[str, Any], pos: Position, what: str) -> int | float:
    v = number(value, env, pos, what)
    if v <= 0:
        raise SkipcheckError(f"{what} must be positive, not {v}", pos)
    return v


def _plain_int(value: Any, minimum: int | None) -> TypeGuard[int]:
    """An int (not a bool) that ``integer``'s checks let through as it is."""
    return (
        type(value) is int
        and -MAX_CHANNELS <= value <= MAX_CHANNELS
        and (minimum is None or value >= minimum)
    )


def integer(
    value: Any, env: Mapping[str, Any], pos: Position, what: str, minimum: int | None = None
) -> int:
    if _plain_int(value, minimum):
        return value  # what the checks below let through unchanged
    v = number(value, env, pos, what)
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


def declared(value: Any, pos: Position, what: str) -> tuple[Any, ...]:
    """A declared shape (``output:``, ``expect:``): numbers, symbols or arithmetic."""
    if not isinstance(value, list) or not value:
        raise SkipcheckError(f"{what} must be a shape like [N, 64, H/2, W/2]", pos)
    for k, d in enumerate(value):
        if type(d) is str or (type(d) is int and abs(d) <= MAX_INPUT_SIZE):
            continue  # most sizes: a symbol or arithmetic, a number in range
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
    return tuple(value)


def layer_list(value: Any, pos: Position, what: str) -> YList:
    if not isinstance(value, YList):
        raise SkipcheckError(f"{what} must be a list of layers, not a {kind(value)}", pos)
    return value


def construct(args: Any, keys: tuple[str, ...], what: str, usage: str, pos: Position) -> YMap:
    """The mapping of a ``residual:`` or ``branch:``, its keys checked with a did-you-mean."""
    if not isinstance(args, YMap):
        raise SkipcheckError(f"{what} takes a mapping: {usage}", pos)
    for key in args:
        if key not in keys:
            raise SkipcheckError(
                f"unknown key {key!r} in {what}{did_you_mean(key, keys)}", args.key_pos[key]
            )
    return args
