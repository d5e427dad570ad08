"""Spec text reaches the terminal as written: no markup, no emoji, no raw control bytes."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app
from skipcheck.core.terminal import visible

runner = CliRunner()

HOSTILE = 'skipcheck: 1\nname: "evil\\x1b]0;pwn\\x07\\x1b[31mRED [/] :100: \\u202e"\n'
BROKEN_AT_100 = (
    "input: [1, 3, 8, 8]\n"
    + "# pad\n" * 94
    + "layers:\n  - {upsample: {size: [null, 9]}}  # [/] :100:\n"
)


def test_visible_spells_out_controls() -> None:
    assert visible("a\x1b[2Jb\x07\u202e\n\t") == "a\\x1b[2Jb\\x07\\u202e\n\t"


@pytest.mark.parametrize(
    "args",
    [
        ["validate"],
        ["validate", "--output-format", "concise"],
        ["validate", "--output-format", "github"],
        ["sizes"],
        ["fix"],
        ["whatif", "--set", "base=2"],
    ],
)
def test_hostile_text_is_shown_not_obeyed(spec_file, args: list[str]) -> None:
    path = spec_file(HOSTILE + "params: {base: 1}\n" + BROKEN_AT_100)
    result = runner.invoke(app, [*args[:1], path, *args[1:]])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1, 2), result.output
    assert (
        "\x1b" not in result.output
        and "\x07" not in result.output
        and "\u202e" not in result.output
    )
    assert "💯" not in result.output
    assert "model.yaml:100:" in result.output or "line=100" in result.output or args[0] == "whatif"
    if args[0] in ("validate", "sizes") and len(args) == 1:
        assert "evil\\x1b]0;pwn\\x07\\x1b[31mRED [/] :100:" in result.output


def test_markup_in_a_message_does_not_crash_fix(spec_file) -> None:
    # a layer name with a closing tag ends up in messages and fix titles
    path = spec_file(
        "skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers:\n"
        "  - {stage: s, layers: [{conv: {out_channels: 4, kernel_size: 1}}]}\n"
        "  - {conv: {out_channels: 8, kernel_size: 1}}\n"
        "  - add: s  # [/] :100:\n"
    )
    for command in ("fix", "validate", "sizes"):
        result = runner.invoke(app, [command, path])
        # a channel error holds at every size: sizes says no size runs (exit 1) too
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "add: s  # [/] :100:" in result.output or command == "sizes"
