"""The repository as a user gets it: its files (tracked and new, not ignored) copied
elsewhere, so that installing, building or cloning it leaves the checkout untouched."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from tests.conftest import ROOT


def copy_source(where: Path, *, commit: bool = False) -> Path:
    """Copy the working tree to ``where``; with ``commit``, as a one-commit git repository
    (what pre-commit clones)."""
    listed = subprocess.run(
        ["git", "ls-files", "-co", "--exclude-standard", "-z"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            (where / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, where / name)
    if commit:
        git(where, "init", "-q")
        git(where, "add", "-A")
        git(where, "commit", "-qm", "skipcheck")
    return where


def git(cwd: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        timeout=60,
    )
