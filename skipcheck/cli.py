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

    try:
        run = Run(files or [], parse_sets(set_), input, config, output_format, quiet, exit_zero)
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


def main() -> None:
    app(prog_name="skipcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
