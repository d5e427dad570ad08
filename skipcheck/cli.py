"""The command line: parse options, call the core, map outcomes to exit codes (0/1/2)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from skipcheck import __version__

app = typer.Typer(
    name="skipcheck",
    help="Catch broken skip connections in architecture specs before you build the model.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


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


def _complete_format(incomplete: str) -> list[str]:
    from skipcheck.report import REPORTERS

    return [name for name in REPORTERS if name.startswith(incomplete)]


@app.command()
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
        bool, typer.Option("--quiet", "-q", help="Only findings and the summary.")
    ] = False,
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
    config: Annotated[
        str | None,
        typer.Option(
            "--config", help="Settings file (pyproject.toml or .skipcheck.yaml) for every spec."
        ),
    ] = None,
    exit_zero: Annotated[
        bool, typer.Option("--exit-zero", help="Exit 0 even when there are findings.")
    ] = False,
) -> None:
    """Propagate shapes through specs and report every broken skip connection."""
    from skipcheck.batch import Run, execute
    from skipcheck.errors import SkipcheckError
    from skipcheck.whatif.overrides import Overrides

    try:
        run = Run(
            files or [], Overrides.parse(set_), input, config, output_format, quiet, exit_zero
        )
        if output is None:
            code = execute(run, None)
        else:
            try:
                stream = open(output, "w", encoding="utf-8")  # noqa: SIM115
            except OSError as exc:
                raise SkipcheckError(f"cannot write {output}: {exc.strerror or exc}") from None
            with stream:
                code = execute(run, stream)
    except SkipcheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(code)


@app.command()
def rules(
    markdown: Annotated[
        bool, typer.Option("--markdown", help="Print the rule reference (docs/rules.md).")
    ] = False,
) -> None:
    """List every rule code with its name, severity and summary."""
    if markdown:
        from skipcheck.rules.docs import markdown as render

        typer.echo(render(), nl=False)
        return
    from skipcheck.rules import RULES

    for r in RULES.values():
        typer.echo(f"{r.code}  {r.name:<22} {r.severity:<8} {r.summary}")


@app.command()
def explain(
    code: Annotated[str, typer.Argument(help="A rule code (SC101) or name (merge-channels).")],
) -> None:
    """What a rule checks, why it matters, a failing example and the fixed one."""
    from skipcheck.errors import SkipcheckError
    from skipcheck.rules import lookup
    from skipcheck.rules.docs import parse, text

    try:
        doc = parse(lookup(code))
    except SkipcheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    typer.echo(text(doc), nl=False)


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec format (for editors' YAML language server)."""
    import json

    from skipcheck.spec.schema import spec_schema

    typer.echo(json.dumps(spec_schema(), indent=2))


@app.command()
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
) -> None:
    """Compare the spec with and without --set overrides, or --sweep one value over a range."""
    from rich.console import Console
    from rich.text import Text

    from skipcheck.errors import SkipcheckError
    from skipcheck.whatif.overrides import Overrides

    console = Console(highlight=False, soft_wrap=False)
    try:
        overrides = Overrides.parse(set_)
        if sweep is not None:
            ok = _run_sweep(console, file, sweep, step, overrides)
        elif not overrides:
            raise SkipcheckError("nothing to compare: give --set KEY=VALUE or --sweep KEY=VALUES")
        else:
            from skipcheck.whatif.compare import compare
            from skipcheck.whatif.render import show_comparison

            comparison = compare(file, overrides)
            show_comparison(console, comparison)
            ok = comparison.ok
    except SkipcheckError as exc:
        console.print(Text(f"error: {exc}", style="bold red"))
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(EXIT_CLEAN if ok else EXIT_FINDINGS)


def _run_sweep(console: Any, file: str, sweep: str, step: int | None, overrides: Any) -> bool:
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
        if bar is None and done < total and elapsed / done * (total - done) > 0.5:
            bar = Progress(console=console, transient=True)
            bar.start()
            task = bar.add_task(f"{key}", total=total)
        if bar is not None and task is not None:
            bar.update(task, completed=done)

    try:
        result = run_sweep(file, key, values, overrides, progress)
    finally:
        if bar is not None:
            bar.stop()
    show_sweep(console, result)
    return all(r.ok for r in result.rows)


@app.command()
def fix(
    spec: Annotated[str, typer.Argument(help="The spec file to fix.", show_default=False)],
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
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the fixed file instead of writing it.")
    ] = False,
    input: InputOption = None,
    set_: SetOption = None,
) -> None:
    """List proven fixes for every finding, with diffs; --apply N writes one in place."""
    from skipcheck.check import parse_input
    from skipcheck.errors import SkipcheckError
    from skipcheck.fixes import attach
    from skipcheck.report.fixes import FixReporter
    from skipcheck.report.full import FullReporter
    from skipcheck.result import check_file
    from skipcheck.whatif.overrides import Overrides

    reporter = FixReporter()
    try:
        overrides = Overrides.parse(set_)
        shape = parse_input(input) if input else None
        result = check_file(spec, None, shape, overrides)
        if result.error is not None:
            raise result.error
        found = attach(result, overrides, shape)
    except SkipcheckError as exc:
        reporter.console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    fixes = [f for _, site_fixes in found for f in site_fixes]
    if not apply and not dry_run:
        if number is not None:
            reporter.console.print(
                "[bold red]error:[/] a fix number goes with --apply or --dry-run"
            )
            raise typer.Exit(EXIT_ERROR)
        reporter.listing(result, found)
        raise typer.Exit(EXIT_CLEAN if result.ok else EXIT_FINDINGS)
    number = 1 if number is None else number
    if result.ok:
        reporter.console.print(f"✓ {spec}: no errors, nothing to fix")
        raise typer.Exit(EXIT_CLEAN)
    if not 1 <= number <= len(fixes):
        reporter.console.print(
            f"[bold red]error:[/] there is no fix {number}: {spec} has {len(fixes)} proven fix(es)"
        )
        raise typer.Exit(EXIT_ERROR)
    chosen = fixes[number - 1]
    if dry_run:
        typer.echo(chosen.text, nl=False)
        raise typer.Exit(EXIT_FINDINGS if chosen.partial else EXIT_CLEAN)
    try:
        with open(spec, "w", encoding="utf-8", newline="") as fh:
            fh.write(chosen.text)
    except OSError as exc:
        reporter.console.print(f"[bold red]error:[/] cannot write {spec}: {exc.strerror or exc}")
        raise typer.Exit(EXIT_ERROR) from None
    reporter.console.print(f"applied fix {number}: {chosen.title}")
    after = check_file(spec, None, shape, overrides)
    checker = FullReporter(quiet=True)
    checker.file(after)
    checker.summary([after])
    if after.error is not None:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_CLEAN if after.ok else EXIT_FINDINGS)


@app.command()
def sizes(
    file: Annotated[str, typer.Argument(help="Spec file.", show_default=False)],
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
) -> None:
    """The exact input sizes a spec takes, per spatial axis, and which layers decide them."""
    from skipcheck.check import parse_input
    from skipcheck.errors import SkipcheckError
    from skipcheck.report.sizes import SizesReporter
    from skipcheck.shapes.valid import parse_bound, valid_sizes
    from skipcheck.whatif.overrides import build_with_overrides

    reporter = SizesReporter()
    try:
        shape = parse_input(input) if input else None
        listing = parse_bound(range_) if range_ else None
        graph = build_with_overrides(file, set_)
        report = valid_sizes(graph, shape, near=near, bound=parse_bound(bound))
    except SkipcheckError as exc:
        message = str(exc) if exc.pos is not None else f"{file}: {exc}"
        from rich.markup import escape  # rich stays off the startup path of other commands

        reporter.console.print(f"[bold red]error:[/] {escape(message)}")
        raise typer.Exit(EXIT_ERROR) from None
    reporter.report(report, listing)
    raise typer.Exit(EXIT_CLEAN if report.ok else EXIT_FINDINGS)


@app.command()
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
) -> None:
    """Run the model once in PyTorch and compare every layer's shape with skipcheck's."""
    from skipcheck.errors import SkipcheckError
    from skipcheck.torch import dryrun_command

    try:
        graph, shape = _torch_graph(spec, input, set_)
        lines, code = dryrun_command(graph, device=device, input_shape=shape, force=force)
    except SkipcheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    typer.echo("\n".join(lines))
    raise typer.Exit(code)


def _torch_graph(spec: str, input: str | None, sets: list[str] | None) -> tuple[Any, Any]:
    """The graph and input shape a torch command works on (SkipcheckError without torch)."""
    from skipcheck.check import parse_input
    from skipcheck.torch import require_torch
    from skipcheck.whatif.overrides import build_with_overrides

    require_torch()
    shape = parse_input(input) if input else None
    return build_with_overrides(spec, sets), shape


@app.command()
def export(
    spec: Annotated[str, typer.Argument(help="The spec file.", show_default=False)],
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the code here (default: stdout).")
    ] = None,
    input: InputOption = None,
    set_: SetOption = None,
) -> None:
    """Write the spec as standalone PyTorch code (it imports only torch)."""
    from pathlib import Path

    from skipcheck.errors import SkipcheckError
    from skipcheck.torch import export_command

    try:
        graph, shape = _torch_graph(spec, input, set_)
        source = export_command(graph, input_shape=shape)
        if output is None:
            typer.echo(source, nl=False)
        else:
            Path(output).write_text(source)
            typer.echo(f"wrote {output}", err=True)
    except (SkipcheckError, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None


@app.command()
def draw(
    spec: Annotated[str, typer.Argument(help="The spec file.", show_default=False)],
    output: Annotated[
        str | None,
        typer.Option(
            "--output", "-o", help="Write FILE.svg or FILE.html (default: SVG on stdout)."
        ),
    ] = None,
    input: InputOption = None,
    set_: SetOption = None,
) -> None:
    """Draw the architecture as SVG or an HTML page, broken merges in red."""
    import os

    from skipcheck.check import parse_input
    from skipcheck.draw import FORMATS
    from skipcheck.draw import draw as render
    from skipcheck.errors import SkipcheckError
    from skipcheck.whatif.overrides import Overrides

    try:
        fmt = "svg"
        if output is not None:
            if os.path.exists(output) and os.path.samefile(output, spec):
                raise SkipcheckError(f"refusing to overwrite the spec {spec} with the picture")
            suffix = os.path.splitext(output)[1].lower()
            if suffix not in FORMATS:
                raise SkipcheckError(f"cannot tell the format of {output}: name it .svg or .html")
            fmt = FORMATS[suffix]
        shape = parse_input(input) if input else None
        text, errors = render(spec, fmt, shape, Overrides.parse(set_))
        if output is None:
            typer.echo(text, nl=False)
        else:
            from skipcheck.atomic import write_text_atomic

            try:
                write_text_atomic(output, text)
            except OSError as exc:
                raise SkipcheckError(f"cannot write {output}: {exc.strerror or exc}") from None
            typer.echo(f"wrote {output}", err=True)
    except SkipcheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(EXIT_FINDINGS if errors else EXIT_CLEAN)


def main() -> None:
    app(prog_name="skipcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
