"""One line per finding, ``path:line:col: severity CODE message`` — for grep, editors and CI
logs."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import ClassVar, TextIO

from skipcheck.check.result import FileResult
from skipcheck.core.terminal import visible
from skipcheck.report import Tally, error_location, module_of, plural


@dataclass
class ConciseReporter:
    # which errors have a fix is all it shows: one proven fix per site answers that
    FIXES: ClassVar[str] = "first"
    stream: TextIO | None = None
    quiet: bool = False

    def write(self, line: str) -> None:
        print(visible(line), file=self.stream or sys.stdout)

    def file(self, result: FileResult) -> None:
        if result.error is not None:
            line, col, message = error_location(result)
            self.write(f"{result.path}:{line}:{col}: error: {message}")
            return
        for d in sorted(result.diagnostics, key=lambda d: d.sort_key()):
            # the severity as the config makes it: a rule raised to error reads as one
            self.write(
                f"{result.place(d)}: {d.severity} {d.code} {d.message}{module_of(result, d)}"
            )

    def summary(self, tally: Tally) -> None:
        if self.quiet and not (tally.errors or tally.warnings or tally.failed):
            return
        parts = [plural(tally.errors, "error"), plural(tally.warnings, "warning")]
        if tally.failed:
            parts.append(f"{plural(tally.failed, 'file')} could not be checked")
        line = f"Found {', '.join(parts)} in {plural(tally.files, 'file')}."
        if tally.fixable:
            # like a linter's "N fixable": which errors have a fix, not how many each has
            have = "has" if tally.fixable == 1 else "have"
            line += f" {tally.fixable} of the errors {have} a proven fix: see `skipcheck fix FILE`."
        self.write(line)
