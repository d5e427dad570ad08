"""The ``skipcheck`` entry point: a plain ``validate`` starts without typer.

Importing typer (and click under it) costs about 40 ms of CPU — as much as checking a spec.
``validate`` runs in CI and pre-commit hooks on every commit, so its command line, when it
uses only the plain forms below, is read here; anything else (help, completion, another
command, a combined ``-qo``, a value that looks like an option, a typo) goes to typer
unchanged, which also gives every error message. Both paths call the same
``batch.validate_command`` inside the same error boundary, so the result is identical;
``tests/test_launch.py`` compares this reading with click's on many command lines.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Mapping, Sequence
from typing import Any

from skipcheck.core.boundary import failure, run_process
from skipcheck.validate_options import options

# validate's options as the table declares them (typer reads the same table):
# flag → (keyword, takes a value). --depth is typer's alone (it checks the number); so are
# -h and --help.
OPTIONS: dict[str, tuple[str, bool]] = {
    flag: (row.name, row.metadata["kind"] not in ("flag", "count"))
    for row in options()
    if row.metadata["kind"] != "argument" and row.metadata["fast"]
    for flag in row.metadata["flags"]
}
REPEATABLE = {row.name for row in options() if row.metadata["kind"] == "values"}
COUNTED = {row.name for row in options() if row.metadata["kind"] == "count"}  # -q, -qq
NUMBERS = {row.name for row in options() if row.metadata["kind"] == "number"}  # ≥ 1, else typer's


def plain_validate(argv: Sequence[str], env: Mapping[str, str]) -> dict[str, Any] | None:
    """The arguments of ``validate_command`` when ``argv`` is a plain ``validate`` command
    line, else None (typer reads it)."""
    if not argv or argv[0] != "validate" or "_SKIPCHECK_COMPLETE" in env or os.name == "nt":
        # (click expands globs itself on Windows; completion is typer's)
        return None
    args: dict[str, Any] = {row.name: row.default for row in options()}
    args["files"] = []
    rest = list(argv[1:])
    while rest:
        token = rest.pop(0)
        if token == "--":
            args["files"].extend(rest)
            break
        if not token.startswith("-") or token == "-":
            args["files"].append(token)
            continue
        if len(token) > 2 and token.strip("q") == "-":  # -qq
            args["quiet"] += len(token) - 1
            continue
        name, eq, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if name not in OPTIONS and not token.startswith("--") and token[:2] in OPTIONS:
            name, attached, eq = token[:2], token[2:], "="  # -iVALUE
        if name not in OPTIONS:
            return None
        key, takes_value = OPTIONS[name]
        if not takes_value:
            if eq:
                return None
            if key in COUNTED:
                args[key] += 1
            else:
                args[key] = True
            continue
        if not eq:
            if not rest or rest[0].startswith("-"):
                return None
            attached = rest.pop(0)
        if key in NUMBERS:
            if not (attached.isascii() and attached.isdigit() and int(attached) >= 1):
                return None
            args[key] = int(attached)
        elif key in REPEATABLE:
            args[key] = [*(args[key] or []), attached]
        else:
            args[key] = attached
    return args


# The cyclic garbage collector's thresholds for a run: a check builds many small objects
# that live to its end (YAML nodes, positions, shapes) and makes little cyclic garbage. At
# Python's defaults (700, 10, 10) the collector kept re-walking them: a 1.9 MB spec spent
# about half its CPU time there, more than linearly in its size (issue 22, item 13).
GC_THRESHOLDS = (50_000, 20, 100)


def main() -> None:
    """``skipcheck`` on the command line."""
    gc.set_threshold(*GC_THRESHOLDS)
    args = plain_validate(sys.argv[1:], os.environ)
    if args is None:
        from skipcheck.cli import main as typer_main

        typer_main()
        return
    run_process(lambda: _validate(args))


def _validate(args: dict[str, Any]) -> None:
    from skipcheck.batch import validate_command

    try:
        code = validate_command(args.pop("files"), **args)
    except KeyboardInterrupt:
        code = 130  # as typer ends an interrupted command
    except Exception as exc:
        code = failure(exc)
    raise SystemExit(code)
