"""Machine-readable output; the layout is documented in docs/json-output.md.

``version`` changes only when a field is removed or changes meaning; new
fields may be added within a version.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, ClassVar, TextIO

from skipcheck.check.result import FileResult
from skipcheck.core.version import __version__
from skipcheck.engine.cost import totals
from skipcheck.report import Tally, error_location
from skipcheck.report.layers import LayerRow, layer_rows, source_line
from skipcheck.rules import RULES
from skipcheck.rules.diagnostics import Diagnostic
from skipcheck.shapes.sizeset import SizeSet

FORMAT_VERSION = 2  # 2: fixes[] are objects (version 1 had their titles)


def edit_record(edit: Any, text: str) -> dict[str, Any]:
    """One text replacement of a fix: 1-based line/col of the replaced span, and the new text."""
    from skipcheck.check.fixes.edit import line_col

    (l1, c1), (l2, c2) = line_col(text, edit.start), line_col(text, edit.end)
    return {"start": {"line": l1, "col": c1}, "end": {"line": l2, "col": c2}, "text": edit.new}


def fix_record(fix: Any, text: str, *, in_memory: bool = False) -> dict[str, Any]:
    """A proven fix as data: what it does, what it changes, and the exact edits (none, and no
    diff, for a spec held ``in_memory``: a model reference's, whose lines the user never sees;
    ``pytorch`` says the change in the model's code)."""
    if in_memory:
        text = ""
    return {
        "title": fix.title,
        "description": fix.description,
        "partial": fix.partial,
        "applicability": fix.applicability,
        "changes_model": fix.changes_behaviour,
        "consequences": fix.consequences(),
        "diff": "" if in_memory else fix.diff,
        "edits": [edit_record(e, text) for e in sorted(fix.edits, key=lambda e: e.start)]
        if text
        else [],
        "in_spec_terms": fix.in_terms,
        # a model reference: the change as made in the PyTorch code (null for a spec file)
        "pytorch": getattr(fix, "pytorch", "") or None,
        "proven_for": list(fix.proven_for),
        "holds_only_at": fix.at if fix.fails_at else None,
        "breaks_at": list(fix.fails_at),
    }


def diagnostic_record(
    d: Diagnostic, text: str = "", result: FileResult | None = None
) -> dict[str, Any]:
    # a model reference's finding is at the model's own source line, not the in-memory spec's
    file, line, col = (
        result.located_finding(d)
        if result is not None and result.from_model
        else (d.pos.file, d.pos.line, d.pos.col)
    )
    return {
        "code": d.code,
        "rule": d.rule,
        "severity": d.severity,
        "message": d.message,
        "file": file,
        "line": line,
        "col": col,
        "node": d.node,
        "operands": [{"role": o.role, "shape": o.shape, "origin": o.origin} for o in d.operands],
        "notes": list(d.notes),
        "fixes": [
            fix_record(f, text, in_memory=result is not None and result.from_model) for f in d.fixes
        ],
    }


def layer_record(row: LayerRow, result: FileResult) -> dict[str, Any]:
    """One row of the layer table; counts are None where the input is symbolic."""
    record: dict[str, Any] = {
        "path": row.path,
        "name": row.name,
        "op": row.op,
        "input_shapes": list(row.inputs),
        "kernel": row.kernel or None,
        "output_shape": row.output,
        "params": row.params,
        "mult_adds": row.mult_adds,
        "memory_bytes": row.memory,
        "line": row.line,
    }
    if result.from_model:
        # the spec's line is in memory only: the model's own file and line, or null for both
        # where no line of the user's code made the layer
        code = source_line(result, row)
        record["file"] = code.file if code is not None else None
        record["line"] = code.line if code is not None else None
    return record


def totals_record(result: FileResult) -> dict[str, Any]:
    assert result.table is not None
    t = totals(result.table)
    return {
        "params": t.params,
        "trainable_params": t.trainable,
        "frozen_params": t.frozen,
        "mult_adds": t.mult_adds,
        "activation_bytes": t.activations,
        "forward_backward_bytes": t.forward_backward,
        "param_bytes": t.param_bytes,
        "input_bytes": t.input_bytes,
    }


def valid_sizes_record(result: FileResult) -> dict[str, Any]:
    """Per input-size symbol: where the model runs, and where it runs without silent loss."""
    table = result.table
    assert table is not None
    out: dict[str, Any] = {}
    if table.inexact:
        return out  # past the exact method: `skipcheck sizes` finds them one by one
    # an error no input size fixes (a channel mismatch) leaves no size that runs
    blocked = any(RULES[d.code].size_free for d in result.errors)
    for var in dict.fromkeys(table.axis_vars):
        runs, clean = table.valid_sizes(var), table.valid_sizes(var, "clean")
        spatial = {"runs": runs.describe(), "clean": clean.describe()}
        if blocked:
            runs = clean = SizeSet.nothing(var)
        out[var] = {
            "at": table.at.get(var),
            "runs": runs.describe(),
            "clean": clean.describe(),
            "smallest_runs": runs.smallest(),
            "smallest_clean": clean.smallest(),
        }
        if blocked:
            out[var]["spatially"] = spatial  # what the spatial layers alone would take
    return out


def file_record(result: FileResult) -> dict[str, Any]:
    if result.error is not None:
        line, col, message = error_location(result)
        return {
            "path": result.path,
            "status": "error",
            "error": {"message": message, "line": line, "col": col},
            "output_shape": None,
            "diagnostics": [],
            "input_shape": None,
            "layers": [],
            "totals": None,
            "valid_sizes": {},
        }
    assert result.table is not None
    return {
        "path": result.path,
        "status": "ok" if result.ok else "findings",
        "error": None,
        "output_shape": result.output_shape(),
        "diagnostics": [
            diagnostic_record(d, result.text, result)
            for d in sorted(result.diagnostics, key=lambda d: d.sort_key())
        ],
        "input_shape": result.table.shape_of(0),
        "layers": [layer_record(row, result) for row in layer_rows(result)],
        "totals": totals_record(result),
        "valid_sizes": valid_sizes_record(result),
    }


def document(files: list[dict[str, Any]], tally: Tally) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "tool": {"name": "skipcheck", "version": __version__},
        "files": files,
        "summary": {
            "files": tally.files,
            "errors": tally.errors,
            "warnings": tally.warnings,
            "failed": tally.failed,
        },
    }


@dataclass
class JsonReporter:
    """Writes one JSON document for the whole run (machine readers want one value).

    Each file's record is made as the file is reported, so the run keeps records, not
    results (a result holds the file's text, graph and shape table)."""

    FIXES: ClassVar[str] = "all"  # every fix, as data

    stream: TextIO | None = None
    quiet: bool = False
    records: list[Any] = field(default_factory=list)

    def record(self, result: FileResult) -> Any:
        return file_record(result)

    def render(self, records: list[Any], tally: Tally) -> dict[str, Any]:
        return document(records, tally)

    def file(self, result: FileResult) -> None:
        """Nothing is printed per file: the document is one JSON value."""
        self.records.append(self.record(result))

    def summary(self, tally: Tally) -> None:
        out = self.stream or sys.stdout
        json.dump(self.render(self.records, tally), out, indent=2, ensure_ascii=False)
        out.write("\n")
