"""A whole ``skipcheck fix`` run: list the proven fixes, or choose one (``--apply N``,
``--dry-run``) or each in turn (``--apply-all``), refuse one that does not hold for the file
as stored, write it and re-check the file. ``cli.py`` parses the command line and calls
``fix_command``, as it calls ``batch.validate_command`` for ``validate``."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from skipcheck import check  # check.check_spec looked up per call (tests replace it)
from skipcheck.check import Options
from skipcheck.check.result import FileResult
from skipcheck.core.boundary import EXIT_CLEAN, EXIT_FINDINGS
from skipcheck.core.errors import SkipcheckError
from skipcheck.report.fixes import FixReporter


@dataclass(frozen=True)
class FixRequest:
    """What ``skipcheck fix`` was asked for, besides the spec and its options."""

    number: int | None = None  # which fix --apply or --dry-run uses (default 1)
    apply: bool = False  # write fix N into the file, then re-check it
    apply_all: bool = False  # the top safe fix of each finding in turn, then write
    dry_run: bool = False  # print the fixed file instead of writing it
    unsafe_fixes: bool = False  # --apply-all applies unsafe fixes too
    as_json: bool = False  # --output-format json
    args: str | None = None  # --args: the factory's arguments, for a model reference

    @property
    def writes(self) -> bool:
        return self.apply or self.apply_all


def check_spec_or_model(spec: str, options: Options, args: str | None = None) -> FileResult:
    """A spec file checked, or a PyTorch model reference imported into a spec held in memory
    and checked (torch is imported only then)."""
    from skipcheck.torch.reference import is_model_reference

    if is_model_reference(spec):
        from skipcheck.torch.reference import check_model

        result: FileResult = check_model(spec, options, args=args)
        return result
    return check.check_spec(spec, options)


def fix_command(spec: str, options: Options, request: FixRequest) -> int:
    """``skipcheck fix`` on one spec (``options`` from the command line): the exit code."""
    if options.text is not None and request.writes:
        raise SkipcheckError(
            "a spec read from stdin has no file to write the fix into: "
            "--dry-run prints the fixed spec"
        )
    reporter = FixReporter(as_json=request.as_json)
    if request.writes or request.dry_run:
        from skipcheck.torch.reference import is_model_reference

        if is_model_reference(spec):
            raise SkipcheckError(
                f"{spec} is PyTorch code, not a spec file: there is nothing to write a fix "
                f"into. `skipcheck fix {spec}` says what to change in the code; "
                f"`skipcheck import {spec} -o model.yaml` writes a spec this command can edit"
            )
    if request.apply_all:
        return _apply_all(spec, options, request, reporter)
    if request.unsafe_fixes:
        raise SkipcheckError("--unsafe-fixes goes with --apply-all")
    result = check_spec_or_model(spec, dataclasses.replace(options, fixes=True), request.args)
    if result.error is not None:
        raise result.error
    if not request.apply and not request.dry_run:
        if request.number is not None:
            raise SkipcheckError("a fix number goes with --apply or --dry-run")
        reporter.listing(result)
        return EXIT_CLEAN if result.ok else EXIT_FINDINGS
    return _apply_one(spec, options, request, reporter, result)


def _apply_one(
    spec: str, options: Options, request: FixRequest, reporter: FixReporter, result: FileResult
) -> int:
    """``--apply N`` or ``--dry-run N``: choose fix N, refuse it if it does not hold for the
    file as stored, print it or write it and re-check the file."""
    from skipcheck.apply import refusal, write_spec

    number = 1 if request.number is None else request.number
    if result.ok:
        reporter.applied(spec, [], result, None)
        return EXIT_CLEAN
    fixes = [f for _, site_fixes in result.fixes for f in site_fixes]
    if not 1 <= number <= len(fixes):
        raise SkipcheckError(f"there is no fix {number}: {spec} has {len(fixes)} proven fix(es)")
    chosen = fixes[number - 1]
    why = refusal(spec, result, chosen, options)
    if why is not None:
        raise SkipcheckError(f"not writing fix {number} ({chosen.title}): {why}")
    if request.dry_run:
        import typer  # printed as the command line prints: escapes dropped off a terminal

        typer.echo(chosen.text, nl=False)
        return EXIT_FINDINGS if chosen.partial else EXIT_CLEAN
    write_spec(spec, chosen.text, result.text)
    after = check.check_spec(spec, options)
    return reporter.applied(spec, [(f"fix {number}", chosen)], after, _stored(spec, options))


def _apply_all(spec: str, options: Options, request: FixRequest, reporter: FixReporter) -> int:
    """``--apply-all``: the top proven fix of each finding in turn, then one write."""
    from skipcheck.apply import apply_all, write_spec
    from skipcheck.specfile.yamltree import read_file

    if request.number is not None:
        raise SkipcheckError("--apply-all applies every proven fix; it takes no number")
    read = read_file(spec)
    applied, last, left = apply_all(spec, options, read, unsafe=request.unsafe_fixes)
    if last.error is not None:
        raise last.error
    if applied:
        write_spec(spec, applied[-1].text, read)
    after = check.check_spec(spec, options) if applied else last
    steps = [(f"step {k}", f) for k, f in enumerate(applied, 1)]
    return reporter.applied(spec, steps, after, _stored(spec, options), left)


def _stored(spec: str, options: Options) -> FileResult | None:
    """The spec checked as the file says (its own params and input), when options differ."""
    from skipcheck.apply import as_stored, overridden

    return check.check_spec(spec, as_stored(options)) if overridden(options) else None
