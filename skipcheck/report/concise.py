"""One line per finding, ``path:line:col: severity CODE message`` — for grep, editors and CI
logs."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import TextIO

from skipcheck.report import counts, error_location, plural
from skipcheck.result import FileResult


@dataclass
class ConciseReporter:
    stream: TextIO | None = None
    quiet: bool = False

    def write(self, line: str) -> None:
        print(line, file=self.stream or sys.stdout)

    def file(self, result: FileResult) -> None:
        if result.error is not None:
            line, col, message = error_location(result)
            self.write(f"{result.path}:{line}:{col}: error: {message}")
            return
        for d in sorted(result.diagnostics, key=lambda d: d.sort_key()):
            # the severity as the config makes it: a rule raised to error reads as one
            self.write(f"{d.pos}: {d.severity} {d.code} {d.message}")

    def summary(self, results: list[FileResult]) -> None:
        errors, warnings, failed = counts(results)
        if self.quiet and not (errors or warnings or failed):
            return
        parts = [plural(errors, "error"), plural(warnings, "warning")]
        if failed:
            parts.append(f"{plural(failed, 'file')} could not be checked")
        line = f"Found {', '.join(parts)} in {plural(len(results), 'file')}."
        fixes = sum(len(found) for r in results for _, found in r.fixes)
        if fixes:
            line += f" {fixes} proven fix{'es' * (fixes != 1)}: see `skipcheck fix FILE`."
        self.write(line)
