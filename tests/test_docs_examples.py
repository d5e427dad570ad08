"""Every command shown in README.md and docs/*.md runs as shown (exit 0 or 1, never an
error), on a copy of the shipped specs; Python examples run too."""

from __future__ import annotations

import importlib.util
import re
import shlex
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.cli import app

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
COMMANDS = {c.name for c in app.registered_commands if c.name} | {
    c.callback.__name__ for c in app.registered_commands if c.callback
}
TORCH = {"dryrun", "export", "import"}
HAS_TORCH = importlib.util.find_spec("torch") is not None
HAS_MONAI = HAS_TORCH and importlib.util.find_spec("monai") is not None
# what `skipcheck import my_project/models.py:build_model` imports in the docs' examples
MODELS_PY = """
from torch import nn


def build_model():
    return nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2))
"""


def _examples() -> list[tuple[str, str]]:
    found = []
    for doc in DOCS:
        for block in re.findall(r"```[a-z]*\n(.*?)```", doc.read_text(), re.S):
            block = re.sub(r"\\\n\s*", "", block)  # a command continued with `\`
            for raw in block.splitlines():
                line = raw.strip().removeprefix("$ ")
                for part in line.split("&&"):
                    part = part.split("  #", 1)[0].split(" # ", 1)[0].strip()
                    words = part.split()
                    if len(words) < 2 or words[0] != "skipcheck" or words[1] not in COMMANDS:
                        continue
                    if "[" in part.replace("'", "").split("--set")[0] or "SPEC" in words:
                        continue  # a synopsis, not a command
                    found.append((doc.name, part))
    return found


EXAMPLES = _examples()


def test_the_docs_show_commands() -> None:
    assert len(EXAMPLES) >= 20


@pytest.mark.parametrize(("doc", "line"), EXAMPLES, ids=[f"{d}: {c}" for d, c in EXAMPLES])
def test_documented_command_runs(
    doc: str, line: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    words = shlex.split(line)
    model = any(re.match(r"^[\w./]+:[A-Za-z_]\w*$", w) for w in words[2:])  # model.py:UNet
    if (words[1] in TORCH or model) and not HAS_TORCH:
        pytest.skip("needs torch")
    if "monai." in line and not HAS_MONAI:
        pytest.skip("needs monai")
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    (tmp_path / "models" / "unet").mkdir(parents=True)
    shutil.copy(ROOT / "specs" / "unet_original.yaml", tmp_path / "models" / "unet" / "a.yaml")
    (tmp_path / "extra").mkdir()
    shutil.copy(ROOT / "specs" / "unet_padded.yaml", tmp_path / "extra" / "a.yaml")
    shutil.copy(ROOT / "specs" / "unet_add_broken.yaml", tmp_path / "model.yaml")
    shutil.copy(ROOT / "specs" / "unet_padded.yaml", tmp_path / "unet.yaml")
    (tmp_path / "my_project").mkdir()
    (tmp_path / "my_project" / "models.py").write_text(MODELS_PY)
    # the crashing U-Net of docs/import.md (`skipcheck validate model.py:UNet ...`)
    shutil.copy(ROOT / "tests" / "torch" / "zoo" / "unets.py", tmp_path / "model.py")
    monkeypatch.chdir(tmp_path)
    args = words[1:]
    if ">" in args:  # a shell redirect: the test reads the output instead
        args = args[: args.index(">")]
    result = CliRunner().invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), (line, result.output)


def test_python_example_in_the_torch_docs_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    import skipcheck

    monkeypatch.chdir(ROOT)
    model = skipcheck.build("specs/unet_original.yaml", base=8)
    assert tuple(model(torch.randn(1, 1, 188, 188)).shape) == (1, 2, 4, 4)
