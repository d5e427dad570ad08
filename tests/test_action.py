"""The GitHub Action (action.yml) run as a script: each step's shell with the values
GitHub would give its expressions, in a project with a broken spec and a clean one."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import ROOT, SPECS
from tests.source_tree import copy_source

ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([\w.]+)\s*\}\}")


def _steps(values: dict[str, str]) -> list[tuple[str, dict[str, str], str]]:
    """(name, env, script) of each step that runs, its expressions filled from ``values``."""

    def fill(text: str) -> str:
        return EXPRESSION.sub(lambda m: values[m.group(1)], text)

    out = []
    for step in ACTION["runs"]["steps"]:
        assert step["shell"] == "bash" and "uses" not in step
        condition = step.get("if")
        if condition is not None:
            # the one form the action uses: an input given or not
            field = re.fullmatch(r"inputs\.(\w+) != ''", condition)
            assert field, condition
            if values[f"inputs.{field.group(1)}"] == "":
                continue
        env = {key: fill(str(value)) for key, value in step.get("env", {}).items()}
        assert "${{" not in step["run"], "expressions go through env: never spliced into code"
        out.append((step["name"], env, step["run"]))
    return out


def test_the_action_is_composite_and_documented() -> None:
    assert ACTION["runs"]["using"] == "composite"
    readme = (ROOT / "README.md").read_text()
    snippet = re.search(r"```yaml\n(\s*- uses: actions/checkout@v4\n.*?)```", readme, re.S)
    assert snippet, "README shows the lines a workflow adds"
    steps = yaml.safe_load(snippet.group(1))
    ours = [s for s in steps if "skipcheck@" in s.get("uses", "")]
    assert len(ours) == 1 and set(ours[0].get("with", {})) <= set(ACTION["inputs"])
    assert len(snippet.group(1).strip().splitlines()) == 3


@pytest.mark.slow
def test_the_action_steps_as_a_script(tmp_path: Path) -> None:
    action = copy_source(tmp_path / "action")  # what `uses:` checks out
    project = tmp_path / "project"
    (project / "specs").mkdir(parents=True)
    (project / "specs" / "broken.yaml").write_text((SPECS / "unet_add_broken.yaml").read_text())
    (project / "specs" / "clean.yaml").write_text((SPECS / "unet_original.yaml").read_text())
    (project / ".github" / "workflows").mkdir(parents=True)
    (project / ".github" / "workflows" / "ci.yml").write_text("on: push\njobs: {}\n")
    temp = tmp_path / "runner-temp"
    temp.mkdir()
    values = {
        "github.action_path": str(action),
        "runner.temp": str(temp),
        "inputs.python": os.environ.get("PYTHON", "python3"),
        "inputs.files": "specs/ specs/**/*.yaml",  # the glob is skipcheck's: no file twice
        "inputs.args": "--select SC1",
        "inputs.sarif": "skipcheck.sarif",
    }
    codes = {}
    outputs = {}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}
    for name, env, script in _steps(values):
        proc = subprocess.run(
            # as GitHub runs a bash step
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=project,
            env={**base, **env, "GITHUB_ACTIONS": "true"},
            capture_output=True,
            text=True,
            timeout=600,
        )
        codes[name], outputs[name] = proc.returncode, proc.stdout + proc.stderr
    assert list(codes.values()) == [0, 0, 1], outputs
    annotations = outputs["skipcheck validate"].splitlines()
    assert annotations[0].startswith(
        "::error file=specs/broken.yaml,line=20,col=9,title=SC101 merge-channels::"
    )
    assert not any("SC201" in a or "clean.yaml" in a or "ci.yml" in a for a in annotations)
    assert annotations[-1] == "skipcheck: 4 errors, 0 warnings in 2 files"
    sarif = json.loads((project / "skipcheck.sarif").read_text())
    results = sarif["runs"][0]["results"]
    assert {r["ruleId"] for r in results} == {"SC101", "SC102"} and len(results) == 4
    # without a SARIF path that step is left out
    assert [n for n, _, _ in _steps({**values, "inputs.sarif": ""})] == [
        "Install skipcheck from the action's checkout",
        "skipcheck validate",
    ]
