"""The start-up fast path reads a plain ``validate`` exactly as typer does, or not at all."""

from __future__ import annotations

import subprocess
import sys

import pytest
import typer
from typer.testing import CliRunner

try:  # typer 0.28 carries its own copy of click
    from typer import _click as click
except ImportError:  # pragma: no cover - older typer depends on click
    import click  # type: ignore[no-redef]

from skipcheck.cli import app
from skipcheck.launch import COUNTED, OPTIONS, REPEATABLE, plain_validate
from tests.conftest import ROOT, SPECS

UNET = str(SPECS / "unet_original.yaml")
BROKEN = str(SPECS / "unet_add_broken.yaml")


def _validate_command() -> click.Command:
    group = typer.main.get_command(app)
    command: click.Command = group.commands["validate"]  # type: ignore[attr-defined]
    return command


def _typer_reading(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, object] | None:
    """What typer hands to ``validate_command`` for ``argv`` (None where it refuses it)."""
    import skipcheck.batch

    seen: list[dict[str, object]] = []

    def capture(files: list[str], **options: object) -> int:
        seen.append({"files": files, **options})
        return 0

    monkeypatch.setattr(skipcheck.batch, "validate_command", capture)
    CliRunner().invoke(app, argv)
    return seen[0] if seen else None


PLAIN = [
    ["validate"],
    ["validate", UNET],
    ["validate", "-q", UNET, BROKEN],
    ["validate", UNET, "-q", "--exit-zero"],
    ["validate", "--quiet", "--output-format", "concise", UNET],
    ["validate", "--output-format=json", "-o", "out.json", UNET],
    ["validate", "-oout.txt", "-i1x1x572x572", UNET],
    ["validate", "-i=1x1x572x572", UNET],
    ["validate", "--input", "1x1xHxW", "--set", "base=32", "--set", "classes=3", UNET],
    ["validate", "--set=base=32", "--config", "pyproject.toml", "--", "-odd.yaml"],
    ["validate", "--input", "1x1x64x64", "--input", "1x1x96x96", UNET],
    ["validate", "--input=", UNET],
    ["validate", "-", UNET],
    ["validate", "", UNET],
    ["validate", "--select", "SC1", "--select=SC3", "--ignore", "SC201", UNET],
    ["validate", "--extend-select", "SC2", "--statistics", UNET],
    ["validate", "--show-settings", "--show-files", "--stdin-filename", "x.yaml"],
    ["validate", "-qq", UNET, "-q"],
    ["validate", "--silent", "--table", "--specs-only", UNET],
    ["validate", "--jobs", "3", "-j2", "--jobs=4", UNET],
]
# typer's: help, typos, combined short flags, missing values, values like options
DECLINED = [
    ["validate", "--help"],
    ["validate", "-h"],
    ["validate", "--depth", "2", UNET],
    ["validate", "-qo", "x", UNET],
    ["validate", "--qiet", UNET],
    ["validate", "--quiet=yes", UNET],
    ["validate", UNET, "--input"],
    ["validate", "--input", "-q", UNET],
    ["validate", "-x", UNET],
    ["validate", "-1", UNET],
    ["validate", "--jobs", "0", UNET],
    ["validate", "-jx", UNET],
    ["validate", "-qqx", UNET],
    ["--version"],
    ["sizes", UNET],
    [],
]


@pytest.mark.parametrize("argv", PLAIN, ids=" ".join)
def test_fast_path_reads_like_typer(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    fast = plain_validate(argv, {})
    assert fast is not None
    assert fast == _typer_reading(argv, monkeypatch)


@pytest.mark.parametrize("argv", DECLINED, ids=lambda a: " ".join(a) or "(none)")
def test_fast_path_leaves_the_rest_to_typer(argv: list[str]) -> None:
    assert plain_validate(argv, {}) is None


def test_completion_and_windows_go_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert plain_validate(["validate", UNET], {"_SKIPCHECK_COMPLETE": "bash_complete"}) is None
    monkeypatch.setattr("skipcheck.launch.os.name", "nt")
    assert plain_validate(["validate", UNET], {}) is None


def test_every_fast_option_means_what_it_means_to_typer() -> None:
    """A flag the fast path reads must mean there what it means to typer."""
    by_flag = {
        flag: param
        for param in _validate_command().params
        if param.param_type_name == "option"
        for flag in param.opts
    }
    for flag, (key, takes_value) in OPTIONS.items():
        param = by_flag[flag]
        renamed = {"set_": "sets", "show_settings": "list_settings", "show_files": "list_files"}
        assert renamed.get(param.name, param.name) == key
        assert (param.is_flag or param.count) != takes_value
        assert param.count == (key in COUNTED)
        assert param.multiple == (key in REPEATABLE)


def _run(code: str, argv: list[str]) -> subprocess.CompletedProcess[str]:
    program = (
        "import sys\n"
        f"sys.argv = ['skipcheck', *{argv!r}]\n"
        f"{code}\n"
        "try:\n    main()\n"
        "finally:\n    sys.stderr.write(f'typer loaded: {\"typer\" in sys.modules}\\n')\n"
    )
    return subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, check=False
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["validate", BROKEN, "--output-format", "concise"],
        ["validate", "-q", UNET],
        ["validate", UNET, "--input", "1x1"],
        ["validate", "missing.yaml", "--output-format", "github"],
    ],
)
def test_fast_path_ends_like_typer(argv: list[str]) -> None:
    fast = _run("from skipcheck.launch import main", argv)
    slow = _run("from skipcheck.cli import main", argv)
    assert fast.returncode == slow.returncode, fast.stderr
    assert fast.stdout == slow.stdout
    assert fast.stderr.replace("typer loaded: False", "typer loaded: True") == slow.stderr
    assert "typer loaded: False" in fast.stderr


def test_other_commands_still_go_through_typer() -> None:
    done = _run("from skipcheck.launch import main", ["rules"])
    assert done.returncode == 0
    assert "SC101" in done.stdout
    assert "typer loaded: True" in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ["-q"],
        [],
        ["--output-format", "concise"],
        ["--output-format", "json"],
        ["--output-format", "github"],
        ["--output-format", "sarif"],
    ],
)
def test_validate_starts_without_typer_or_rich(args: list[str]) -> None:
    done = _run("from skipcheck.launch import main", ["validate", *args, BROKEN])
    assert done.returncode == 1, done.stderr
    assert "typer loaded: False" in done.stderr
    probe = _run(
        "from skipcheck.launch import main\nimport atexit\n"
        "atexit.register(lambda: sys.stderr.write(f'rich: {\"rich\" in sys.modules}\\n'))",
        ["validate", *args, BROKEN],
    )
    assert "rich: False" in probe.stderr
