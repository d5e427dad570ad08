"""A tiny safe evaluator for the arithmetic that specs may write as numbers.

``base * 2 ** i``, ``(c + 1) // 2``, ``min(a, b)``: parsed with ``ast`` and
walked over a whitelist. Nothing is ever handed to Python's ``eval``; names
resolve only in the environment given (params, block arguments, ``i``).
"""

from __future__ import annotations

import ast
import difflib
import functools
import math
import operator
from collections.abc import Callable, Mapping
from typing import Any

MAX_LENGTH = 500
MAX_NODES = 200
MAX_MAGNITUDE = 2**62
MAX_EXPONENT = 64


class ExprError(Exception):
    """A short fact about a bad expression; the caller adds the position."""


def _truediv(a: Any, b: Any) -> Any:
    if isinstance(a, int) and isinstance(b, int):
        if b == 0:
            raise ExprError("division by zero")
        return a // b if a % b == 0 else a / b
    return a / b


def _floordiv(a: Any, b: Any) -> Any:
    if isinstance(b, (int, float)) and b == 0:
        raise ExprError("division by zero")
    return a // b


def _mod(a: Any, b: Any) -> Any:
    if isinstance(b, (int, float)) and b == 0:
        raise ExprError("modulo by zero")
    return a % b


def _pow(a: Any, b: Any) -> Any:
    if not isinstance(a, (int, float)) or not isinstance(b, (int, float)):
        raise ExprError("** works on plain numbers only")
    if abs(b) > MAX_EXPONENT or (abs(a) > 1 and abs(b) * math.log2(abs(a)) > 62):
        raise ExprError(f"{a} ** {b} is too large")
    if a < 0 and b != int(b):
        # Python answers with a complex number; a size or a count is real
        raise ExprError(f"{a} ** {b} is not a real number (a negative base, a fractional power)")
    return a**b


_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: _truediv,
    ast.FloorDiv: _floordiv,
    ast.Mod: _mod,
    ast.Pow: _pow,
}

_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "int": int,
    "round": round,
    "floor": math.floor,
    "ceil": math.ceil,
}


def _check_magnitude(value: Any) -> Any:
    if isinstance(value, complex):  # every operation is guarded; this one is the backstop
        raise ExprError(f"the result {value} is not a real number")
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if isinstance(value, float) and not math.isfinite(value):
            raise ExprError("the result is not a finite number")
        if abs(value) > MAX_MAGNITUDE:
            raise ExprError("the result is too large")
    return value


def evaluate(text: str, env: Mapping[str, Any]) -> Any:
    """Evaluate ``text`` with names from ``env``.

    >>> evaluate("base * 2 ** i", {"base": 64, "i": 2})
    256
    """
    if len(text) > MAX_LENGTH:
        raise ExprError(f"expression is {len(text)} characters long (limit {MAX_LENGTH})")
    names = _names(text)  # (an unreadable text raises here, as _parse)
    # A value depends on the text and on the names it reads, each with its type (1, 1.0
    # and True are equal keys, not equal operands; 0.0 and -0.0 are told apart by their
    # hex); a repeated block asks the same again and again. Only values that came out of
    # plain numbers and words are kept, never an error: arithmetic on the engine's
    # symbols (an Affine) is counted as work where it is done, so it is always done.
    key: list[Any] = [text]
    for name in names:
        value = env.get(name, _ABSENT)
        kind = type(value)
        if kind not in _PLAIN:  # an unknown name (the walker says so), a list, a symbol
            return _Walker(env).visit(_parse(text))
        key += (kind, value.hex() if kind is float else value)
    try:
        return _VALUES[tuple(key)]
    except KeyError:
        pass
    result = _Walker(env).visit(_parse(text))
    if len(_VALUES) >= VALUES_SIZE:
        _VALUES.clear()
    _VALUES[tuple(key)] = result
    return result


_ABSENT = object()
_PLAIN = frozenset({int, float, bool, str, type(None)})  # values kept values may read
_VALUES: dict[tuple[Any, ...], Any] = {}  # (text, type, value, ...) → the result
VALUES_SIZE = 1 << 14  # entries; emptied when full


@functools.lru_cache(maxsize=4096)
def _names(text: str) -> tuple[str, ...]:
    """The names an expression reads (not the functions it calls), each once."""
    tree = _parse(text)
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    found = (n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in called)
    return tuple(dict.fromkeys(found))


@functools.lru_cache(maxsize=4096)
def _parse(text: str) -> ast.expr:
    """The checked syntax tree of an expression; the walker never changes it, so one tree
    serves every use (a repeated block, a thousand specs that all say ``base * 2``)."""
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError):
        raise ExprError(f"cannot read {text!r} as a number or an arithmetic expression") from None
    except (RecursionError, MemoryError):
        raise ExprError("expression is nested too deeply") from None
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise ExprError(f"expression is too long (limit {MAX_NODES} parts)")
    return tree.body


class _Walker:
    def __init__(self, env: Mapping[str, Any]) -> None:
        self.env = env

    def visit(self, node: ast.expr) -> Any:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExprError(f"{node.value!r} is not a number")
            return _check_magnitude(node.value)
        if isinstance(node, ast.Name):
            if node.id not in self.env:
                raise ExprError(self._unknown(node.id))
            return self.env[node.id]
        if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
            left, right = self.visit(node.left), self.visit(node.right)
            try:
                return _check_magnitude(_BINOPS[type(node.op)](left, right))
            except ZeroDivisionError:
                raise ExprError("division by zero") from None
            except (TypeError, OverflowError) as exc:
                raise ExprError(str(exc)) from None
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = self.visit(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            func = _FUNCTIONS.get(node.func.id)
            if func is None:
                hint = _hint(node.func.id, _FUNCTIONS)
                raise ExprError(
                    f"unknown function {node.func.id!r}{hint}; allowed: {', '.join(_FUNCTIONS)}"
                )
            args = [self.visit(arg) for arg in node.args]
            try:
                return _check_magnitude(func(*args))
            except (TypeError, ValueError, OverflowError) as exc:
                raise ExprError(f"{node.func.id}(): {exc}") from None
        raise ExprError(
            f"{ast.unparse(node)!r} is not allowed: use numbers, names, + - * / // % ** and "
            f"{', '.join(_FUNCTIONS)}"
        )

    def _unknown(self, name: str) -> str:
        known = sorted(k for k in self.env if not k.startswith("_"))
        listing = ", ".join(known) if known else "none"
        return f"unknown name {name!r}{_hint(name, known)} (known here: {listing})"


def _hint(name: str, choices: Any) -> str:
    close = difflib.get_close_matches(name, list(choices), n=1)
    return f" — did you mean {close[0]!r}?" if close else ""
