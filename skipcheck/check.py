"""The core pipeline as one call: load → lower → propagate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from skipcheck.errors import SkipcheckError
from skipcheck.graph import Graph
from skipcheck.shapes.propagate import ShapeTable, propagate
from skipcheck.spec.lower import lower
from skipcheck.spec.yamltree import load_file, load_text

if TYPE_CHECKING:
    from skipcheck.whatif.overrides import Overrides


def parse_input(text: str) -> tuple[int | str, ...]:
    """``1x3x256x256`` (or ``N,3,H,W``) → a shape."""
    parts = [p for p in text.replace(",", "x").replace("×", "x").split("x") if p.strip()]
    if len(parts) < 3:
        raise SkipcheckError(f"--input {text!r}: expected something like 1x3x256x256")
    dims: list[int | str] = []
    for p in parts:
        p = p.strip()
        if p.isdigit() and int(p) > 0:
            dims.append(int(p))
        elif p.isidentifier():
            dims.append(p)
        else:
            raise SkipcheckError(f"--input {text!r}: {p!r} is not a positive size or a symbol")
    return tuple(dims)


def build_graph(
    path: str,
    params: Mapping[str, Any] | None = None,
    *,
    text: str | None = None,
    overrides: Overrides | None = None,
) -> Graph:
    """Load, apply ``--set`` overrides, and lower a spec (from ``text`` when given)."""
    tree = load_text(text, path) if text is not None else load_file(path)[0]
    if overrides:
        try:
            return lower(overrides.apply(tree, path), path, params)
        except SkipcheckError as exc:
            raise overrides.blame(exc) from None
    return lower(tree, path, params)


def check(graph: Graph, input_shape: Sequence[int | str] | None = None) -> ShapeTable:
    """Propagate shapes through a graph (optionally at another input shape)."""
    if input_shape is not None and len(input_shape) != len(graph.input_dims):
        raise SkipcheckError(
            f"--input has {len(input_shape)} axes but the spec's input {list(graph.input_dims)} has {len(graph.input_dims)}"
        )
    return propagate(graph, input_shape)
