"""The pre-commit hook, run the way pre-commit runs it: its entry plus the matching files."""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT
from tests.source_tree import copy_source, git

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


def test_hook_skips_named_yaml_that_is_not_a_spec(tmp_path: Path) -> None:
    for name, text in OTHER_YAML.items():
        (tmp_path / name.replace("/", "_")).write_text(text)
    others = [str(tmp_path / n.replace("/", "_")) for n in OTHER_YAML]
    proc = run_hook(*others, str(DATA / "good.yaml"))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    assert "Found 0 errors, 0 warnings in 1 file." in proc.stdout
    assert not any(Path(o).name in proc.stdout for o in others)


# YAML that any repository holds beside its specs; none of it is skipcheck's business
OTHER_YAML = {
    ".github/workflows/ci.yml": (
        "name: ci\non: [push, pull_request]\njobs:\n  test:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n      - run: make test\n"
    ),
    "docker-compose.yml": ("services:\n  web:\n    image: nginx:1.27\n    ports: ['8080:80']\n"),
    "k8s/deployment.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  replicas: 2\n"
        "  selector:\n    matchLabels: {app: web}\n  template:\n    metadata:\n"
        "      labels: {app: web}\n    spec:\n      containers:\n"
        "        - {name: web, image: 'nginx:1.27'}\n"
    ),
}


@pytest.mark.slow
def test_pre_commit_try_repo_in_a_repository_with_other_yaml(tmp_path: Path) -> None:
    """pre-commit itself installs the hook from this repository and runs it over a project
    with a workflow, a docker-compose file, a Kubernetes manifest, a broken spec and a
    clean one: it fails on the broken spec alone and says nothing of the rest."""
    if shutil.which("git") is None or importlib.util.find_spec("pre_commit") is None:
        pytest.skip("needs git and pre-commit (the test extra)")
    hook_repo = copy_source(tmp_path / "skipcheck", commit=True)
    project = tmp_path / "project"
    for name, text in {
        **OTHER_YAML,
        "specs/broken.yaml": (ROOT / DATA / "bad.yaml").read_text(),
        "specs/clean.yaml": (ROOT / DATA / "good.yaml").read_text(),
    }.items():
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text(text)
    git(project, "init", "-q")
    git(project, "add", "-A")
    env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "cache")
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "skipcheck"],
        cwd=project,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    out = proc.stdout + proc.stderr
    print(out)  # the figure for the issue: shown with -s
    assert proc.returncode == 1, out
    findings = [line for line in out.splitlines() if re.match(r"\S+:\d+:\d+: ", line)]
    assert findings == [
        "specs/broken.yaml:8:58: error SC101 add e1 in d1 merges 64 channels with 32 channels"
        " (running tensor vs skip e1)"
    ], out
    for other in (*OTHER_YAML, "clean.yaml", "note:", "error:"):
        assert other not in out, out
