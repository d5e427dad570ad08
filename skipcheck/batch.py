"""A whole ``skipcheck validate`` run: expand the inputs, check each file under its config,
report, and decide the exit code over all files."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from skipcheck.boundary import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from skipcheck.check import Options, check_spec
from skipcheck.errors import SkipcheckError
from skipcheck.inputs import STDIN, expand
from skipcheck.report import Tally, reporter_for
from skipcheck.result import FileResult
from skipcheck.spec.yamltree import MAX_BYTES

_SPEC_KEY = re.compile(r"^skipcheck\s*:", re.MULTILINE)


@dataclass
class Run:
    """The options of one run, as the command line gave them."""

    files: list[str]
    options: Options
    output_format: str | None = None
    quiet: bool = False
    exit_zero: bool = False
    depth: int | None = None  # collapse the full format's layer table below this level
    statistics: bool = False  # one line per rule with its count, instead of the findings
    stdin_filename: str | None = None  # what `-` is called in messages and for its config
    stdin: TextIO | None = None  # where `-` is read from (default: sys.stdin)
    args: str | None = None  # --args: the factory's arguments, for a model reference


@dataclass
class Plan:
    """What a run checks: the files in order, the ones left out and why, and config files
    that could not be read (each once, with the specs under it not checked)."""

    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    broken_configs: list[SkipcheckError] = field(default_factory=list)
    models: set[str] = field(default_factory=set)  # PyTorch model references among files


def validate_command(
    files: list[str],
    *,
    input: str | None = None,
    sets: list[str] | None = None,
    quiet: bool = False,
    output_format: str | None = None,
    output: str | None = None,
    config: str | None = None,
    exit_zero: bool = False,
    select: list[str] | None = None,
    extend_select: list[str] | None = None,
    ignore: list[str] | None = None,
    depth: int | None = None,
    statistics: bool = False,
    no_fixes: bool = False,
    list_settings: bool = False,
    list_files: bool = False,
    stdin_filename: str | None = None,
    args: str | None = None,
) -> int:
    """``skipcheck validate`` from its parsed command line: the exit code of the run.
    (The typer command and the start-up fast path in ``launch.py`` both call this.)"""
    from skipcheck.config import Selection

    selection = Selection.parse(select, extend_select, ignore)
    options = Options.parse(
        sets,
        input,
        config,
        fixes=not (statistics or no_fixes),
        sweep=False,
        selection=selection,
    )
    names = files
    if stdin_filename is not None and "-" not in names:
        names = [*names, "-"]  # a name for stdin means stdin is read (ruff's way)
    run = Run(
        names,
        options,
        output_format,
        quiet,
        exit_zero,
        depth=depth,
        statistics=statistics,
        stdin_filename=stdin_filename,
        args=args,
    )
    if list_settings or list_files:  # --show-settings, --show-files
        (show_settings if list_settings else show_files)(run, sys.stdout)
        return EXIT_CLEAN
    if output is None:
        return execute(run, None)
    import io

    from skipcheck.atomic import same_file, write_text_atomic

    # the report must never replace a spec, nor be read as one on the next run
    for path in expand(files).files:
        if same_file(path, output):
            raise SkipcheckError(f"refusing to write the report over {path}, one of the inputs")
    buffer = io.StringIO()  # written only once complete: never a truncated report
    code = execute(run, buffer)
    try:
        write_text_atomic(output, buffer.getvalue())
    except OSError as exc:
        raise SkipcheckError(
            f"cannot write {output}: {exc.strerror or exc}; nothing was written"
        ) from None
    return code


def default_format(env: Mapping[str, str]) -> str:
    """``github`` under GitHub Actions (annotations on the pull request), else ``full``."""
    return "github" if env.get("GITHUB_ACTIONS") == "true" else "full"


def plan(run: Run) -> Plan:
    """The files ``run`` checks. Files that a directory scan or a glob found (not named) are
    left out when git ignores them, when the config's ``exclude`` matches, or when they are
    not skipcheck specs at all (no top-level ``skipcheck:`` key: a CI workflow, a
    docker-compose file)."""
    options = run.options
    args = run.files or list(options.configs.for_dir(os.getcwd()).files)
    if not args:
        raise SkipcheckError(
            "no spec files given: name files, directories or globs, "
            "or set `files` in [tool.skipcheck]"
        )
    inputs = expand(args)
    out = Plan(skipped=list(inputs.skipped), missing=inputs.missing, models=inputs.models)
    under: dict[int, tuple[SkipcheckError, int]] = {}  # broken config → specs not checked
    for path in inputs.files:
        where = run.stdin_filename or path if path == STDIN else path
        try:
            config = options.configs.for_file(where)
        except SkipcheckError as exc:
            _, n = under.get(id(exc), (exc, 0))
            under[id(exc)] = (exc, n + 1)
            continue
        if path in inputs.found:
            pattern = config.excluded(path)
            if pattern is not None:
                out.skipped.append((path, f"excluded by {pattern!r} in {config.path}"))
                continue
            text = _read(path)
            if text is not None and _SPEC_KEY.search(text) is None:
                out.skipped.append((path, "not a skipcheck spec (no `skipcheck:` key)"))
                continue
        out.files.append(path)
    for broken, n in under.values():
        specs = f"{n} spec{'s' * (n != 1)}"
        out.broken_configs.append(
            SkipcheckError(f"{broken.message} ({specs} not checked)", broken.pos)
        )
    return out


def execute(run: Run, stream: TextIO | None) -> int:
    """Check every file and report; raises SkipcheckError only when nothing can be checked."""
    fmt = run.output_format or default_format(os.environ)
    factory = reporter_for(fmt)
    if run.depth is not None and fmt != "full":
        raise SkipcheckError(
            f"--depth shapes the layer table of the full format, not of {fmt} output"
        )
    todo = plan(run)
    for path, why in todo.skipped:
        if "not a skipcheck spec" in why and not run.quiet:
            sys.stderr.write(f"note: skipped {path}: {why}\n")
    options: dict[str, Any] = {} if run.depth is None else {"depth": run.depth}
    reporter = factory(None if run.statistics else stream, run.quiet, **options)
    tally = Tally()  # each result is reported and let go: only the totals are kept

    def done(result: FileResult) -> None:
        tally.add(result)
        if not run.statistics:
            reporter.file(result)

    for exc in todo.broken_configs:
        file = exc.pos.file if exc.pos is not None else "config"
        done(FileResult(file, error=exc))
    # prove what the format shows: every fix (full, json, sarif), one per site where only
    # the errors with a fix are counted (concise), none for annotations (github)
    check = run.options
    if check.fixes and factory.FIXES != "all":
        check = replace(check, fixes=factory.FIXES != "none", first_fix=factory.FIXES == "first")
    for path in todo.files:
        if path == STDIN:
            text = (run.stdin or sys.stdin).read()
            done(check_spec(run.stdin_filename or STDIN, check, text=text))
        elif path not in todo.models:
            done(check_spec(path, check))
        else:
            from skipcheck.torch.reference import check_model

            done(check_model(path, check, args=run.args))
    for arg in todo.missing:
        if os.path.isdir(arg):
            reason = f"{arg} is a directory without .yaml/.yml files"
        elif os.path.exists(arg) or not set("*?[") & set(arg):
            reason = f"cannot read {arg}: no such file or directory"
        else:
            reason = f"{arg} matches no files"
        done(FileResult(arg, error=SkipcheckError(reason)))
    if run.statistics:
        statistics(tally, fmt, stream or sys.stdout)
    else:
        reporter.summary(tally)
    if tally.failed:
        return EXIT_ERROR
    if run.exit_zero or tally.ok:
        return EXIT_CLEAN
    return EXIT_FINDINGS


def statistics(tally: Tally, fmt: str, out: TextIO) -> None:
    """``--statistics``: how often each rule fired, most frequent first (ruff's layout)."""
    from skipcheck.rules import RULES

    rows = sorted(tally.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    if fmt == "json":
        doc = [
            {"code": code, "name": RULES[code].name, "severity": sev, "count": n}
            for (code, sev), n in rows
        ]
        import json

        json.dump(doc, out, indent=2)
        out.write("\n")
    else:
        width = max((len(str(n)) for _, n in rows), default=1)
        for (code, sev), n in rows:
            out.write(f"{n:>{width}}  {code}  {RULES[code].name:<22} {sev}\n")
    for error in tally.failures:
        sys.stderr.write(f"error: {error}\n")


def _read(path: str) -> str | None:
    """A found file's text, or None when it is not a regular file or cannot be read
    (check_spec then says why)."""
    if not os.path.isfile(path):
        return None
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1).decode("utf-8-sig", errors="replace")
    except OSError:
        return None


def show_files(run: Run, out: TextIO) -> None:
    """``--show-files``: the files a run would check, one a line; what it leaves out, and
    why, on stderr."""
    todo = plan(run)
    for path in todo.files:
        out.write(f"{path}\n")
    for path, why in todo.skipped:
        sys.stderr.write(f"skipped {path}: {why}\n")
    for exc in todo.broken_configs:
        raise exc
    for arg in todo.missing:
        sys.stderr.write(f"nothing found for {arg}\n")


def show_settings(run: Run, out: TextIO) -> None:
    """``--show-settings``: the settings the first file is checked with, command-line
    options included; with no files, the settings of the current directory."""
    configured = run.options.configs.for_dir(os.getcwd()).files
    todo = plan(run) if run.files or configured else Plan()
    for exc in todo.broken_configs:
        raise exc
    target = todo.files[0] if todo.files else os.path.join(os.getcwd(), "-")
    where = run.stdin_filename or target if target == STDIN else target
    config = run.options.configs.for_file(where)

    def listed(values: tuple[str, ...], empty: str) -> str:
        return ", ".join(values) if values else empty

    severity = ", ".join(f"{code} = {level}" for code, level in config.severity.items())
    shape = run.options.input_shape
    lines = [
        f"settings for {target if todo.files else os.getcwd() + os.sep}",
        f"  config file  {config.path or 'none (defaults)'}",
        f"  select       {listed(config.select, 'every rule')}",
        f"  ignore       {listed(config.ignore, 'nothing')}",
        f"  severity     {severity or 'as each rule says'}",
        f"  input        {'x'.join(map(str, shape)) if shape else config.input or 'the spec'}",
        f"  files        {listed(config.files, 'none (name them on the command line)')}",
        f"  exclude      {listed(config.exclude, 'nothing (git-ignored files are skipped)')}",
        f"  format       {run.output_format or default_format(os.environ)}",
    ]
    out.write("\n".join(lines) + "\n")
