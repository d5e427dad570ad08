"""The command line: parse options, call the core, map outcomes to exit codes (0/1/2)."""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, TypeVar, get_type_hints

import typer

from skipcheck.core.boundary import (
    EXIT_CLEAN,
    EXIT_FINDINGS,
    failure,
    run_process,
)
from skipcheck.core.errors import SkipcheckError
from skipcheck.core.terminal import visible
from skipcheck.core.version import __version__
from skipcheck.validate_options import ValidateArgs, options, row

if TYPE_CHECKING:
    from skipcheck.atomic import Output
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
_HINTS = get_type_hints(ValidateArgs)


def boundary(command: F) -> F:
    """The error boundary of every command (see ``skipcheck.core.boundary.failure``)."""

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


def _typer_option(keyword: str) -> Any:
    """validate's option ``keyword`` as typer declares it, from the table."""
    meta = row(keyword).metadata
    if meta["kind"] == "argument":
        return typer.Argument(help=meta["help"], show_default=meta["show_default"])
    extra: dict[str, Any] = {"count": True} if meta["kind"] == "count" else {}
    if meta["min"] is not None:
        extra["min"] = meta["min"]
    if not meta["show_default"]:
        extra["show_default"] = False
    if meta["complete"] == "format":
        extra["autocompletion"] = _complete_format
    return typer.Option(*meta["flags"], help=meta["help"], **extra)


def _complete_format(incomplete: str) -> list[str]:
    from skipcheck.report import REPORTERS

    return [name for name in REPORTERS if name.startswith(incomplete)]


# the options most commands share, declared once (in validate's table)
InputOption = Annotated[str | None, _typer_option("input")]
SetOption = Annotated[list[str] | None, _typer_option("sets")]
ConfigOption = Annotated[str | None, _typer_option("config")]
ArgsOption = Annotated[str | None, _typer_option("args")]
StdinFilenameOption = Annotated[str | None, _typer_option("stdin_filename")]


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


@app.command()
@boundary
def validate(**given: Any) -> None:
    """Propagate shapes through specs and report every broken skip connection.

    The report scales with the run: one spec named on the command line gets its layer
    table, valid input sizes and findings; several files or a directory get the findings
    and one summary (--table adds the tables); -q prints one line per finding; -qq or
    --silent prints nothing. `-` reads a spec from stdin; model.py:Net or
    pkg.module:factory checks a PyTorch model."""
    from skipcheck import batch

    files = given.pop("files")
    raise typer.Exit(batch.validate_command(files or [], **given))


# typer reads validate's parameters from this signature: one per row of the table
validate.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            option.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=option.default,
            annotation=Annotated[_HINTS[option.name], _typer_option(option.name)],
        )
        for option in options()
    ]
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

    from skipcheck.specfile.schema import spec_schema

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
    from skipcheck.fix_command import FixRequest, fix_command

    if output_format not in ("full", "json"):
        raise SkipcheckError(f"fix prints full or json, not {output_format!r}")
    if sum((apply, apply_all, dry_run)) > 1:
        raise SkipcheckError("choose one of --apply, --apply-all and --dry-run")
    spec, options = spec_options(spec, stdin_filename, set_, input, config)
    asked = FixRequest(
        number, apply, apply_all, dry_run, unsafe_fixes, output_format == "json", args
    )
    raise typer.Exit(fix_command(spec, options, asked))


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
    from skipcheck.check.valid import parse_bound, valid_sizes
    from skipcheck.fix_command import check_spec_or_model
    from skipcheck.report.sizes import SizesReporter

    if output_format not in ("full", "json"):
        raise SkipcheckError(f"sizes prints full or json, not {output_format!r}")
    listing = parse_bound(range_) if range_ else None
    file, options = spec_options(file, stdin_filename, set_, input, config)
    result = check_spec_or_model(file, options, args)
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
    from skipcheck.torch import export_command

    sink = _output(output, "the exported code", [("the spec", spec)])
    result = _torch_spec(spec, stdin_filename, input, set_, config)
    source = export_command(result.graph, input_shape=result.input_shape, text=result.text)
    if sink is None:
        typer.echo(source, nl=False)
    else:
        sink.write(source)
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

    from skipcheck.draw import FORMATS
    from skipcheck.draw import draw as render

    fmt = "svg"
    sink = _output(output, "the picture", [("the spec", spec)])
    if output is not None:
        suffix = os.path.splitext(output)[1].lower()
        if suffix not in FORMATS:
            raise SkipcheckError(f"cannot tell the format of {output}: name it .svg or .html")
        fmt = FORMATS[suffix]
    spec, options = spec_options(spec, stdin_filename, set_, input, config)
    from skipcheck.fix_command import check_spec_or_model

    checked = check_spec_or_model(spec, options, args)
    text, errors = render(spec, fmt, options, depth=depth, result=checked)
    if sink is None:
        typer.echo(text, nl=False)
    else:
        sink.write(text)
        typer.echo(f"wrote {output}", err=True)
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_CLEAN)


def _output(path: str | None, product: str, inputs: list[tuple[str, str]]) -> Output | None:
    """Where ``-o`` writes ``product`` (None: stdout), refused when it names an input."""
    from skipcheck.atomic import Output

    return None if path is None else Output.to(path, product, inputs)


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

    from skipcheck.core.inputshape import InputShape
    from skipcheck.torch import import_command

    shape = InputShape.parse(input).concrete() if input is not None else None
    if input is not None and shape is None:
        raise SkipcheckError(f"--input for import is an example: numbers only, not {input!r}")
    sink = _output(output, "the spec", [("the model's source", model.rpartition(":")[0])])
    imported = import_command(
        model, None if shape is None else list(shape), args=args, opaque=opaque
    )
    for line in imported.report:
        typer.echo(f"  {visible(line)}", err=True)
    if imported.partial:
        typer.echo("warning: the spec is partial (layers marked OPAQUE)", err=True)
    if sink is None:
        typer.echo(imported.text, nl=False)
        return
    sink.write(imported.text)
    typer.echo(f"wrote {output} ({imported.seconds:.1f} s)", err=True)


def main() -> None:
    """The whole command line through typer (``skipcheck.launch:main`` is the entry point:
    it takes a plain ``validate`` past typer's start-up cost)."""
    run_process(lambda: app(prog_name="skipcheck"))


if __name__ == "__main__":  # pragma: no cover
    main()
