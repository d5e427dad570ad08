"""The command line: parse options, call the core, map outcomes to exit codes (0/1/2)."""

from __future__ import annotations

import dataclasses
import functools
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

from skipcheck import __version__
from skipcheck.boundary import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    failure,
    run_process,
)
from skipcheck.errors import SkipcheckError
from skipcheck.terminal import visible

if TYPE_CHECKING:
    from skipcheck.check import Options

app = typer.Typer(
    name="skipcheck",
    help="Catch broken skip connections in architecture specs before you build the model.",
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)

F = TypeVar("F", bound=Callable[..., Any])


def boundary(command: F) -> F:
    """The error boundary of every command (see ``skipcheck.boundary.failure``)."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except (typer.Exit, typer.Abort):
            raise
        except Exception as exc:
            raise typer.Exit(failure(exc)) from None

    return run  # type: ignore[return-value]


def _version(value: bool) -> None:
    if value:
        typer.echo(f"skipcheck {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    """skipcheck: shapes, skip connections and valid input sizes of architecture specs."""


SET_HELP = (
    "Override a value (repeatable): a param (base=48), the input (input=1x3x500x500), "
    "or any value by path (d2.add=e3, 'decoder.d2.layers[1]={concat: e2}'). Values are YAML."
)

# the options most commands share, declared once
InputOption = Annotated[
    str | None,
    typer.Option("--input", "-i", help="Input shape, e.g. 1x3x256x256 (or 1x3xHxW for symbols)."),
]
SetOption = Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)]
ConfigOption = Annotated[
    str | None,
    typer.Option(
        "--config",
        help="Settings file (pyproject.toml or .skipcheck.yaml) for every spec "
        "(default: the nearest one above each spec).",
    ),
]
ArgsOption = Annotated[
    str | None,
    typer.Option(
        "--args",
        help="For a PyTorch model given in place of a spec (model.py:Net, pkg.module:factory): "
        "the factory's arguments as YAML, '{in_channels: 1}'.",
    ),
]


def _checked(spec: str, options: Any, args: str | None = None) -> Any:
    """A spec file checked, or a PyTorch model reference imported into a spec held in memory
    and checked (torch is imported only then)."""
    from skipcheck.torch.reference import is_model_reference

    if is_model_reference(spec):
        from skipcheck.torch.reference import check_model

        return check_model(spec, options, args=args)
    from skipcheck.check import check_spec

    return check_spec(spec, options)


StdinFilenameOption = Annotated[
    str | None,
    typer.Option(
        "--stdin-filename",
        help="The name of the spec read from `-` (stdin), for messages and its config.",
    ),
]


def spec_argument(arg: str, stdin_filename: str | None) -> tuple[str, str | None]:
    """A spec as the command line names it → (its name in messages, its text when that is
    not read from the path): ``-`` reads stdin, named by ``--stdin-filename``."""
    from skipcheck.inputs import STDIN, read_stdin

    if arg == STDIN:
        return stdin_filename or STDIN, read_stdin()
    if stdin_filename is not None:
        raise SkipcheckError(
            "--stdin-filename names the spec read from stdin: give `-` as the spec"
        )
    return arg, None


def spec_options(
    arg: str,
    stdin_filename: str | None,
    sets: list[str] | None,
    input: str | None,
    config: str | None,
) -> tuple[str, Options]:
    """The spec a one-spec command works on: its name, and the Options to check it with
    (options are read first, so that a bad one stops the run before stdin is read)."""
    from skipcheck.check import Options

    options = Options.parse(sets, input, config)
    name, text = spec_argument(arg, stdin_filename)
    return name, dataclasses.replace(options, text=text)


def _complete_format(incomplete: str) -> list[str]:
    from skipcheck.report import REPORTERS

    return [name for name in REPORTERS if name.startswith(incomplete)]


@app.command()
@boundary
def validate(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Spec files, directories (searched for *.yaml, *.yml) or globs; "
            "default: `files` from the config.",
            show_default=False,
        ),
    ] = None,
    input: InputOption = None,
    set_: SetOption = None,
    quiet: Annotated[
        int,
        typer.Option(
            "--quiet",
            "-q",
            count=True,
            help="-q: one line per finding, and the summary; -qq: nothing, only the exit code.",
        ),
    ] = 0,
    silent: Annotated[
        bool, typer.Option("--silent", help="Print nothing; only the exit code tells (as -qq).")
    ] = False,
    table: Annotated[
        bool,
        typer.Option(
            "--table",
            help="Show each file's layer table and valid sizes even when checking several.",
        ),
    ] = False,
    specs_only: Annotated[
        bool,
        typer.Option(
            "--specs-only",
            help="Skip named YAML files without a `skipcheck:` key, silently (for hooks that "
            "pass every staged *.yaml).",
        ),
    ] = False,
    jobs: Annotated[
        int | None,
        typer.Option(
            "--jobs",
            "-j",
            min=1,
            help="Check files in N processes side by side (default: the available cores); "
            "the output keeps the order of the files.",
            show_default=False,
        ),
    ] = None,
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format",
            help="concise, full, json, github or sarif "
            "(default: github under GitHub Actions, else full).",
            show_default=False,
            autocompletion=_complete_format,
        ),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the report to FILE.")
    ] = None,
    config: ConfigOption = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
    select: Annotated[
        list[str] | None,
        typer.Option(
            "--select",
            help="Report only these codes or prefixes (SC1,SC301); replaces the config's select.",
        ),
    ] = None,
    extend_select: Annotated[
        list[str] | None,
        typer.Option("--extend-select", help="Add codes or prefixes to the selection."),
    ] = None,
    ignore: Annotated[
        list[str] | None,
        typer.Option(
            "--ignore", help="Never report these codes or prefixes (added to the config's)."
        ),
    ] = None,
    depth: Annotated[
        int | None,
        typer.Option(
            "--depth",
            min=1,
            help="Collapse the layer table below this level (1: one row per stage).",
        ),
    ] = None,
    statistics: Annotated[
        bool, typer.Option("--statistics", help="Count findings per rule instead of listing them.")
    ] = False,
    no_fixes: Annotated[
        bool,
        typer.Option(
            "--no-fixes",
            help="Do not prove fixes for the findings (faster over a large repository; "
            "`skipcheck fix` still finds them).",
        ),
    ] = False,
    show_settings: Annotated[
        bool,
        typer.Option("--show-settings", help="Print the settings the first file gets, and exit."),
    ] = False,
    show_files: Annotated[
        bool, typer.Option("--show-files", help="Print the files that would be checked, and exit.")
    ] = False,
    stdin_filename: StdinFilenameOption = None,
    args: ArgsOption = None,
) -> None:
    """Propagate shapes through specs and report every broken skip connection.

    The report scales with the run: one spec named on the command line gets its layer
    table, valid input sizes and findings; several files or a directory get the findings
    and one summary (--table adds the tables); -q prints one line per finding; -qq or
    --silent prints nothing. `-` reads a spec from stdin; model.py:Net or
    pkg.module:factory checks a PyTorch model."""
    from skipcheck.batch import validate_command

    raise typer.Exit(
        validate_command(
            files or [],
            input=input,
            sets=set_,
            quiet=quiet,
            silent=silent,
            table=table,
            specs_only=specs_only,
            jobs=jobs,
            output_format=output_format,
            output=output,
            config=config,
            exit_zero=exit_zero,
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            depth=depth,
            statistics=statistics,
            no_fixes=no_fixes,
            list_settings=show_settings,
            list_files=show_files,
            stdin_filename=stdin_filename,
            args=args,
        )
    )


@app.command()
@boundary
def rules(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the rule reference (docs/rules.md).")
    ] = False,
    output_format: Annotated[
        str,
        typer.Option("--output-format", help="text or json (one object per rule, with its docs)."),
    ] = "text",
) -> None:
    """List every rule code with its name, severity and summary."""
    if markdown:
        from skipcheck.rules.docs import markdown as render

        typer.echo(render(), nl=False)
        return
    from skipcheck.rules import RULES

    if output_format == "json":
        import json

        from skipcheck.rules.docs import parse

        records = [
            {
                "code": r.code,
                "name": r.name,
                "severity": r.severity,
                "summary": r.summary,
                "kind": r.kind,
                "size_free": r.size_free,
                "torch_raises": r.torch_raises,
                "fixes": list(r.fixes),
                "what_it_checks": doc.what,
                "why_it_matters": doc.why,
                "example": doc.example,
                "use_instead": doc.fix,
                "fixed_example": doc.fixed,
            }
            for r, doc in ((r, parse(r)) for r in RULES.values())
        ]
        typer.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    if output_format != "text":
        raise SkipcheckError(f"unknown output format {output_format!r} (formats: text, json)")
    for r in RULES.values():
        typer.echo(f"{r.code}  {r.name:<22} {r.severity:<8} {r.summary}")


@app.command()
@boundary
def explain(
    code: Annotated[str, typer.Argument(help="A rule code (SC101) or name (merge-channels).")],
) -> None:
    """What a rule checks, why it matters, a failing example and the fixed one."""
    from skipcheck.rules import lookup
    from skipcheck.rules.docs import parse, text

    typer.echo(text(parse(lookup(code))), nl=False)


@app.command()
@boundary
def schema() -> None:
    """Print the JSON Schema of the spec format (for editors' YAML language server)."""
    import json

    from skipcheck.spec.schema import spec_schema

    typer.echo(json.dumps(spec_schema(), indent=2))


@app.command()
@boundary
def whatif(
    file: Annotated[str, typer.Argument(help="The spec to explore.", show_default=False)],
    set_: SetOption = None,
    sweep: Annotated[
        str | None,
        typer.Option(
            "--sweep",
            help="Check once per value: base=16,24,32 (any --set key) or H=200..600 "
            "(an input-size symbol; `size` for every spatial axis).",
        ),
    ] = None,
    step: Annotated[
        int | None, typer.Option("--step", help="Stride of a --sweep range (or H=200..600:8).")
    ] = None,
    input: InputOption = None,
    config: ConfigOption = None,
    stdin_filename: StdinFilenameOption = None,
) -> None:
    """Compare the spec with and without --set overrides, or --sweep one value over a range."""
    from rich.console import Console

    # off a terminal (a file, a pipe, a CI log) nothing is wrapped or squeezed to 80 columns
    wide = None if sys.stdout.isatty() else 100_000
    console = Console(highlight=False, soft_wrap=False, emoji=False, width=wide)
    file, options = spec_options(file, stdin_filename, set_, input, config)
    if sweep is not None:
        ok = _run_sweep(console, file, sweep, step, options)
    elif not options.overrides:
        raise SkipcheckError("nothing to compare: give --set KEY=VALUE or --sweep KEY=VALUES")
    else:
        from skipcheck.whatif.compare import compare
        from skipcheck.whatif.render import show_comparison

        comparison = compare(file, options)
        show_comparison(console, comparison)
        ok = comparison.ok
    raise typer.Exit(EXIT_CLEAN if ok else EXIT_FINDINGS)


def _run_sweep(console: Any, file: str, sweep: str, step: int | None, options: Any) -> bool:
    """Run a sweep with a progress bar that appears only when it takes more than a moment."""
    import time

    from rich.progress import Progress

    from skipcheck.whatif.render import show_sweep
    from skipcheck.whatif.sweep import parse_sweep, run_sweep

    key, values = parse_sweep(sweep, step)
    started = time.perf_counter()
    bar: Progress | None = None
    task = None

    def progress(done: int, total: int) -> None:
        nonlocal bar, task
        elapsed = time.perf_counter() - started
        # only at a terminal: off one (a pipe, a CI log) a bar would leave an empty line
        slow = elapsed / done * (total - done) > 0.5
        if bar is None and console.is_terminal and done < total and slow:
            bar = Progress(console=console, transient=True)
            bar.start()
            task = bar.add_task(f"{key}", total=total)
        if bar is not None and task is not None:
            bar.update(task, completed=done)

    try:
        result = run_sweep(file, key, values, options, progress)
    finally:
        if bar is not None:
            bar.stop()
    show_sweep(console, result)
    return all(r.ok for r in result.rows)


FixFormatOption = Annotated[
    str,
    typer.Option("--output-format", help="full (text and diffs) or json (the fixes as data)."),
]


@app.command()
@boundary
def fix(
    spec: Annotated[
        str,
        typer.Argument(help="The spec file to fix, or a PyTorch model.", show_default=False),
    ],
    number: Annotated[
        int | None,
        typer.Argument(
            metavar="[N]",
            help="Which fix --apply or --dry-run uses (default 1, the top-ranked).",
            show_default=False,
        ),
    ] = None,
    apply: Annotated[
        bool,
        typer.Option("--apply", help="Write fix N into the file in place, then re-validate it."),
    ] = False,
    apply_all: Annotated[
        bool,
        typer.Option(
            "--apply-all",
            help="Apply the top fix of each finding in turn, re-checking after each, "
            "until clean or no proven fix is left; write the result.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the fixed file instead of writing it.")
    ] = False,
    unsafe_fixes: Annotated[
        bool,
        typer.Option(
            "--unsafe-fixes",
            help="With --apply-all, apply unsafe fixes too (new layers, crops, input sizes, "
            "shared-block edits).",
        ),
    ] = False,
    input: InputOption = None,
    set_: SetOption = None,
    config: ConfigOption = None,
    stdin_filename: StdinFilenameOption = None,
    output_format: FixFormatOption = "full",
    args: ArgsOption = None,
) -> None:
    """List proven fixes for every finding, with diffs; --apply N writes one in place."""
    from skipcheck.check import check_spec
    from skipcheck.fixes.apply import apply_all as apply_each
    from skipcheck.fixes.apply import refusal, write_spec
    from skipcheck.report.fixes import FixReporter

    if output_format not in ("full", "json"):
        raise SkipcheckError(f"fix prints full or json, not {output_format!r}")
    if sum((apply, apply_all, dry_run)) > 1:
        raise SkipcheckError("choose one of --apply, --apply-all and --dry-run")
    spec, options = spec_options(spec, stdin_filename, set_, input, config)
    if options.text is not None and (apply or apply_all):
        raise SkipcheckError(
            "a spec read from stdin has no file to write the fix into: "
            "--dry-run prints the fixed spec"
        )
    reporter = FixReporter(as_json=output_format == "json")
    if apply or apply_all or dry_run:
        from skipcheck.torch.reference import is_model_reference

        if is_model_reference(spec):
            raise SkipcheckError(
                f"{spec} is PyTorch code, not a spec file: there is nothing to write a fix "
                f"into. `skipcheck fix {spec}` says what to change in the code"
            )
    if apply_all:
        if number is not None:
            raise SkipcheckError("--apply-all applies every proven fix; it takes no number")
        from skipcheck.spec.yamltree import read_file

        read = read_file(spec)
        applied, last, left = apply_each(spec, options, read, unsafe=unsafe_fixes)
        if last.error is not None:
            raise last.error
        if applied:
            write_spec(spec, applied[-1].text, read)
        after = check_spec(spec, options) if applied else last
        steps = [(f"step {k}", f) for k, f in enumerate(applied, 1)]
        raise typer.Exit(reporter.applied(spec, steps, after, _stored(spec, options), left))
    if unsafe_fixes:
        raise SkipcheckError("--unsafe-fixes goes with --apply-all")
    result = _checked(spec, dataclasses.replace(options, fixes=True), args)
    if result.error is not None:
        raise result.error
    fixes = [f for _, site_fixes in result.fixes for f in site_fixes]
    if not apply and not dry_run:
        if number is not None:
            raise SkipcheckError("a fix number goes with --apply or --dry-run")
        reporter.listing(result)
        raise typer.Exit(EXIT_CLEAN if result.ok else EXIT_FINDINGS)
    number = 1 if number is None else number
    if result.ok:
        reporter.applied(spec, [], result, None)
        raise typer.Exit(EXIT_CLEAN)
    if not 1 <= number <= len(fixes):
        raise SkipcheckError(f"there is no fix {number}: {spec} has {len(fixes)} proven fix(es)")
    chosen = fixes[number - 1]
    why = refusal(spec, result, chosen, options)
    if why is not None:
        raise SkipcheckError(f"not writing fix {number} ({chosen.title}): {why}")
    if dry_run:
        typer.echo(chosen.text, nl=False)
        raise typer.Exit(EXIT_FINDINGS if chosen.partial else EXIT_CLEAN)
    write_spec(spec, chosen.text, result.text)
    after = check_spec(spec, options)
    steps = [(f"fix {number}", chosen)]
    raise typer.Exit(reporter.applied(spec, steps, after, _stored(spec, options)))


def _stored(spec: str, options: Any) -> Any:
    """The spec checked as the file says (its own params and input), when options differ."""
    from skipcheck.check import check_spec
    from skipcheck.fixes.apply import as_stored, overridden

    return check_spec(spec, as_stored(options)) if overridden(options) else None


@app.command()
@boundary
def sizes(
    file: Annotated[str, typer.Argument(help="Spec file, or a PyTorch model.", show_default=False)],
    near: Annotated[
        int | None,
        typer.Option(
            "--near", help="Look for valid sizes near N instead of the spec's input.", min=1
        ),
    ] = None,
    range_: Annotated[
        str | None, typer.Option("--range", help="List the valid sizes in A..B, e.g. 1..1024.")
    ] = None,
    bound: Annotated[
        str,
        typer.Option("--bound", help="Sizes to try one by one where no closed form exists (A..B)."),
    ] = "1..1024",
    input: InputOption = None,
    set_: SetOption = None,
    config: ConfigOption = None,
    stdin_filename: StdinFilenameOption = None,
    output_format: Annotated[
        str,
        typer.Option("--output-format", help="full (text) or json (the sizes as data)."),
    ] = "full",
    args: ArgsOption = None,
) -> None:
    """The exact input sizes a spec takes, per spatial axis, and which layers decide them."""
    from skipcheck.report.sizes import SizesReporter
    from skipcheck.shapes.valid import parse_bound, valid_sizes

    if output_format not in ("full", "json"):
        raise SkipcheckError(f"sizes prints full or json, not {output_format!r}")
    listing = parse_bound(range_) if range_ else None
    file, options = spec_options(file, stdin_filename, set_, input, config)
    result = _checked(file, options, args)
    if result.error is not None:
        raise result.error
    report = valid_sizes(result, near=near, bound=parse_bound(bound))
    if output_format == "json":
        import json

        from skipcheck.report.sizes import sizes_document

        typer.echo(json.dumps(sizes_document(report, listing), indent=2, ensure_ascii=False))
    else:
        SizesReporter().report(report, listing)
    raise typer.Exit(EXIT_CLEAN if report.ok else EXIT_FINDINGS)


@app.command()
@boundary
def dryrun(
    spec: Annotated[str, typer.Argument(help="The spec file.", show_default=False)],
    device: Annotated[
        str, typer.Option("--device", "-d", help="meta (no memory), cpu or cuda.")
    ] = "meta",
    input: InputOption = None,
    force: Annotated[
        bool, typer.Option("--force", help="Run on cpu/cuda even above the memory budget.")
    ] = False,
    set_: SetOption = None,
    config: ConfigOption = None,
    stdin_filename: StdinFilenameOption = None,
) -> None:
    """Run the model once in PyTorch and compare every layer's shape with skipcheck's."""
    from skipcheck.torch import dryrun_command

    result = _torch_spec(spec, stdin_filename, input, set_, config)
    lines, code = dryrun_command(result, device=device, force=force)
    typer.echo("\n".join(lines))
    raise typer.Exit(code)


def _torch_spec(
    spec: str,
    stdin_filename: str | None,
    input: str | None,
    sets: list[str] | None,
    config: str | None,
) -> Any:
    """The checked spec a torch command works on (SkipcheckError without torch)."""
    from skipcheck.check import check_spec
    from skipcheck.torch import require_torch

    require_torch()
    spec, options = spec_options(spec, stdin_filename, sets, input, config)
    result = check_spec(spec, options)
    if result.error is not None:
        raise result.error
    return result


@app.command()
@boundary
def export(
    spec: Annotated[str, typer.Argument(help="The spec file.", show_default=False)],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the code here (default: stdout).")
    ] = None,
    input: InputOption = None,
    set_: SetOption = None,
    config: ConfigOption = None,
    stdin_filename: StdinFilenameOption = None,
) -> None:
    """Write the spec as standalone PyTorch code (it imports only torch)."""
    from skipcheck.atomic import same_file, write_text_atomic
    from skipcheck.torch import export_command

    if output is not None and same_file(output, spec):
        raise SkipcheckError(f"refusing to overwrite the spec {spec} with the exported code")
    result = _torch_spec(spec, stdin_filename, input, set_, config)
    source = export_command(result.graph, input_shape=result.input_shape, text=result.text)
    if output is None:
        typer.echo(source, nl=False)
    else:
        try:
            write_text_atomic(output, source)
        except OSError as exc:
            raise SkipcheckError(
                f"cannot write {output}: {exc.strerror or exc}; nothing was written"
            ) from None
        typer.echo(f"wrote {output}", err=True)


@app.command()
@boundary
def draw(
    spec: Annotated[
        str, typer.Argument(help="The spec file, or a PyTorch model.", show_default=False)
    ],
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", help="Write FILE.svg or FILE.html (default: SVG on stdout)."
        ),
    ] = None,
    input: InputOption = None,
    set_: SetOption = None,
    config: ConfigOption = None,
    stdin_filename: StdinFilenameOption = None,
    depth: Annotated[
        int,
        typer.Option(
            "--depth",
            min=1,
            help="How far to open the boxes, as validate's layer table: 1 one box per stage, "
            "2 the blocks inside, and so on.",
        ),
    ] = 1,
    args: ArgsOption = None,
) -> None:
    """Draw the architecture as SVG or an HTML page, broken merges in red."""
    import os

    from skipcheck.atomic import same_file
    from skipcheck.draw import FORMATS
    from skipcheck.draw import draw as render

    fmt = "svg"
    if output is not None:
        if same_file(output, spec):
            raise SkipcheckError(f"refusing to overwrite the spec {spec} with the picture")
        suffix = os.path.splitext(output)[1].lower()
        if suffix not in FORMATS:
            raise SkipcheckError(f"cannot tell the format of {output}: name it .svg or .html")
        fmt = FORMATS[suffix]
    spec, options = spec_options(spec, stdin_filename, set_, input, config)
    text, errors = render(spec, fmt, options, depth=depth, result=_checked(spec, options, args))
    if output is None:
        typer.echo(text, nl=False)
    else:
        from skipcheck.atomic import write_text_atomic

        try:
            write_text_atomic(output, text)
        except OSError as exc:
            raise SkipcheckError(f"cannot write {output}: {exc.strerror or exc}") from None
        typer.echo(f"wrote {output}", err=True)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_CLEAN)


@app.command("import")
@boundary
def import_(
    model: Annotated[
        str,
        typer.Argument(
            help="The model: package.module:factory (monai.networks.nets:UNet) or "
            "file.py:factory (my_project/models.py:build_model).",
            show_default=False,
        ),
    ],
    input: Annotated[
        str | None,
        typer.Option(
            "--input",
            "-i",
            help="The example input, e.g. 1x3x256x256 (default: a size where the model runs, "
            "found by the importer).",
            show_default=False,
        ),
    ] = None,
    args: Annotated[
        str | None,
        typer.Option("--args", help="The factory's arguments as YAML: '{in_channels: 1}'."),
    ] = None,
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the spec here (default: stdout).")
    ] = None,
    opaque: Annotated[
        list[str] | None,
        typer.Option(
            "--opaque",
            help="Map a module that cannot be mapped as one spec layer (repeatable): "
            "PATH=identity for a shape-preserving one, or PATH='{conv: {...}}'. "
            "The spec is marked partial.",
        ),
    ] = None,
) -> None:
    """Write a spec for a PyTorch model, proven against the model on import."""
    import os

    from skipcheck.spec.overrides import parse_input
    from skipcheck.torch import import_command

    shape = parse_input(input) if input is not None else None
    if shape is not None and not all(isinstance(d, int) for d in shape):
        raise SkipcheckError(f"--input for import is an example: numbers only, not {input!r}")
    source = model.rpartition(":")[0]
    from skipcheck.atomic import same_file

    if output is not None and os.path.isfile(source) and same_file(output, source):
        raise SkipcheckError(f"refusing to overwrite the model's source {source} with the spec")
    imported = import_command(
        model, None if shape is None else [int(d) for d in shape], args=args, opaque=opaque
    )
    for line in imported.report:
        typer.echo(f"  {visible(line)}", err=True)
    if imported.partial:
        typer.echo("warning: the spec is partial (layers marked OPAQUE)", err=True)
    if output is None:
        typer.echo(imported.text, nl=False)
        return
    from skipcheck.atomic import write_text_atomic

    try:
        write_text_atomic(output, imported.text)
    except OSError as exc:
        raise SkipcheckError(f"cannot write {output}: {exc.strerror or exc}") from None
    typer.echo(f"wrote {output} ({imported.seconds:.1f} s)", err=True)


def main() -> None:
    """The whole command line through typer (``skipcheck.launch:main`` is the entry point:
    it takes a plain ``validate`` past typer's start-up cost)."""
    run_process(lambda: app(prog_name="skipcheck"))


if __name__ == "__main__":  # pragma: no cover
    main()
