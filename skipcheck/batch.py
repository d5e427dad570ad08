"""A whole ``skipcheck validate`` run: expand the inputs, check each file under its config,
report, and decide the exit code over all files."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from skipcheck.check import Options, check_spec
from skipcheck.errors import SkipcheckError
from skipcheck.inputs import expand
from skipcheck.report import Tally, reporter_for
from skipcheck.result import FileResult

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


@dataclass
class Run:
    """The options of one run, as the command line gave them."""

    files: list[str]
    options: Options
    output_format: str | None = None
    quiet: bool = False
    exit_zero: bool = False


def validate_command(
    files: list[str],
    input: str | None,
    sets: list[str] | None,
    quiet: bool,
    output_format: str | None,
    output: str | None,
    config: str | None,
    exit_zero: bool,
) -> int:
    """``skipcheck validate`` from its parsed command line: the exit code of the run."""
    options = Options.parse(sets, input, config, fixes=True)
    run = Run(files, options, output_format, quiet, exit_zero)
    if output is None:
        return execute(run, None)
    try:
        stream = open(output, "w", encoding="utf-8")  # noqa: SIM115
    except OSError as exc:
        raise SkipcheckError(f"cannot write {output}: {exc.strerror or exc}") from None
    with stream:
        return execute(run, stream)


def default_format(env: Mapping[str, str]) -> str:
    """``github`` under GitHub Actions (annotations on the pull request), else ``full``."""
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "full"


def execute(run: Run, stream: TextIO | None) -> int:
    """Check every file and report; raises SkipcheckError only when nothing can be checked."""
    factory = reporter_for(run.output_format or default_format(os.environ))
    options = run.options
    args = run.files or list(options.configs.for_dir(os.getcwd()).files)
    if not args:
        raise SkipcheckError(
            "no spec files given: name files, directories or globs, "
            "or set `files` in [tool.skipcheck]"
        )
    inputs = expand(args)
    reporter = factory(stream, run.quiet)
    tally = Tally()  # each result is reported and let go: only the totals are kept
    for path in inputs.files:
        result = check_spec(path, options)
        reporter.file(result)
        tally.add(result)
    for arg in inputs.missing:
        if os.path.isdir(arg):
            reason = f"{arg} is a directory without .yaml/.yml files"
        elif os.path.exists(arg) or not set("*?[") & set(arg):
            reason = f"cannot read {arg}: no such file or directory"
        else:
            reason = f"{arg} matches no files"
        result = FileResult(arg, error=SkipcheckError(reason))
        reporter.file(result)
        tally.add(result)
    reporter.summary(tally)
    if tally.failed:
        return EXIT_ERROR
    if run.exit_zero or tally.ok:
        return EXIT_CLEAN
    return EXIT_FINDINGS
