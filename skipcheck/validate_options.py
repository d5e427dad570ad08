"""``skipcheck validate``'s options, declared once.

``ValidateArgs`` is the table: one field per option, its flags, its kind and its help. The
typer command in ``cli.py`` builds its signature from it, the start-up fast path in
``launch.py`` reads its flags from it, and ``batch.validate_command`` receives it, so no
option is spelled twice. The options other commands share (``--input``, ``--set``,
``--config``, ``--stdin-filename``, ``--args``) take their help from here too.

This module imports neither typer nor the checker: ``launch.py`` reads it before deciding
whether typer is needed at all.
"""

from __future__ import annotations

from dataclasses import Field, dataclass, field, fields
from typing import Any, Literal

# how an option takes its value: a flag (on/off), a count (-q, -qq), one value (the last
# wins), repeatable values (a list), or a whole number ≥ 1
Kind = Literal["argument", "flag", "count", "value", "values", "number"]


def _declared(
    default: Any,
    *flags: str,
    kind: Kind,
    help: str,
    fast: bool = True,
    min: int | None = None,
    show_default: bool = True,
    complete: str | None = None,
) -> Any:
    """One row of the table. ``fast``: the start-up path reads it (``--depth`` is typer's
    alone: it checks the number); ``complete``: the name of its shell completion."""
    extras = {"min": min, "show_default": show_default, "complete": complete}
    return field(
        default=default,
        metadata={"flags": flags, "kind": kind, "help": help, "fast": fast, **extras},
    )


SET_HELP = (
    "Override a value (repeatable): a param (base=48), the input (input=1x3x500x500), "
    "or any value by path (d2.add=e3, 'decoder.d2.layers[1]={concat: e2}'). Values are YAML."
)


@dataclass(frozen=True)
class ValidateArgs:
    """``skipcheck validate``'s command line, parsed (defaults: nothing given)."""

    files: list[str] | None = _declared(
        None,
        kind="argument",
        help="Spec files, directories (searched for *.yaml, *.yml) or globs; "
        "default: `files` from the config.",
        show_default=False,
    )
    input: str | None = _declared(
        None,
        "--input",
        "-i",
        kind="value",
        help="Input shape, e.g. 1x3x256x256 (or 1x3xHxW for symbols).",
    )
    sets: list[str] | None = _declared(None, "--set", kind="values", help=SET_HELP)
    quiet: int = _declared(
        0,
        "--quiet",
        "-q",
        kind="count",
        help="-q: one line per finding, and the summary; -qq: nothing, only the exit code.",
    )
    silent: bool = _declared(
        False, "--silent", kind="flag", help="Print nothing; only the exit code tells (as -qq)."
    )
    table: bool = _declared(
        False,
        "--table",
        kind="flag",
        help="Show each file's layer table and valid sizes even when checking several.",
    )
    specs_only: bool = _declared(
        False,
        "--specs-only",
        kind="flag",
        help="Skip named YAML files without a `skipcheck:` key, silently (for hooks that "
        "pass every staged *.yaml).",
    )
    jobs: int | None = _declared(
        None,
        "--jobs",
        "-j",
        kind="number",
        min=1,
        help="Check files in N processes side by side (default: the available cores); "
        "the output keeps the order of the files.",
        show_default=False,
    )
    output_format: str | None = _declared(
        None,
        "--output-format",
        kind="value",
        help="concise, full, json, github or sarif "
        "(default: github under GitHub Actions, else full).",
        show_default=False,
        complete="format",
    )
    output: str | None = _declared(
        None, "--output", "-o", kind="value", help="Write the report to FILE."
    )
    config: str | None = _declared(
        None,
        "--config",
        kind="value",
        help="Settings file (pyproject.toml or .skipcheck.yaml) for every spec "
        "(default: the nearest one above each spec).",
    )
    exit_zero: bool = _declared(
        False, "--exit-zero", kind="flag", help="Exit 0 even when there are findings."
    )
    select: list[str] | None = _declared(
        None,
        "--select",
        kind="values",
        help="Report only these codes or prefixes (SC1,SC301); replaces the config's select.",
    )
    extend_select: list[str] | None = _declared(
        None, "--extend-select", kind="values", help="Add codes or prefixes to the selection."
    )
    ignore: list[str] | None = _declared(
        None,
        "--ignore",
        kind="values",
        help="Never report these codes or prefixes (added to the config's).",
    )
    depth: int | None = _declared(
        None,
        "--depth",
        kind="number",
        min=1,
        fast=False,
        help="Collapse the layer table below this level (1: one row per stage).",
    )
    statistics: bool = _declared(
        False,
        "--statistics",
        kind="flag",
        help="Count findings per rule instead of listing them.",
    )
    no_fixes: bool = _declared(
        False,
        "--no-fixes",
        kind="flag",
        help="Do not prove fixes for the findings (faster over a large repository; "
        "`skipcheck fix` still finds them).",
    )
    list_settings: bool = _declared(
        False,
        "--show-settings",
        kind="flag",
        help="Print the settings the first file gets, and exit.",
    )
    list_files: bool = _declared(
        False,
        "--show-files",
        kind="flag",
        help="Print the files that would be checked, and exit.",
    )
    stdin_filename: str | None = _declared(
        None,
        "--stdin-filename",
        kind="value",
        help="The name of the spec read from `-` (stdin), for messages and its config.",
    )
    args: str | None = _declared(
        None,
        "--args",
        kind="value",
        help="For a PyTorch model given in place of a spec (model.py:Net, pkg.module:factory): "
        "the factory's arguments as YAML, '{in_channels: 1}'.",
    )


def options() -> tuple[Field[Any], ...]:
    """The table's rows, in the order ``validate --help`` lists them."""
    return fields(ValidateArgs)


def row(keyword: str) -> Field[Any]:
    """One row by its keyword (``input``)."""
    return next(f for f in options() if f.name == keyword)
