"""The `skipcheck fix` listing: each finding, then its numbered fixes with consequences and diffs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TextIO

from rich.console import Console
from rich.text import Text

from skipcheck.result import FileResult


@dataclass
class FixReporter:
    stream: TextIO | None = None
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        self.console = Console(file=self.stream, highlight=False, soft_wrap=True)

    def done(self, message: str) -> None:
        self.console.print(Text(message))

    def listing(self, result: FileResult) -> None:
        c = self.console
        found = result.fixes
        if not found:
            c.print(Text(f"✓ {result.path}: no errors, nothing to fix", style="bold green"))
            return
        number = 0
        for site, fixes in found:
            for d in site.diagnostics:
                c.print(Text(f"{d.pos}: {d.severity} {d.code} {d.message}", style="bold"))
            if not fixes:
                c.print(Text("  no fix could be proven for this finding", style="yellow"))
            for fix in fixes:
                number += 1
                partial = " (partial)" if fix.partial else ""
                c.print(Text(f"  fix {number}{partial}: {fix.title}", style="green"))
                for line in fix.consequences():
                    c.print(Text(f"      {line}", style="dim"))
                for line in fix.diff.splitlines():
                    style = (
                        "red" if line.startswith("-") else "green" if line.startswith("+") else ""
                    )
                    c.print(Text(f"      {line}", style="cyan" if line.startswith("@@") else style))
            c.print()
        total = sum(len(f) for _, f in found)
        c.print(
            Text(
                f"{total} proven fix(es) for {len(found)} finding site(s); "
                f"apply one with: skipcheck fix {result.path} --apply N",
                style="bold",
            )
        )
