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
    from skipcheck.fixes import attach

    results = [check_file(path, params, shape) for path in files]
    for result in results:
        attach(result, params, shape)
    for result in results:
        reporter.file(result)
    reporter.summary(results)
    if any(r.error is not None for r in results):
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_CLEAN if all(r.ok for r in results) else EXIT_FINDINGS)


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
    input: Annotated[
        str | None, typer.Option("--input", "-i", help="Input shape to check at, e.g. 1x3x256x256.")
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override a param: --set base=48 (repeatable)."),
    ] = None,
) -> None:
    """List proven fixes for every finding, with diffs; --apply N writes one in place."""
    from skipcheck.check import parse_input
    from skipcheck.errors import SkipcheckError
    from skipcheck.fixes import attach
    from skipcheck.report.fixes import FixReporter
    from skipcheck.report.full import FullReporter
    from skipcheck.result import check_file

    reporter = FixReporter()
    try:
        params = parse_sets(set_)
        shape = parse_input(input) if input else None
        result = check_file(spec, params, shape)
        if result.error is not None:
            raise result.error
        found = attach(result, params, shape)
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
    after = check_file(spec, params, shape)
    checker = FullReporter(quiet=True)
    checker.file(after)
    checker.summary([after])
    if after.error is not None:
        raise typer.Exit(EXIT_ERROR)
    raise typer.Exit(EXIT_CLEAN if after.ok else EXIT_FINDINGS)


def main() -> None:
    app(prog_name="skipcheck")


if __name__ == "__main__":  # pragma: no cover
    main()
