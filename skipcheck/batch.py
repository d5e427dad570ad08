"""A whole ``skipcheck validate`` run: expand the inputs, check each file under its config,
report, and decide the exit code over all files."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TextIO

from skipcheck.check import Options, check_spec
from skipcheck.check.result import FileResult
from skipcheck.core.boundary import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS
from skipcheck.core.errors import SkipcheckError
from skipcheck.inputs import STDIN, expand, read_stdin
from skipcheck.report import Reporter, ReporterFactory, Tally, reporter_for
from skipcheck.specfile.yamltree import MAX_BYTES
from skipcheck.validate_options import ValidateArgs

_SPEC_KEY = re.compile(r"^skipcheck\s*:", re.MULTILINE)
NOT_A_SPEC = "not a skipcheck spec (no `skipcheck:` key)"
NAMED_NOT_A_SPEC = "not a skipcheck spec (no `skipcheck:` key; --specs-only)"


@dataclass
class Run:
    """The options of one run, as the command line gave them."""

    files: list[str]
    options: Options
    output_format: str | None = None
    quiet: int = 0  # -q: one line per finding; -qq (--silent): nothing, only the exit code
    exit_zero: bool = False
    depth: int | None = None  # collapse the full format's layer table below this level
    statistics: bool = False  # one line per rule with its count, instead of the findings
    stdin_filename: str | None = None  # what `-` is called in messages and for its config
    stdin: TextIO | None = None  # where `-` is read from (default: sys.stdin)
    table: bool = False  # --table: the full format's layer tables whatever the file count
    specs_only: bool = False  # named YAML files without a `skipcheck:` key are skipped too
    jobs: int = 1  # worker processes checking files side by side
    args: str | None = None  # --args: the factory's arguments, for a model reference


@dataclass
class Plan:
    """What a run checks: the files in order, the ones left out and why, and config files
    that could not be read (each once, with the specs under it not checked)."""

    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    broken_configs: list[SkipcheckError] = field(default_factory=list)
    # one spec named on the command line (or `-`): the run that gets the whole report
    single: bool = False
    models: set[str] = field(default_factory=set)  # PyTorch model references among files


def validate_command(files: list[str], **given: Any) -> int:
    """``skipcheck validate`` from its parsed command line (the fields of ``ValidateArgs``):
    the exit code of the run. (The typer command and the start-up fast path in
    ``launch.py`` both call this.)"""
    from skipcheck.check.config import Selection

    args = ValidateArgs(files, **given)
    selection = Selection.parse(args.select, args.extend_select, args.ignore)
    options = Options.parse(
        args.sets,
        args.input,
        args.config,
        fixes=not (args.statistics or args.no_fixes),
        sweep=False,
        selection=selection,
    )
    names = files
    if args.stdin_filename is not None and "-" not in names:
        names = [*names, "-"]  # a name for stdin means stdin is read (ruff's way)
    run = Run(
        names,
        options,
        args.output_format,
        2 if args.silent else min(int(args.quiet), 2),
        args.exit_zero,
        depth=args.depth,
        statistics=args.statistics,
        stdin_filename=args.stdin_filename,
        table=args.table,
        specs_only=args.specs_only,
        jobs=available_cores() if args.jobs is None else args.jobs,
        args=args.args,
    )
    if args.list_settings or args.list_files:  # --show-settings, --show-files
        (show_settings if args.list_settings else show_files)(run, sys.stdout)
        return EXIT_CLEAN
    if args.output is None:
        return execute(run, None)
    from skipcheck.atomic import Output

    # the report must never replace a spec, nor be read as one on the next run
    sink = Output.to(args.output, "the report", (("the spec", p) for p in expand(files).files))
    buffer = io.StringIO()  # written only once complete: never a truncated report
    code = execute(run, buffer)
    sink.write(buffer.getvalue())
    return code


def available_cores() -> int:
    """The cores this process may run on (a container's or taskset's limit, not the
    machine's count)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


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
        if path in inputs.found or (run.specs_only and path not in (STDIN, *inputs.models)):
            # a hook passes every staged YAML file by name: with --specs-only, the ones
            # that are not specs (or that the config excludes) are left out like found ones
            pattern = config.excluded(path)
            if pattern is not None:
                out.skipped.append((path, f"excluded by {pattern!r} in {config.path}"))
                continue
            text = _read(path)
            if text is not None and _SPEC_KEY.search(text) is None:
                # named ones are skipped silently (--show-files still lists them)
                out.skipped.append((path, NOT_A_SPEC if path in inputs.found else NAMED_NOT_A_SPEC))
                continue
        out.files.append(path)
    for broken, n in under.values():
        specs = f"{n} spec{'s' * (n != 1)}"
        out.broken_configs.append(
            SkipcheckError(f"{broken.message} ({specs} not checked)", broken.pos)
        )
    named = [p for p in out.files if p not in inputs.found]
    out.single = len(out.files) == 1 and len(named) == 1 and not inputs.missing
    return out


def execute(run: Run, stream: TextIO | None) -> int:
    """Check every file and report; raises SkipcheckError only when nothing can be checked."""
    fmt = run.output_format or default_format(os.environ)
    for option, given in (("--depth", run.depth is not None), ("--table", run.table)):
        if given and fmt != "full":
            raise SkipcheckError(f"{option} shapes the layer tables of the full format, not {fmt}")
        if given and run.quiet == 1:
            raise SkipcheckError(f"{option} shapes the layer tables, and -q prints none")
    todo = plan(run)
    # silence is about what is printed: a report asked for with -o FILE is still written
    silent = run.quiet >= 2 and stream is None
    if silent:
        stream = _Discard()
    for path, why in todo.skipped:
        if why == NOT_A_SPEC and not run.quiet:
            sys.stderr.write(f"note: skipped {path}: {why}\n")
    factory, shape = choose_reporter(run, fmt, todo.single)
    reporter = factory(None if run.statistics else stream, **shape)
    tally = Tally()  # each result is reported and let go: only the totals are kept

    def done(result: FileResult) -> None:
        tally.add(result)
        if not run.statistics:
            reporter.file(result)

    for exc in todo.broken_configs:
        file = exc.pos.file if exc.pos is not None else "config"
        done(FileResult(file, error=exc))
    # prove what the format shows: every fix (full, json, sarif), one per site where only
    # the errors with a fix are counted (concise), none for annotations (github) or silence
    check = run.options
    if check.fixes and (factory.FIXES != "all" or silent):
        proves = factory.FIXES != "none" and not silent
        check = replace(check, fixes=proves, first_fix=factory.FIXES == "first")
    # (the name in messages, the text when it is not read from that file: stdin)
    tasks: list[tuple[str, str | None]] = [
        (run.stdin_filename or STDIN, read_stdin(run.stdin)) if path == STDIN else (path, None)
        for path in todo.files
    ]
    parallel = run.jobs > 1 and len(tasks) >= MIN_PARALLEL and "fork" in _start_methods()
    # a PyTorch model reference imports torch: checked here, never in a forked worker
    if parallel and not todo.models:
        # the first file here: what checking imports and caches, the workers then inherit
        first, piped = tasks.pop(0)
        done(check_spec(first, check, text=piped))
        target = stream or sys.stdout
        worker = Worker(factory, shape, None if run.statistics else stream, check)
        for printed, records, part in worker.map(tasks, run.jobs):
            tally.merge(part)
            if not run.statistics:
                target.write(printed)
                if records:
                    reporter.records.extend(records)  # type: ignore[attr-defined]
    else:
        for path, piped in tasks:
            if path in todo.models:
                from skipcheck.torch.reference import check_model

                done(check_model(path, check, args=run.args))
            else:
                done(check_spec(path, check, text=piped))
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


def choose_reporter(run: Run, fmt: str, single: bool) -> tuple[ReporterFactory, dict[str, Any]]:
    """The reporter for a run and how it is shaped. The full format scales with the run,
    as ruff's output does: one spec named on the command line gets its layer table, valid
    sizes and findings; several files, or a directory, get the findings and the summary
    (``--table`` asks for the tables anyway); ``-q`` gets one line per finding and the
    summary (the concise format's lines)."""
    if fmt == "full" and run.quiet == 1:
        return reporter_for("concise"), {}
    if fmt != "full":
        return reporter_for(fmt), {"quiet": run.quiet > 0}
    tables = run.table or run.depth is not None or single
    shape: dict[str, Any] = {"quiet": not tables}
    if run.depth is not None:
        shape["depth"] = run.depth
    return reporter_for(fmt), shape


class _Discard(io.StringIO):
    """Where a silent run's report goes: nowhere, without keeping it."""

    def write(self, text: str) -> int:
        return len(text)


MIN_PARALLEL = 4  # fewer files than this are checked in the main process: no pool to start


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


_WORKER: Worker | None = None  # the state of a worker process (set once, by fork)


@dataclass
class Worker:
    """Checks files in forked processes, each reporting its file into a string that the
    main process writes in input order: output as if checked one by one, memory of one
    file per worker. Fork (Linux, macOS) hands each worker the loaded modules and the
    options without pickling them; elsewhere files are checked in the main process."""

    factory: ReporterFactory
    shape: dict[str, Any]
    stream: TextIO | None
    check: Options

    def map(
        self, tasks: list[tuple[str, str | None]], jobs: int
    ) -> Iterator[tuple[str, list[Any] | None, Tally]]:
        import multiprocessing

        global _WORKER
        _WORKER = self
        if self.check.fixes:
            import skipcheck.check.fixes  # noqa: F401  # imported once here, not once per worker
        jobs = min(jobs, len(tasks))
        # a few files per message: fewer round trips, while the order holds up little
        chunk = max(1, min(16, len(tasks) // (jobs * 8)))
        context = multiprocessing.get_context("fork")
        try:
            with context.Pool(jobs) as pool:
                yield from pool.imap(_work, tasks, chunksize=chunk)
        finally:
            _WORKER = None


def _work(task: tuple[str, str | None]) -> tuple[str, list[Any] | None, Tally]:
    """One file in a worker: checked, reported into a string, its totals and records."""
    worker = _WORKER
    assert worker is not None
    path, text = task
    result = check_spec(path, worker.check, text=text)
    sink = io.StringIO()
    # the reporter is made as the main process made its own (colour and width from the
    # same stdout), then told to write into the sink
    reporter = worker.factory(worker.stream, **worker.shape)
    capture(reporter, sink)
    reporter.file(result)
    part = Tally()
    part.add(result)
    records = getattr(reporter, "records", None)
    return sink.getvalue(), records, part


def capture(reporter: Reporter, sink: TextIO) -> None:
    """Point a reporter's writes at ``sink``."""
    reporter.stream = sink  # type: ignore[attr-defined]
    if hasattr(reporter, "out"):
        reporter.out = sink


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
