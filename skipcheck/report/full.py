"""The human report: a table of every stage and layer, then findings with their source lines.

Plain text with ANSI colour on a terminal: no table library, so a 10,000-layer table costs
what writing its lines costs, and nothing is ever wrapped — off a terminal (``-o FILE``,
a pipe, a CI log) lines are as long as they are; on a terminal the layer names are
shortened in the middle to fit its width.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import ClassVar, TextIO

from skipcheck.check.result import FileResult
from skipcheck.engine.cost import compact, megabytes, totals
from skipcheck.report import Tally, plural
from skipcheck.report.layers import LayerRow, layer_rows, line_label
from skipcheck.rules.diagnostics import Diagnostic

MAX_SHOWN = 3  # fixes shown per finding site in the report
MIN_NAME = 24  # a layer name is never shortened below this on a terminal
_STYLE = {"error": "bold red", "warning": "yellow"}
_ANSI = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}
_HEAD = ("layer", "op", "input shape", "kernel", "output shape", "params", "mult-adds", "memory")
_RIGHT = {"params", "mult-adds", "memory", "line"}


def printable(text: str) -> str:
    """Spec text for a terminal: control characters (escape sequences among them) shown
    as escapes, never sent raw."""
    if text.isprintable():
        return text
    return "".join(
        c if c.isprintable() or c in "\n\t" else c.encode("unicode_escape").decode("ascii")
        for c in text
    )


def colour_wanted(stream: TextIO) -> bool:
    """Colour on a terminal, as rich and most tools decide it: NO_COLOR wins, then
    FORCE_COLOR, then TERM=dumb."""
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    if os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def terminal_width(stream: TextIO) -> int | None:
    """The terminal's width, or None off a terminal (where nothing is fitted or wrapped)."""
    isatty = getattr(stream, "isatty", None)
    if not (isatty and isatty()):
        return None
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return None


@dataclass
class FullReporter:
    """Text for people; NO_COLOR and FORCE_COLOR are honoured."""

    FIXES: ClassVar[str] = "all"  # the best three per finding, and how many more

    stream: TextIO | None = None
    quiet: bool = False
    show_table: bool = True
    depth: int | None = None  # collapse the layer table below this level (1: stages)
    out: TextIO = field(init=False)
    colour: bool = field(init=False)
    width: int | None = field(init=False)  # the terminal's, read once (a worker writes elsewhere)
    last_model: tuple[str, int | None] | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        self.out = self.stream or sys.stdout
        self.colour = colour_wanted(self.out)
        self.width = terminal_width(self.out)

    def paint(self, text: str, style: str = "") -> str:
        if not self.colour or not style:
            return text
        codes = ";".join(_ANSI[s] for s in style.split())
        return f"\x1b[{codes}m{text}\x1b[0m"

    def print(self, text: str = "", style: str = "") -> None:
        self.out.write(self.paint(text, style) + "\n")

    def file(self, result: FileResult) -> None:
        self.last_model = None
        if result.error is not None:
            self.print(printable(str(result.error)), "bold red")
            return
        table = result.table
        assert table is not None and result.graph is not None
        # the summary of a one-file run names its output and size; keep those, not the result
        self.last_model = (result.output_shape(), table.total_params)
        if not self.quiet and self.show_table:
            self.layer_table(result)
        diags = result.diagnostics
        for k, diag in enumerate(diags):
            # findings at one merge share one list of fixes: show it once, after the last of them
            later = diags[k + 1] if k + 1 < len(diags) else None
            self.finding(diag, result, later is None or later.fixes is not diag.fixes)
        if not self.quiet:
            for line in result.size_lines():
                self.print(line, "dim" if result.ok else "")
            # a symbolic input has no given size: its notes say what was not checked instead
            given = len(table.at) == len(set(table.axis_vars))
            suffix = "; checked at the given input size only" if given else ""
            for note in dict.fromkeys(table.inexact):
                self.print(f"note: {note}{suffix}", "dim")

    def layer_table(self, result: FileResult) -> None:
        """The layers (or blocks, at a depth) with their shapes and costs, then the totals."""
        table, graph = result.table, result.graph
        assert table is not None and graph is not None
        rows = layer_rows(result, self.depth)
        concrete = table.sizes_of(0) is not None
        head = _HEAD if concrete else _HEAD[:6]
        cells = [_cells(row, concrete) for row in rows]
        width = self.width
        names = [c[0] for c in cells]
        widths = [max([len(h), *(len(c[k]) for c in cells)]) for k, h in enumerate(head)]
        # a model reference: the model's own file:line, where the spec in memory says nothing
        lines = [line_label(result, r) for r in rows]
        line_width = max([4, *(len(x) for x in lines)])
        if width is not None:
            # fit a terminal by shortening names in the middle, never by wrapping
            others = sum(w + 2 for w in widths[1:]) + line_width
            room = max(MIN_NAME, width - others - 1)
            if widths[0] > room:
                names = [_shorten(n, room) for n in names]
                widths[0] = room
        self.print(printable(f"{graph.name} — {graph.file}"), "bold")
        self.print(_join(head, widths, "line", line_width, head), "bold")
        flagged = {d.pos.line: d.severity for d in result.diagnostics}
        for row, row_cells, name, line in zip(rows, cells, names, lines, strict=True):
            severity = next((flagged[x] for x in row.lines if x in flagged), "")
            text = _join((name, *row_cells[1:]), widths, line, line_width, head)
            self.print(printable(text), _STYLE.get(severity, ""))
        self.totals(result, concrete)

    def totals(self, result: FileResult, concrete: bool) -> None:
        assert result.table is not None
        t = totals(result.table)
        if t.params is not None:
            self.print(
                f"params       {t.params:,} (trainable {t.trainable:,}, frozen {t.frozen:,})"
            )
        if not concrete:
            self.print("mult-adds and memory need a concrete input: give --input", "dim")
            return
        sizes = result.table.sizes_of(0)
        batch = sizes[0] if sizes else "?"
        if t.mult_adds is not None:
            self.print(f"mult-adds    {compact(t.mult_adds)} ({t.mult_adds:,})")
        self.print(
            f"memory       activations {megabytes(t.activations)} forward at batch {batch}, "
            f"{megabytes(t.forward_backward)} forward/backward (as torchinfo) · "
            f"params {megabytes(t.param_bytes)} · input {megabytes(t.input_bytes)}"
        )

    def finding(self, diag: Diagnostic, result: FileResult, show_fixes: bool = True) -> None:
        head = (
            self.paint(f"{printable(result.place(diag))}: ", "bold")
            + self.paint(f"{diag.severity} {diag.code}", _STYLE.get(diag.severity, ""))
            + f" {printable(diag.message)}"
        )
        self.out.write(head + "\n")
        # the line it is at: the spec's, or for a model reference the model's own source
        code = result.code_of(diag)
        lines = result.lines
        shown: tuple[int, str, int] | None = None
        if code is not None:
            shown = (code.line, code.text, code.col) if code.text else None
        elif 0 < diag.pos.line <= len(lines):
            shown = (diag.pos.line, lines[diag.pos.line - 1], diag.pos.col)
        if shown is not None:
            number, text, col = shown
            gutter = f"{number:>5} │ "
            self.out.write(self.paint(gutter, "dim") + printable(text.rstrip()) + "\n")
            self.print(" " * (len(gutter) - 2) + "│ " + " " * (col - 1) + "^", "dim")
        width = max((len(o.role) for o in diag.operands), default=0)
        for o in diag.operands:
            self.out.write(
                self.paint(f"      {o.role:<{width}}  {o.shape}  ", "bold")
                + self.paint(printable(f"← {o.origin}"), "dim")
                + "\n"
            )
        for note in diag.notes:
            self.print(printable(f"      note: {note}"), "cyan")
        if show_fixes:
            # the best few here; `skipcheck fix` lists them all with their diffs
            for k, fix in enumerate(diag.fixes[:MAX_SHOWN], 1):
                self.fix_line(k, fix)
            if len(diag.fixes) > MAX_SHOWN:
                more = len(diag.fixes) - MAX_SHOWN
                self.print(
                    f"      … {more} more proven fix{'es' * (more != 1)}: "
                    f"skipcheck fix {diag.pos.file}{_input_option(result)}",
                    "green",
                )
        self.print()

    def fix_line(self, k: int, fix: object) -> None:
        """``fix k: title``, then its consequences (a proven Fix has ``consequences()``)."""
        partial = " (partial)" if getattr(fix, "partial", False) else ""
        self.print(printable(f"      fix {k}: {getattr(fix, 'title', fix)}{partial}"), "green")
        consequences = getattr(fix, "consequences", None)
        if callable(consequences):
            self.print(printable("             " + " · ".join(consequences())), "dim")

    def summary(self, tally: Tally) -> None:
        errors, warnings, failed = tally.errors, tally.warnings, tally.failed
        parts = [plural(errors, "error"), plural(warnings, "warning")]
        if failed:
            parts.append(f"{plural(failed, 'file')} could not be checked")
        extra = ""
        if tally.files == 1 and self.last_model is not None:
            output, total = self.last_model
            extra = f" · output {output}"
            if total is not None:
                extra += f" · {total:,} parameters"
        style = "bold red" if errors or failed else ("yellow" if warnings else "bold green")
        verdict = "✗" if errors or failed else "✓"
        files = plural(tally.files, "file")
        self.print(f"{verdict} {', '.join(parts)} in {files}{extra}", style)


def _input_option(result: FileResult) -> str:
    """`` --input NxCxHxW`` where the file was checked at an input the command line gave (a
    model reference always is), so the suggested ``skipcheck fix`` sees the same model."""
    if not result.from_model or result.input_shape is None:
        return ""
    return " --input " + "x".join(str(n) for n in result.input_shape)


def _cells(row: LayerRow, concrete: bool) -> tuple[str, ...]:
    name = row.path if row.name is None else f"{row.path} ({row.name})"
    op = row.op
    params = "" if not row.params else f"{row.params:,}"
    cells = (name, op, ", ".join(row.inputs), row.kernel, row.output, params)
    if not concrete:
        return cells
    mult_adds = "" if not row.mult_adds else compact(row.mult_adds)
    memory = "" if row.memory is None else compact(row.memory, "B")
    return (*cells, mult_adds, memory)


def _join(
    cells: tuple[str, ...], widths: list[int], line: str, line_width: int, head: tuple[str, ...]
) -> str:
    parts = [
        cell.rjust(w) if h in _RIGHT else cell.ljust(w)
        for cell, w, h in zip(cells, widths, head, strict=True)
    ]
    return "  ".join(parts) + "  " + line.rjust(line_width)


def _shorten(name: str, room: int) -> str:
    if len(name) <= room:
        return name
    keep = room - 1
    return name[: keep // 2] + "…" + name[len(name) - (keep - keep // 2) :]
