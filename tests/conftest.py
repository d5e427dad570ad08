from __future__ import annotations

import functools
from pathlib import Path

import pytest
import typer.testing

# typer's CliRunner turns the app into a click command on every invoke (about 20 ms, more
# than most checks take); the app never changes during a run, so build each command once
typer.testing._get_command = functools.cache(typer.testing._get_command)  # type: ignore[attr-defined]

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"


@pytest.fixture
def spec_file(tmp_path: Path):
    """Write spec text to a file and return its path."""

    def write(text: str, name: str = "model.yaml") -> str:
        path = tmp_path / name
        path.write_text(text)
        return str(path)

    return write
