"""SARIF 2.1.0 for code-scanning dashboards (GitHub code scanning, Azure DevOps, IDEs).

Every rule is described in the driver, with its documentation as help text, so a
dashboard can show why a finding matters without a link back to skipcheck.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from skipcheck.check.result import FileResult
from skipcheck.core.version import __version__
from skipcheck.report import Tally, error_location
from skipcheck.report.json import JsonReporter, edit_record

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _uri(path: str) -> str:
    return quote(path.replace("\\", "/"))


def _location(path: str, line: int, col: int) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _uri(path)},
            "region": {"startLine": max(line, 1), "startColumn": max(col, 1)},
        }
    }


def _fix(fix: Any, path: str, text: str) -> dict[str, Any]:
    """A SARIF fix: the replacements that turn the spec into the fixed one."""
    replacements = []
    for edit in sorted(fix.edits, key=lambda e: e.start):
        record = edit_record(edit, text)
        start, end = record["start"], record["end"]
        replacements.append(
            {
                "deletedRegion": {
                    "startLine": start["line"],
                    "startColumn": start["col"],
                    "endLine": end["line"],
                    "endColumn": end["col"],
                },
                "insertedContent": {"text": edit.new},
            }
        )
    return {
        "description": {"text": fix.title},
        "properties": {"applicability": fix.applicability},
        "artifactChanges": [
            {"artifactLocation": {"uri": _uri(path)}, "replacements": replacements}
        ],
    }


def rule_descriptors() -> list[dict[str, Any]]:
    from skipcheck.rules import RULES
    from skipcheck.rules.docs import parse, text

    out = []
    for r in RULES.values():
        doc = parse(r)
        out.append(
            {
                "id": r.code,
                "name": r.name,
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": doc.what},
                "help": {"text": text(doc)},
                "defaultConfiguration": {"level": r.severity},
                "properties": {"tags": ["shapes"]},
            }
        )
    return out


def file_entries(result: FileResult, index: dict[str, int]) -> list[tuple[str, dict[str, Any]]]:
    """A file's SARIF entries: ("result", finding) per finding, or ("notification", ...)
    for a file that could not be checked. ``index`` is each rule's place in the driver."""
    if result.error is not None:
        line, col, message = error_location(result)
        notification = {
            "level": "error",
            "message": {"text": message},
            "locations": [_location(result.path, line, col)],
        }
        return [("notification", notification)]
    entries: list[tuple[str, dict[str, Any]]] = []
    for d in sorted(result.diagnostics, key=lambda d: d.sort_key()):
        text = d.message
        if d.fixes:
            text += " Fix: " + "; or ".join(f.title for f in d.fixes)
        finding: dict[str, Any] = {
            "ruleId": d.code,
            "ruleIndex": index[d.code],
            "level": "error" if d.severity == "error" else "warning",
            "message": {"text": text},
            "locations": [_location(*result.located_finding(d))],
        }
        if d.fixes and not result.from_model:
            # a model reference's fixes are said in its text: there is no spec file to edit
            finding["fixes"] = [_fix(f, result.path, result.text) for f in d.fixes]
        entries.append(("result", finding))
    return entries


def document(
    rules: list[dict[str, Any]], entries: list[tuple[str, dict[str, Any]]]
) -> dict[str, Any]:
    findings = [e for kind, e in entries if kind == "result"]
    notifications = [e for kind, e in entries if kind == "notification"]
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "skipcheck",
                        "version": __version__,
                        "rules": rules,
                    }
                },
                "invocations": [
                    {
                        "executionSuccessful": not notifications,
                        "toolExecutionNotifications": notifications,
                    }
                ],
                "columnKind": "unicodeCodePoints",
                "results": findings,
            }
        ],
    }


@dataclass
class SarifReporter(JsonReporter):
    """One SARIF 2.1.0 log for the whole run; each file's entries are made as it is reported."""

    rules: list[dict[str, Any]] = field(default_factory=rule_descriptors)

    def record(self, result: FileResult) -> Any:
        return file_entries(result, {r["id"]: k for k, r in enumerate(self.rules)})

    def render(self, records: list[Any], tally: Tally) -> dict[str, Any]:
        return document(self.rules, [entry for entries in records for entry in entries])
