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


def parse_sets(values: list[str] | None) -> dict[str, Any]:
    """``--set base=48`` → {"base": 48}; values are YAML scalars."""
    from skipcheck.errors import SkipcheckError
    from skipcheck.spec.yamltree import load_text

    out: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise SkipcheckError(f"--set {item!r}: expected KEY=VALUE, e.g. --set base=48")
        out[key.strip()] = load_text(value, "--set") if value.strip() else None
    return out


@app.command()
def validate(
    files: Annotated[list[str], typer.Argument(help="Spec files to check.", show_default=False)],
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input shape to check at, e.g. 1x3x256x256.")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a param: --set base=48 (repeatable)."),
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

    reporter = FullReporter(quiet=quiet)
    try:
        params = parse_sets(set_)
        shape = parse_input(input) if input else None
    except SkipcheckError as exc:
        reporter.console.print(f"[bold red]error:[/] {exc}")
        raise typer.Exit(EXIT_ERROR) from None
    results = [check_file(path, params, shape) for path in files]
    for result in results:
        reporter.file(result)
    reporter.summary(results)
    if any(r.error is not None for r in results):
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_CLEAN if all(r.ok for r in results) else EXIT_FINDINGS)


def main() -> None:
    app(prog_name="skipcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
