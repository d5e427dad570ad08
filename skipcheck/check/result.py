"""What checking one spec produced: the graph, the shape table, the findings and their
fixes — or the error that stopped it. Built by ``skipcheck.check.check_spec`` only."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Graph, Node
from skipcheck.core.position import yaml_lines
from skipcheck.rules import RULES
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.table import ShapeTable

if TYPE_CHECKING:
    from skipcheck.check.config import Config
    from skipcheck.check.fixes.model import Fix
    from skipcheck.check.fixes.site import Site


_SPEC_LINES = re.compile(r"\blines? (?P<lines>\d+(?:(?:, | and )\d+)*)\b")


@dataclass(frozen=True)
class CodeLine:
    """A line of a model's own source: where a line of the spec imported from it comes from
    (``validate model.py:Net`` checks a spec held in memory, whose lines the user never sees)."""

    file: str  # as Python loaded it; relative to the working directory where it lies below it
    line: int
    function: str  # ``Net.forward``
    text: str = ""  # the source line as written (its indentation kept), "" where unreadable
    module: str | None = None  # the module path that ran it ('' the model itself)

    def __str__(self) -> str:
        """``net.py:14 in Net.forward``."""
        return f"{os.path.basename(self.file)}:{self.line} in {self.function}"

    @property
    def col(self) -> int:
        """The 1-based column where the statement starts (after its indentation)."""
        return len(self.text) - len(self.text.lstrip()) + 1 if self.text.strip() else 1

    @property
    def short(self) -> str:
        """``net.py:14``: for a table's line column and inside a sentence."""
        return f"{os.path.basename(self.file)}:{self.line}"


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
    # a model reference: each spec line's line of the model's source, and the model's own
    # definition (for a line no code made, the input); empty for a spec file
    code: Mapping[int, CodeLine] = field(default_factory=dict)
    definition: CodeLine | None = None
    # a block's line in one use: (the block's line, the line that calls it) → that use's code
    code_in_use: Mapping[tuple[int, int], CodeLine] = field(default_factory=dict)
    # a model reference (even one where no line of the spec has code behind it): its spec is
    # held in memory, so no report names that spec's lines
    from_model: bool = False

    def located(self, line: int, col: int, call: int = 0) -> tuple[str, int, int]:
        """Where a finding at a spec line is, for a machine (json, sarif): the spec's file and
        position, or, for a model reference, the model's own source line (``call``: the line
        of the block call, for a line inside a block)."""
        code = self.code_at(line, call)
        if code is None:
            return self.path, line, col
        return code.file, code.line, code.col

    def code_at(self, line: int, call: int = 0) -> CodeLine | None:
        """A model reference's source line behind a spec line (in the use of a block that
        ``call`` makes, where given; the model's definition for a line no code made); None
        for a spec file."""
        if not self.from_model:
            return None
        return self.layer_code(line, call) or self.definition

    def layer_code(self, line: int, call: int = 0) -> CodeLine | None:
        """The model's own line that made the layer at a spec line — its call in ``forward``,
        else where its module was constructed — without the model's definition to fall back
        on: None where no line of the user's code made it (or for a spec file)."""
        return self.code_in_use.get((line, call)) or self.code.get(line)

    def call_of(self, d: Diagnostic) -> int:
        """The line of the outermost block call that made a finding's layer (0: none)."""
        node = self._nodes.get(d.node or "")
        return node.calls[0].line if node is not None and node.calls else 0

    def code_of(self, d: Diagnostic) -> CodeLine | None:
        """The model's source line behind a finding (None for a spec file)."""
        return self.code_at(d.pos.line, self.call_of(d))

    def located_finding(self, d: Diagnostic) -> tuple[str, int, int]:
        """``located`` for a finding: in a block, at the use that made it."""
        return self.located(d.pos.line, d.pos.col, self.call_of(d))

    def place(self, d: Diagnostic) -> str:
        """Where a finding is, as a person's tools read it (``path:line:col``): the spec's
        position, or for a model reference the model's own ``model.py:66:13``."""
        if self.code_of(d) is None:
            return str(d.pos)
        file, line, col = self.located_finding(d)
        return f"{file}:{line}:{col}"

    def at_line(self, d: Diagnostic) -> str:
        """A finding's line inside a sentence: ``line 51``, or the model's own ``model.py:66``."""
        return self.told_line(d.pos.line, self.call_of(d))

    def retold(self, text: str) -> str:
        """Spec lines named in a sentence (``maxpool, line 28``; ``at lines 22, 28``) as a model
        reference's own (``maxpool, model.py:60``; the model's definition for a line no code
        made, as ``at_line``)."""
        if not self.from_model:
            return text

        def swap(match: re.Match[str]) -> str:
            found = [self.code_at(int(n)) for n in re.findall(r"\d+", match.group("lines"))]
            if any(c is None for c in found):
                return match.group(0)
            return ", ".join(dict.fromkeys(c.short for c in found if c is not None))

        return _SPEC_LINES.sub(swap, text)

    @cached_property
    def _nodes(self) -> dict[str, Node]:
        if not self.code_in_use or self.graph is None:
            return {}
        found: dict[str, Node] = {}
        for n in self.graph.nodes:
            found.setdefault(n.label, n)  # a finding names its node by its label
        return found

    def where(self, line: int) -> str:
        """A spec line as told to a person: ``line 7``, or for a model reference the model's own
        ``net.py:14 in Net.forward``."""
        code = self.code_at(line)
        if code is not None:
            return f"at {code}"
        return "at no line of your code" if self.from_model else f"line {line}"

    def told_line(self, line: int, call: int = 0) -> str:
        """A spec line inside a sentence or a tooltip: ``line 7``, or the model's own
        ``net.py:14`` (its definition where no line of its code made the layer)."""
        code = self.code_at(line, call)
        if code is not None:
            return code.short
        return "no line of your code" if self.from_model else f"line {line}"

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
            where = ", ".join(dict.fromkeys(f"{d.code} at {self.at_line(d)}" for d in size_free))
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
