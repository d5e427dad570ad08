"""The human report: a table of every stage and layer, then findings with their source lines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, TextIO

from skipcheck.diagnostics import Diagnostic
from skipcheck.report import Tally
from skipcheck.report.styled import Console, Text
from skipcheck.result import FileResult

if TYPE_CHECKING:
    from rich.table import Table

MAX_SHOWN = 3  # fixes shown per finding site in the report
_STYLE = {"error": "bold red", "warning": "yellow"}


@dataclass
class FullReporter:
    """Rich output for people at a terminal. NO_COLOR is honoured by rich itself."""

    stream: TextIO | None = None
    quiet: bool = False
    show_table: bool = True
    console: Console = field(init=False)
    last_model: tuple[str, int | None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        # rich is imported only for the layer table, or where the output is a terminal
        self.console = Console(self.stream)

    def file(self, result: FileResult) -> None:
        self.last_model = None
        if result.error is not None:
            self.console.print(Text(f"{result.error}", style="bold red"))
            return
        table = result.table
        assert table is not None and result.graph is not None
        # the summary of a one-file run names its output and size; keep those, not the result
        self.last_model = (result.output_shape(), table.total_params)
        if not self.quiet and self.show_table:
            self.console.print(self.layer_table(result))
        diags = result.diagnostics
        for k, diag in enumerate(diags):
            # findings at one merge share one list of fixes: show it once, after the last of them
            later = diags[k + 1] if k + 1 < len(diags) else None
            self.finding(diag, result.lines, later is None or later.fixes is not diag.fixes)
        if not self.quiet:
            for line in result.size_lines():
                self.console.print(Text(line, style="dim" if result.ok else ""))
            for note in dict.fromkeys(table.inexact):
                self.console.print(
                    Text(f"note: {note}; checked at the given input size only", style="dim")
                )

    def layer_table(self, result: FileResult) -> Table:
        from rich.markup import escape
        from rich.table import Table

        table, graph = result.table, result.graph
        assert table is not None and graph is not None
        grid = Table(
            title=f"{graph.name} — {graph.file}",
            title_justify="left",
            box=None,
            header_style="bold",
            pad_edge=False,
        )
        grid.add_column("layer", overflow="fold")
        grid.add_column("op")
        grid.add_column("output shape")
        grid.add_column("params", justify="right")
        grid.add_column("line", justify="right", style="dim")
        flagged = {d.pos.line: d.severity for d in result.diagnostics}
        for node in graph.nodes:
            shape = "—" if node.id in table.broken else table.shape_of(node.id)
            count = table.counts.get(node.id)
            params = "" if count in (None, 0) else f"{count:,}"
            style = _STYLE.get(flagged.get(node.pos.line, ""), "")
            name = (
                node.path
                if node.name is None or node.name == node.path
                else f"{node.path} ({node.name})"
            )
            grid.add_row(escape(name), node.op, shape, params, str(node.pos.line), style=style)
        return grid

    def finding(self, diag: Diagnostic, lines: list[str], show_fixes: bool = True) -> None:
        c = self.console
        head = Text()
        head.append(f"{diag.pos}: ", style="bold")
        head.append(f"{diag.severity} {diag.code}", style=_STYLE.get(diag.severity, ""))
        head.append(f" {diag.message}")
        c.print(head)
        if 0 < diag.pos.line <= len(lines):
            gutter = f"{diag.pos.line:>5} │ "
            c.print(Text(gutter, style="dim") + Text(lines[diag.pos.line - 1].rstrip()))
            c.print(
                Text(" " * (len(gutter) - 2) + "│ " + " " * (diag.pos.col - 1) + "^", style="dim")
            )
        width = max((len(o.role) for o in diag.operands), default=0)
        for o in diag.operands:
            c.print(
                Text(f"      {o.role:<{width}}  {o.shape}  ", style="bold")
                + Text(f"← {o.origin}", style="dim")
            )
        for note in diag.notes:
            c.print(Text(f"      note: {note}", style="cyan"))
        if show_fixes:
            # the best few here; `skipcheck fix` lists them all with their diffs
            for k, fix in enumerate(diag.fixes[:MAX_SHOWN], 1):
                self.fix_line(k, fix)
            if len(diag.fixes) > MAX_SHOWN:
                more = len(diag.fixes) - MAX_SHOWN
                self.console.print(
                    Text(
                        f"      … {more} more proven fix{'es' * (more != 1)}: "
                        f"skipcheck fix {diag.pos.file}",
                        style="green",
                    )
                )
        c.print()

    def fix_line(self, k: int, fix: object) -> None:
        """``fix k: title``, then its consequences (a proven Fix has ``consequences()``)."""
        partial = " (partial)" if getattr(fix, "partial", False) else ""
        self.console.print(
            Text(f"      fix {k}: {getattr(fix, 'title', fix)}{partial}", style="green")
        )
        consequences = getattr(fix, "consequences", None)
        if callable(consequences):
            self.console.print(Text("             " + " · ".join(consequences()), style="dim"))

    def summary(self, tally: Tally) -> None:
        errors, warnings, failed = tally.errors, tally.warnings, tally.failed
        parts = [
            f"{errors} error{'s' * (errors != 1)}",
            f"{warnings} warning{'s' * (warnings != 1)}",
        ]
        if failed:
            parts.append(f"{failed} file{'s' * (failed != 1)} could not be checked")
        files = f"{tally.files} file{'s' * (tally.files != 1)}"
        extra = ""
        if tally.files == 1 and self.last_model is not None:
            output, total = self.last_model
            extra = (
                f" · output {output} · {total:,} parameters"
                if total is not None
                else f" · output {output}"
            )
        style = "bold red" if errors or failed else ("yellow" if warnings else "bold green")
        verdict = "✗" if errors or failed else "✓"
        self.console.print(Text(f"{verdict} {', '.join(parts)} in {files}{extra}", style=style))
