"""validate's options are declared once (skipcheck/validate_options.py): typer's command,
the start-up fast path and the batch run all read that table."""

from __future__ import annotations

from typing import Any

import typer

from skipcheck.cli import app
from skipcheck.launch import OPTIONS, plain_validate
from skipcheck.validate_options import ValidateArgs, options


def _commands() -> dict[str, Any]:
    group = typer.main.get_command(app)
    return group.commands  # type: ignore[attr-defined,no-any-return]


def test_typer_declares_exactly_the_table() -> None:
    params = _commands()["validate"].params
    assert [p.name for p in params] == [row.name for row in options()]
    for param, row in zip(params, options(), strict=True):
        assert tuple(param.opts) == row.metadata["flags"] or row.metadata["kind"] == "argument"
        assert getattr(param, "help", None) in (row.metadata["help"], None)
        assert param.default == row.default or (param.default, row.default) == ((), None)


def test_the_fast_path_reads_every_fast_flag_of_the_table() -> None:
    fast = {f for row in options() if row.metadata["fast"] for f in row.metadata["flags"]}
    assert set(OPTIONS) == fast
    # what it hands on is a whole ValidateArgs: no keyword missing or unknown
    args = plain_validate(["validate", "a.yaml", "-q", "--set", "base=8"], {})
    assert args is not None
    assert ValidateArgs(**args).sets == ["base=8"]


def test_other_commands_share_the_table_s_options() -> None:
    rows = {flag: row for row in options() for flag in row.metadata["flags"]}
    # (import's --input is its own: an example input, with its own help)
    for name, command in _commands().items():
        for param in command.params:
            shared = [rows[o] for o in param.opts if o in rows]
            if (
                name not in ("validate", "import")
                and shared
                and param.name in ("input", "set_", "config")
            ):
                assert getattr(param, "help", None) == shared[0].metadata["help"], (name, param)
