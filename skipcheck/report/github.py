"""GitHub Actions workflow commands: each finding becomes an annotation on the pull request.

Chosen automatically when ``GITHUB_ACTIONS=true`` and no ``--output-format`` is given.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import ClassVar, TextIO

from skipcheck.check.result import FileResult
from skipcheck.core.terminal import visible
from skipcheck.report import Tally, error_location, module_of, plural


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, file: str, line: int, col: int, title: str, message: str) -> str:
    """``::error file=a.yaml,line=3,col=5,title=SC101 merge-channels::message``."""
    props = ",".join(
        f"{key}={escape_property(str(value))}"
        for key, value in (("file", file), ("line", line), ("col", col), ("title", title))
    )
    return f"::{level} {props}::{escape_data(message)}"


@dataclass
class GithubReporter:
    FIXES: ClassVar[str] = "none"  # annotations carry no fixes: none are proven
    stream: TextIO | None = None
    quiet: bool = False

    def write(self, line: str) -> None:
        print(visible(line), file=self.stream or sys.stdout)

    def file(self, result: FileResult) -> None:
        path = result.path.replace("\\", "/")
        if result.error is not None:
            line, col, message = error_location(result)
            self.write(annotation("error", path, line, col, "skipcheck could not check", message))
            return
        for d in sorted(result.diagnostics, key=lambda d: d.sort_key()):
            level = "error" if d.severity == "error" else "warning"
            title = f"{d.code} {d.rule}"
            # a model reference is annotated on the model's own source line
            file, line, col = result.located_finding(d)
            file = file.replace("\\", "/")
            message = d.message + module_of(result, d)
            self.write(annotation(level, file, line, col, title, message))

    def summary(self, tally: Tally) -> None:
        parts = [plural(tally.errors, "error"), plural(tally.warnings, "warning")]
        if tally.failed:
            parts.append(f"{plural(tally.failed, 'file')} could not be checked")
        self.write(f"skipcheck: {', '.join(parts)} in {plural(tally.files, 'file')}")
