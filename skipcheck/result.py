"""What checking one file produced: the graph, the shape table and the findings — or the error."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from skipcheck.check import check
from skipcheck.diagnostics import Diagnostic
from skipcheck.errors import SkipcheckError
from skipcheck.graph import Graph
from skipcheck.shapes.propagate import ShapeTable
from skipcheck.spec.lower import lower
from skipcheck.spec.yamltree import load_file

if TYPE_CHECKING:
    from skipcheck.whatif.overrides import Overrides


@dataclass
class FileResult:
    path: str
    graph: Graph | None = None
    table: ShapeTable | None = None
    error: SkipcheckError | None = None
    lines: list[str] = field(default_factory=list)

    @property
    def diagnostics(self) -> list[Diagnostic]:
        return self.table.diagnostics if self.table is not None else []

    @property
    def ok(self) -> bool:
        return self.error is None and not any(d.severity == "error" for d in self.diagnostics)

    def output_shape(self) -> str:
        if self.table is None or self.graph is None:
            return "?"
        return (
            self.table.shape_of(self.graph.out) if self.graph.out not in self.table.broken else "—"
        )

    def size_lines(self) -> list[str]:
        """One line per input-size symbol: where the model runs, and where it runs cleanly."""
        table = self.table
        if table is None:
            return []
        grouped: dict[str, list[str]] = {}
        for var in dict.fromkeys(table.axis_vars):
            runs = table.valid_sizes(var).describe()
            clean = table.valid_sizes(var, "clean").describe()
            text = f"valid input sizes: {runs}"
            if clean != runs:
                text += f"; without silent loss: {clean}"
            # H and W of a square design usually say the same: one line for both
            grouped.setdefault(text.replace(var, "\0"), []).append(var)
        return [text.replace("\0", ", ".join(names)) for text, names in grouped.items()]


def check_file(
    path: str,
    params: Mapping[str, Any] | None = None,
    input_shape: Sequence[int | str] | None = None,
    overrides: Overrides | None = None,
) -> FileResult:
    """Check one spec file; errors that stop the check are captured, not raised.

    ``overrides`` are ``--set`` options, applied to the loaded tree before lowering.
    """
    result = FileResult(path)
    try:
        tree, text = load_file(path)
        result.lines = text.splitlines()
        if overrides:
            try:
                result.graph = lower(overrides.apply(tree, path), path, params)
            except SkipcheckError as exc:
                raise overrides.blame(exc) from None
        else:
            result.graph = lower(tree, path, params)
        result.table = check(result.graph, input_shape)
    except SkipcheckError as exc:
        if exc.pos is None:
            exc.message = f"{path}: {exc.message}"
        result.error = exc
    return result
