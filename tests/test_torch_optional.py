"""torch stays optional: skipcheck imports without it, and the torch commands say how to get it."""

from __future__ import annotations

import subprocess
import sys

import pytest
from typer.testing import CliRunner

import skipcheck
from skipcheck.cli import app
from skipcheck.core.errors import SkipcheckError
from tests.conftest import SPECS

UNET = str(SPECS / "unet_original.yaml")


@pytest.fixture
def no_torch(monkeypatch: pytest.MonkeyPatch) -> None:
    # None in sys.modules makes `import torch` raise ImportError, as if not installed
    for name in [m for m in sys.modules if m == "torch" or m.startswith("torch.")]:
        monkeypatch.delitem(sys.modules, name)
    for name in [m for m in sys.modules if m.startswith("skipcheck.torch.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "torch", None)


def test_importing_skipcheck_and_its_cli_does_not_import_torch() -> None:
    code = "import sys, skipcheck, skipcheck.cli, skipcheck.torch; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "command",
    [
        ["dryrun", UNET],
        ["export", UNET, "-o", "x.py"],
        ["import", "monai.networks.nets:UNet", "--input", "1x1x64x64", "-o", "x.yaml"],
    ],
)
def test_torch_commands_without_torch_exit_2(no_torch: None, command: list[str]) -> None:
    result = CliRunner().invoke(app, command)
    assert result.exit_code == 2, result.output
    assert "install skipcheck[torch]" in result.output


def test_build_without_torch_says_how_to_install(no_torch: None) -> None:
    with pytest.raises(SkipcheckError, match=r"install skipcheck\[torch\]"):
        skipcheck.build(UNET)


def test_validate_without_torch_still_works(no_torch: None) -> None:
    assert CliRunner().invoke(app, ["validate", UNET]).exit_code == 0
