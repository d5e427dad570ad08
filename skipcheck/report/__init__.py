"""Reporters: one module per output format, chosen by name from REPORTERS.

Modules are imported only when their format is used, so that ``skipcheck
validate`` in CI does not pay for rich tables or SARIF it never prints.
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass, field
from typing import Any, Protocol, TextIO

from skipcheck.check.result import FileResult
from skipcheck.core.errors import SkipcheckError
from skipcheck.rules.diagnostics import Diagnostic

REPORTERS: dict[str, str] = {
    "concise": "skipcheck.report.concise:ConciseReporter",
    "full": "skipcheck.report.full:FullReporter",
    "json": "skipcheck.report.json:JsonReporter",
    "github": "skipcheck.report.github:GithubReporter",
    "sarif": "skipcheck.report.sarif:SarifReporter",
}


@dataclass
class Tally:
    """A run's totals, added up as each file is reported: a run keeps no results, so
    a thousand files take the memory of one."""

    files: int = 0
    errors: int = 0
    warnings: int = 0
    failed: int = 0  # files that could not be checked
    fixable: int = 0  # errors with at least one proven fix
    by_rule: dict[tuple[str, str], int] = field(default_factory=dict)  # (code, severity)
    failures: list[SkipcheckError] = field(default_factory=list)  # why files were not checked

    def add(self, result: FileResult) -> None:
        self.files += 1
        for d in result.diagnostics:
            self.errors += d.severity == "error"
            self.warnings += d.severity == "warning"
            key = (d.code, d.severity)
            self.by_rule[key] = self.by_rule.get(key, 0) + 1
        if result.error is not None:
            self.failed += 1
            self.failures.append(result.error)
        self.fixable += sum(1 for d in result.diagnostics if d.severity == "error" and d.fixes)

    def merge(self, other: Tally) -> None:
        """Add the totals of files counted elsewhere (a worker process)."""
        self.files += other.files
        self.errors += other.errors
        self.warnings += other.warnings
        self.failed += other.failed
        self.fixable += other.fixable
        for key, n in other.by_rule.items():
            self.by_rule[key] = self.by_rule.get(key, 0) + n
        self.failures.extend(other.failures)

    @classmethod
    def of(cls, results: list[FileResult]) -> Tally:
        tally = cls()
        for result in results:
            tally.add(result)
        return tally

    @property
    def ok(self) -> bool:
        """No errors and every file checked (FileResult.ok over the run)."""
        return not self.errors and not self.failed


class Reporter(Protocol):
    """Told about each file as it is checked, then about the whole run's totals."""

    def file(self, result: FileResult) -> None: ...

    def summary(self, tally: Tally) -> None: ...


class ReporterFactory(Protocol):
    # which fixes the format shows, so which are proven: "all" (every fix of every error),
    # "first" (it counts the errors with a fix: one per site answers that), "none"
    FIXES: str

    def __call__(
        self, stream: TextIO | None = None, quiet: bool = False, **options: Any
    ) -> Reporter: ...


def reporter_for(name: str) -> ReporterFactory:
    """The reporter class of an output format; unknown names get a did-you-mean."""
    if name not in REPORTERS:
        close = difflib.get_close_matches(name, REPORTERS, n=1)
        hint = f" — did you mean {close[0]!r}?" if close else ""
        raise SkipcheckError(
            f"unknown output format {name!r}{hint} (formats: {', '.join(REPORTERS)})"
        )
    module, _, attr = REPORTERS[name].partition(":")
    factory: ReporterFactory = getattr(importlib.import_module(module), attr)
    return factory


def error_location(result: FileResult) -> tuple[int, int, str]:
    """Line, column and message of a file that could not be checked (1:1 when unknown)."""
    assert result.error is not None
    exc = result.error
    message = exc.message
    prefix = f"{result.path}: "
    if message.startswith(prefix):
        message = message[len(prefix) :]
    if exc.pos is None or exc.pos.line < 1:
        return 1, 1, message
    return exc.pos.line, max(exc.pos.col, 1), message


def module_of(result: FileResult, d: Diagnostic) -> str:
    """`` (module ups.0)`` after a one-line finding of a model reference: the module path its
    source line ran (the spec's names in the message are made from it); "" for a spec file."""
    code = result.code_of(d)
    if code is None or code.module is None:
        return ""
    return f" (module {code.module})" if code.module else " (in the model's own forward)"


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' * (n != 1)}"
