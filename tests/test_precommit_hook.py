"""The pre-commit hook, run the way pre-commit runs it: its entry plus the matching files."""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import yaml

from tests.conftest import ROOT

HOOK = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())[0]
DATA = Path("tests") / "data" / "hook"


def run_hook(*files: str) -> subprocess.CompletedProcess[str]:
    entry = shlex.split(HOOK["entry"])
    assert entry[0] == "skipcheck"
    script = Path(sys.executable).with_name("skipcheck")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "skipcheck"]
    matching = [
        f
        for f in files
        if re.search(HOOK["files"], f) and not re.search(HOOK.get("exclude", "^$"), f)
    ]
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.run(
        [*command, *entry[1:], *matching],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=60,
    )


def test_hook_definition() -> None:
    assert HOOK["id"] == "skipcheck"
    assert HOOK["language"] == "python"
    assert re.search(HOOK["files"], "models/unet.yml")
    assert not re.search(HOOK["files"], "README.md")
    assert re.search(HOOK["exclude"], "sub/.skipcheck.yaml")


def test_hook_passes_on_a_good_spec() -> None:
    proc = run_hook(str(DATA / "good.yaml"), "README.md")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hook_fails_on_a_bad_spec_with_its_location() -> None:
    proc = run_hook(str(DATA / "good.yaml"), str(DATA / "bad.yaml"))
    assert proc.returncode == 1
    assert f"{DATA / 'bad.yaml'}:8:58: error SC101 add e1 in d1 merges 64 channels" in proc.stdout
