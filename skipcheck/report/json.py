"""Machine-readable output; the layout is documented in docs/json-output.md.

``version`` changes only when a field is removed or changes meaning; new
fields may be added within a version.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from skipcheck import __version__
from skipcheck.diagnostics import Diagnostic
from skipcheck.report import Tally, error_location
from skipcheck.result import FileResult

FORMAT_VERSION = 2  # 2: fixes[] are objects (version 1 had their titles)


def edit_record(edit: Any, text: str) -> dict[str, Any]:
    """One text replacement of a fix: 1-based line/col of the replaced span, and the new text."""
    from skipcheck.fixes.edit import line_col

    (l1, c1), (l2, c2) = line_col(text, edit.start), line_col(text, edit.end)
    return {"start": {"line": l1, "col": c1}, "end": {"line": l2, "col": c2}, "text": edit.new}


def fix_record(fix: Any, text: str) -> dict[str, Any]:
    """A proven fix as data: what it does, what it changes, and the exact edits."""
    return {
        "title": fix.title,
        "description": fix.description,
        "partial": fix.partial,
        "changes_model": fix.changes_behaviour,
        "consequences": fix.consequences(),
        "diff": fix.diff,
        "edits": [edit_record(e, text) for e in sorted(fix.edits, key=lambda e: e.start)],
    }


def diagnostic_record(d: Diagnostic, text: str = "") -> dict[str, Any]:
    return {
        "code": d.code,
        "rule": d.rule,
        "severity": d.severity,
        "message": d.message,
        "file": d.pos.file,
        "line": d.pos.line,
        "col": d.pos.col,
        "node": d.node,
        "operands": [{"role": o.role, "shape": o.shape, "origin": o.origin} for o in d.operands],
        "notes": list(d.notes),
        "fixes": [fix_record(f, text) for f in d.fixes],
    }


def file_record(result: FileResult) -> dict[str, Any]:
    if result.error is not None:
        line, col, message = error_location(result)
        return {
            "path": result.path,
            "status": "error",
            "error": {"message": message, "line": line, "col": col},
            "output_shape": None,
            "diagnostics": [],
        }
    return {
        "path": result.path,
        "status": "ok" if result.ok else "findings",
        "error": None,
        "output_shape": result.output_shape(),
        "diagnostics": [
            diagnostic_record(d, result.text)
            for d in sorted(result.diagnostics, key=lambda d: d.sort_key())
        ],
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
