"""The command line: parse options, call the core, map outcomes to exit codes (0/1/2)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.text import Text

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


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Spec files to check.", show_default=False)],
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input shape to check at, e.g. 1x3x256x256.")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help=SET_HELP),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only findings and the summary.")
    ] = False,
) -> None:
    """Propagate shapes through a spec and report every broken skip connection."""
    from skipcheck.check import parse_input
    from skipcheck.errors import SkipcheckError
    from skipcheck.report.full import FullReporter
    from skipcheck.result import check_file
    from skipcheck.whatif.overrides import Overrides

    reporter = FullReporter(quiet=quiet)
    try:
        overrides = Overrides.parse(set_)
        shape = parse_input(input) if input else None
    except SkipcheckError as exc:
        reporter.console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    results = [check_file(path, None, shape, overrides) for path in files]
    for result in results:
        reporter.file(result)
    reporter.summary(results)
    if any(r.error is not None for r in results):
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_CLEAN if all(r.ok for r in results) else EXIT_FINDINGS)


@app.command()
def whatif(
    file: Annotated[str, typer.Argument(help="The spec to explore.", show_default=False)],
    set_: Annotated[list[str] | None, typer.Option("--set", help=SET_HELP)] = None,
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


def main() -> None:
    app(prog_name="skipcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
