"""The full report without rich where rich would not style it: the same characters."""

from __future__ import annotations

import io
import os
import subprocess
import sys

import pytest
from rich.console import Console as RichConsole
from rich.text import Text as RichText

from skipcheck.check import Options, check_spec
from skipcheck.report import Tally, styled
from skipcheck.report.full import FullReporter
from skipcheck.report.styled import Console, Text
from tests.conftest import ROOT, SPECS

CASES = [
    *((str(p), None) for p in sorted(SPECS.glob("*.yaml"))),
    *((str(p), None) for p in sorted((ROOT / "tests" / "data").glob("*.yaml"))),
    (str(SPECS / "unet_original.yaml"), "1x1x570x570"),  # findings at the given size
    ("missing.yaml", None),  # a file that cannot be read
]


def _report(path: str, shape: str | None, quiet: bool) -> str:
    out = io.StringIO()
    reporter = FullReporter(out, quiet=quiet)
    result = check_spec(path, Options.parse(None, shape, fixes=True))
    reporter.file(result)
    reporter.summary(Tally.of([result]))
    return out.getvalue()


@pytest.mark.parametrize("quiet", [True, False])
def test_plain_output_is_what_rich_writes(quiet: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    plain = [_report(path, shape, quiet) for path, shape in CASES]
    monkeypatch.setattr(styled, "rich_would_style", lambda file: True)
    through_rich = [_report(path, shape, quiet) for path, shape in CASES]
    assert plain == through_rich
    assert any("error SC101" in text for text in plain)


def test_control_codes_and_tabs_as_rich_writes_them() -> None:
    for raw in ["bell\x07 cr\r ff\x0c", "tab\tstop 漢字\tx", "esc \x1b[31m kept", "", "  lead  "]:
        ours, theirs = io.StringIO(), io.StringIO()
        Console(ours).print(Text(raw, style="bold red") + Text(raw))
        rich = RichConsole(file=theirs, highlight=False, soft_wrap=True)
        rich.print(RichText(raw, style="bold red") + RichText(raw))
        assert ours.getvalue() == theirs.getvalue(), repr(raw)


def test_a_terminal_gets_rich_styles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    ours, theirs = io.StringIO(), io.StringIO()
    head = Text().append("a.yaml:3:1: ", style="bold").append("error SC101", style="bold red")
    Console(ours).print(head + Text(" ← e2", style="dim"))
    rich_head = RichText()
    rich_head.append("a.yaml:3:1: ", style="bold")
    rich_head.append("error SC101", style="bold red")
    RichConsole(file=theirs, highlight=False, soft_wrap=True).print(
        rich_head + RichText(" ← e2", style="dim")
    )
    assert "\x1b[" in ours.getvalue()
    assert ours.getvalue() == theirs.getvalue()


@pytest.mark.parametrize(
    "args",
    [
        ["-q"],
        ["--output-format", "concise"],
        ["--output-format", "json"],
        ["--output-format", "github"],
        ["--output-format", "sarif"],
    ],
)
def test_rich_stays_unimported(args: list[str]) -> None:
    argv = ["validate", *args, str(SPECS / "unet_add_broken.yaml")]
    program = (
        "import sys\n"
        f"sys.argv = ['skipcheck', *{argv!r}]\n"
        "from skipcheck.launch import main\n"
        "try:\n    main()\n"
        "finally:\n    sys.stderr.write(f'rich loaded: {\"rich\" in sys.modules}\\n')\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("FORCE_COLOR", "TTY_COMPATIBLE")}
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "rich loaded: False" in done.stderr
