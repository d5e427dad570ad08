"""The `skipcheck fix` output: each finding, then its numbered fixes with consequences and
diffs (or the same as JSON); after --apply / --apply-all, what was written and what is left."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from rich.console import Console

from skipcheck.check.fixes.site import Site
from skipcheck.check.result import FileResult
from skipcheck.core.boundary import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from skipcheck.report.json import FORMAT_VERSION, diagnostic_record, fix_record
from skipcheck.report.text import console, plain


@dataclass
class FixReporter:
    stream: TextIO | None = None
    as_json: bool = False
    console: Console = field(init=False)

    def __post_init__(self) -> None:
        self.console = console(self.stream, soft_wrap=True)

    def done(self, message: str) -> None:
        self.console.print(plain(message))

    def listing(self, result: FileResult) -> None:
        if self.as_json:
            self._dump(listing_document(result))
            return
        c = self.console
        found = result.fixes
        if not found:
            c.print(plain(f"✓ {result.path}: no errors, nothing to fix", style="bold green"))
            return
        number = 0
        for site, fixes in found:
            for d in site.diagnostics:
                c.print(
                    plain(
                        f"{result.place(d)}: {d.severity} {d.code} {result.retold(d.message)}",
                        style="bold",
                    )
                )
            if not fixes or site.untried:
                c.print(plain(f"  {no_fix(site)}", style="yellow"))
            for fix in fixes:
                number += 1
                kind = fix.applicability + (", partial" if fix.partial else "")
                c.print(plain(f"  fix {number} ({kind}): {fix.title}", style="green"))
                for line in fix.consequences():
                    c.print(plain(f"      {line}", style="dim"))
                # a model reference: the change is said in its code; the spec held in memory
                # (and its diff) is nothing the user has
                for line in fix.diff.splitlines() if not result.from_model else ():
                    style = (
                        "red" if line.startswith("-") else "green" if line.startswith("+") else ""
                    )
                    c.print(
                        plain(f"      {line}", style="cyan" if line.startswith("@@") else style)
                    )
            c.print()
        total = sum(len(f) for _, f in found)
        safe = sum(f.safe for _, fixes in found for f in fixes)
        if result.from_model:
            c.print(
                plain(
                    f"{total} proven fix(es) for {len(found)} finding site(s), each the change to "
                    f"make in your code (`skipcheck import {result.path} -o model.yaml` writes "
                    "a spec that `skipcheck fix --apply` edits)",
                    style="bold",
                )
            )
            return
        c.print(
            plain(
                f"{total} proven fix(es) ({safe} safe, {total - safe} unsafe) for {len(found)} "
                f"finding site(s); apply one with: skipcheck fix {result.path} --apply N; "
                "--apply-all applies the safe ones (--unsafe-fixes: all)",
                style="bold",
            )
        )

    def applied(
        self,
        spec: str,
        steps: list[tuple[str, Any]],
        after: FileResult,
        stored: FileResult | None,
        left: int = 0,
    ) -> int:
        """Report the fixes written and the re-validation (``left``: the unsafe fixes
        --apply-all did not apply); returns the exit code."""
        code = _exit_code(after, stored)
        if self.as_json:
            self._dump(applied_document(spec, steps, after, stored, left))
            return code
        from skipcheck.report import Tally
        from skipcheck.report.full import FullReporter

        c = self.console
        if not steps:
            c.print(
                plain(
                    f"✓ {spec}: no errors, nothing to fix"
                    if after.ok
                    else f"{spec}: no proven fix to apply"
                )
            )
        for label, fix in steps:
            c.print(plain(f"applied {label} ({fix.applicability}): {fix.title}"))
        if left:
            c.print(
                plain(
                    f"left {left} unsafe fix(es) unapplied: review them with "
                    f"`skipcheck fix {spec}`, or apply them too with --apply-all --unsafe-fixes",
                    style="yellow",
                )
            )
        checker = FullReporter(stream=self.stream, quiet=True)
        checker.file(after)
        if stored is not None:
            c.print(plain("as stored (the file's own params and input):", style="bold"))
            checker.file(stored)
        checker.summary(Tally.of([after] if stored is None else [after, stored]))
        return code

    def _dump(self, doc: dict[str, Any]) -> None:
        out = self.stream or sys.stdout
        json.dump(doc, out, indent=2, ensure_ascii=False)
        out.write("\n")


def _exit_code(after: FileResult, stored: FileResult | None) -> int:
    results = [after] if stored is None else [after, stored]
    if any(r.error is not None for r in results):
        return EXIT_ERROR
    return EXIT_CLEAN if all(r.ok for r in results) else EXIT_FINDINGS


def listing_document(result: FileResult) -> dict[str, Any]:
    """`fix --output-format json`: every proven fix, numbered as `--apply N` takes them."""
    fixes = []
    number = 0
    for site, site_fixes in result.fixes:
        for fix in site_fixes:
            number += 1
            record = fix_record(fix, result.text, in_memory=result.from_model)
            # a model reference: the model's own line, as its findings'
            _, line, col = result.located_finding(site.diagnostics[0])
            fixes.append(
                {
                    "number": number,
                    "rule": sorted(site.codes),
                    "line": line,
                    "col": col,
                    **record,
                }
            )
    return {
        "version": FORMAT_VERSION,
        "path": result.path,
        "status": "ok" if result.ok else "findings",
        "findings": [_finding(d, result.text, result) for d in result.errors],
        "fixes": fixes,
        # candidates the proof budget left unproven, per site (never listed as fixes)
        "not_tried": [
            {
                "rule": sorted(site.codes),
                "line": result.located_finding(site.diagnostics[0])[1],
                "candidates": n,
            }
            for site, _ in result.fixes
            if (n := site.untried)
        ],
    }


def applied_document(
    spec: str,
    steps: list[tuple[str, Any]],
    after: FileResult,
    stored: FileResult | None,
    left: int = 0,
) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "version": FORMAT_VERSION,
        "path": spec,
        "applied": [{"step": label, **fix_record(fix, "")} for label, fix in steps],
        "remaining": [_finding(d, after.text) for d in after.errors],
        "unsafe_fixes_left": left,
        "status": "ok" if after.ok else "error" if after.error else "findings",
    }
    if stored is not None:
        doc["remaining_as_stored"] = [_finding(d, stored.text) for d in stored.errors]
    return doc


def _finding(d: Any, text: str, result: FileResult | None = None) -> dict[str, Any]:
    record = diagnostic_record(d, text, result)
    record.pop("fixes")  # listed once, numbered, under "fixes"
    return record


def no_fix(site: Site) -> str:
    """Why a site shows no fix (or not every fix): none holds, or the file's proof budget
    ran out before some candidates were re-checked — they are never shown unproven."""
    if site.untried:
        n = site.untried
        return (
            f"{n} candidate fix{'es' * (n != 1)} not tried: this file's proof budget ran out "
            f"before {'they were' if n != 1 else 'it was'} re-checked"
        )
    return "no fix could be proven for this finding"
