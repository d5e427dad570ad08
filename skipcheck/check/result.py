"""What checking one spec produced: the graph, the shape table, the findings and their
fixes — or the error that stopped it. Built by ``skipcheck.check.check_spec`` only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph
from skipcheck.core.position import yaml_lines
from skipcheck.rules import RULES
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.table import ShapeTable

if TYPE_CHECKING:
    from skipcheck.check.config import Config
    from skipcheck.check.fixes.model import Fix
    from skipcheck.check.fixes.site import Site


@dataclass(frozen=True)
class FileResult:
    """One checked spec. ``diagnostics`` are the findings as the config reports them
    (selected, severities changed, inline ignores honoured); ``silenced`` are the ones
    it hides. ``fixes`` pairs each error site with its proven fixes, when asked for."""

    path: str
    graph: Graph | None = None
    table: ShapeTable | None = None
    error: SkipcheckError | None = None
    text: str = ""
    diagnostics: tuple[Diagnostic, ...] = ()
    silenced: tuple[Diagnostic, ...] = ()
    fixes: tuple[tuple[Site, tuple[Fix, ...]], ...] = ()
    config: Config | None = None
    input_shape: tuple[int | str, ...] | None = None  # from --input or the config; None: the spec's

    @cached_property
    def lines(self) -> list[str]:
        return yaml_lines(self.text)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.severity == "error"]

    @property
    def ok(self) -> bool:
        return self.error is None and not self.errors

    def output_shape(self) -> str:
        """The output's shape; with named outputs (format 1.1), each as ``name shape``."""
        table, graph = self.table, self.graph
        if table is None or graph is None:
            return "?"

        def shape(node_id: int) -> str:
            return table.shape_of(node_id) if node_id not in table.broken else "—"

        if graph.outputs:
            return ", ".join(f"{o.name} {shape(o.node)}" for o in graph.outputs)
        return shape(graph.out)

    def size_lines(self) -> list[str]:
        """One line per input-size symbol: where the model runs, and where it runs cleanly."""
        table = self.table
        if table is None:
            return []
        # a finding of a size-free rule that the given size caused holds elsewhere
        caused = {(a.code, a.pos, a.message) for a in table.at_size}
        size_free = [
            d
            for d in self.errors
            if RULES[d.code].size_free and (d.code, d.pos, d.message) not in caused
        ]
        if size_free:
            where = ", ".join(dict.fromkeys(f"{d.code} at line {d.pos.line}" for d in size_free))
            verb = "fails" if len(size_free) == 1 else "fail"
            lines = [f"valid input sizes: none — {where} {verb} at every input size"]
            return lines + [f"  spatially: {line[19:]}" for line in self._size_lines(table)]
        return self._size_lines(table)

    @staticmethod
    def _size_lines(table: ShapeTable) -> list[str]:
        if table.inexact:
            # a closed form that misses the layers past the exact method would be wrong
            return [
                "valid input sizes: not exact for this model (see the notes); "
                "`skipcheck sizes` finds them one by one"
            ]
        grouped: dict[str, list[str]] = {}
        for var in dict.fromkeys(table.axis_vars):
            runs = table.valid_sizes(var).describe()
            clean = table.valid_sizes(var, "clean").describe()
            text = f"valid input sizes: {runs}"
            if clean != runs:
                text += f"; without silent loss: {clean}"
            # H and W of a square design usually say the same: one line for both
            grouped.setdefault(text.replace(var, "\0"), []).append(var)
        lines = [text.replace("\0", ", ".join(names)) for text, names in grouped.items()]
        for c in dict.fromkeys(table.couplings):
            lines.append(f"  and, the axes coupled: {c.what} needs {c.describe()}")
        return lines
