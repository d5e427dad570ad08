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
    files: Annotated[
        list[str] | None,
        typer.Argument(
            help="Spec files, directories (searched for *.yaml, *.yml) or globs; "
            "default: `files` from the config.",
            show_default=False,
        ),
    ] = None,
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
    output_format: Annotated[
        str | None,
        typer.Option(
            "--output-format",
            help="concise, full, json, github or sarif "
            "(default: github under GitHub Actions, else full).",
            show_default=False,
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

    try:
        run = Run(files or [], parse_sets(set_), input, config, output_format, quiet, exit_zero)
        if output is None:
            code = execute(run, None)
        else:
            with open(output, "w", encoding="utf-8") as stream:
                code = execute(run, stream)
    except SkipcheckError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    except OSError as exc:
        typer.echo(f"error: cannot write {output}: {exc.strerror or exc}", err=True)
        raise typer.Exit(EXIT_ERROR) from None
    raise typer.Exit(code)


def main() -> None:
    app(prog_name="skipcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
