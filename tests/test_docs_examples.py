"""Every command shown in README.md and docs/*.md runs as shown, in a copy of the shipped
specs, and where the docs show its output (a ``$ command`` line followed by what it
prints), the output is compared: line for line, except that a line starting with ``…`` at
the left margin stands for any number of lines (an indented ``…`` is output).

When an output changes on purpose, the failure prints a unified diff of the doc's block
against what the command prints now; paste the new lines into the doc.
"""

from __future__ import annotations

import difflib
import importlib.util
import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
# the user's own files the docs name (`model.yaml`): stand-ins from the shipped specs, unless
# the doc itself wrote the file with an earlier command (`import ... -o unet.yaml`)
STAND_INS = {"model.yaml": "unet_add_broken.yaml", "unet.yaml": "unet_padded.yaml"}
# commands shown that are not skipcheck's to run here: installs, the test suite, CI
NOT_RUN = re.compile(r"^(pip |python -m pytest|python -m pip|bash \.ci/run|python bench/|pytest )")
BROKEN = ("unet_add_broken.yaml", "model.yaml", "broken.html", "model.py:UNet --input 1x3x250x250")
SHELL_LANGS = {"", "sh", "bash", "console", "shell", "text"}


@dataclass(frozen=True)
class Example:
    doc: str
    line: int  # where the command is in the doc
    command: str  # one shell command (a `&&` chain is split)
    output: tuple[str, ...] | None  # what the doc shows it prints, if it shows it

    @property
    def id(self) -> str:
        return f"{self.doc}:{self.line}: {self.command}"


def _commands(text: str) -> list[str]:
    """The commands in a shell line: `&&` parts, comments dropped."""
    out = []
    for part in text.split("&&"):
        part = re.split(r"\s+#\s", part, maxsplit=1)[0].strip()
        if part:
            out.append(part)
    return out


def _is_skipcheck(command: str) -> bool:
    words = command.split()
    if words[:3] == ["python", "-m", "skipcheck"]:
        words = ["skipcheck", *words[3:]]
    if "|" in command:  # `cat FILE | skipcheck ...`
        words = command.split("|", 1)[1].split()
    return len(words) >= 2 and words[0] == "skipcheck"


def _examples() -> tuple[list[Example], list[tuple[str, str]]]:
    """The runnable examples, and every shell command the docs show (for the count)."""
    found: list[Example] = []
    shown: list[tuple[str, str]] = []
    for doc in DOCS:
        text = doc.read_text()
        for block in re.finditer(r"^( *)```([a-z]*)\n(.*?)^\1```", text, re.S | re.M):
            indent, lang, body = block.group(1), block.group(2), block.group(3)
            if lang not in SHELL_LANGS:
                continue
            start = text.count("\n", 0, block.start()) + 2
            lines = [raw[len(indent) :] for raw in body.splitlines()]
            # a command continued with `\`
            joined: list[tuple[int, str]] = []
            for k, raw in enumerate(lines):
                if joined and joined[-1][1].endswith("\\"):
                    joined[-1] = (joined[-1][0], joined[-1][1][:-1] + " " + raw.strip())
                else:
                    joined.append((start + k, raw))
            transcript = any(raw.startswith("$ ") for _, raw in joined)
            k = 0
            while k < len(joined):
                number, raw = joined[k]
                k += 1
                if transcript and not raw.startswith("$ "):
                    continue
                line = raw.removeprefix("$ ").strip()
                commands = _commands(line)
                if not commands or not (_is_skipcheck(commands[0]) or NOT_RUN.match(line)):
                    continue
                output = None
                if transcript:
                    rest = []
                    while k < len(joined) and not joined[k][1].startswith("$ "):
                        rest.append(joined[k][1].rstrip())
                        k += 1
                    output = tuple(rest)
                for command in commands:
                    shown.append((doc.name, command))
                    if _is_skipcheck(command) and _runnable(command):
                        last = command == commands[-1]
                        found.append(Example(doc.name, number, command, output if last else None))
    return found, shown


def _runnable(command: str) -> bool:
    """Not a synopsis (`skipcheck fix SPEC [N]`) nor the one that edits the user's shell."""
    words = command.split()
    return not ({"SPEC", "FILE", "[N]"} & set(words)) and "--install-completion" not in words


EXAMPLES, SHOWN = _examples()


def test_the_docs_show_commands_and_the_tests_run_them() -> None:
    assert len(EXAMPLES) >= 60
    assert sum(e.output is not None for e in EXAMPLES) >= 8
    # every skipcheck command shown runs here but synopses and the one that edits your
    # shell's rc file
    left = {c for _, c in SHOWN if _is_skipcheck(c)} - {e.command for e in EXAMPLES}
    assert all(not _runnable(c) for c in left), left


def matches(expected: tuple[str, ...], actual: list[str]) -> bool:
    """Line for line, where an expected line starting with `…` stands for any lines and a
    `…` inside a line for any text (a time, the tail of torch's long message)."""
    pattern = "".join(
        r"(?:[^\n]*\n)*?"
        if line.startswith("…")
        else r"[^\n]*?".join(map(re.escape, line.split("…"))) + r"\n"
        for line in expected
    )
    return re.fullmatch(pattern, "".join(a + "\n" for a in actual)) is not None


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    shutil.copytree(ROOT / "specs", tmp_path / "specs")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    for name, spec in STAND_INS.items():
        shutil.copy(ROOT / "specs" / spec, tmp_path / name)
    (tmp_path / "my_project").mkdir()
    (tmp_path / "my_project" / "models.py").write_text(MODELS_PY)
    # the crashing U-Net of docs/import.md (`skipcheck validate model.py:UNet ...`)
    shutil.copy(ROOT / "tests" / "torch" / "zoo" / "unets.py", tmp_path / "model.py")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)  # CI would switch the format
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    return tmp_path


def _writer(example: Example) -> Example | None:
    """The earlier command of the same doc that writes a file this one reads (`-o FILE`)."""
    words = set(shlex.split(example.command.split("|")[-1]))
    for earlier in EXAMPLES:
        if earlier.doc != example.doc or earlier.line >= example.line:
            continue
        written = shlex.split(earlier.command)
        for flag in ("-o", "--output"):
            if flag in written and written[written.index(flag) + 1] in words - {flag}:
                return earlier
    return None


def _model_reference(words: list[str]) -> bool:
    """A PyTorch model given in place of a spec (`model.py:UNet`): torch imports it."""
    return any(re.match(r"^[\w./]+:[A-Za-z_]\w*$", w) for w in words[2:])


def _param(example: Example) -> Any:
    # torch builds and imports: seconds each, left to the full run
    words = example.command.split()
    heavy = words[1] in TORCH or _model_reference(words) or _writer(example) is not None
    return pytest.param(example, id=example.id, marks=[pytest.mark.slow] if heavy else [])


@pytest.mark.parametrize("example", [_param(e) for e in EXAMPLES])
def test_documented_command(example: Example, workdir: Path) -> None:
    writer = _writer(example)
    if writer is not None:
        _run(writer, workdir)
    _run(example, workdir)


def _run(example: Example, workdir: Path) -> None:
    command = example.command
    stdin = None
    if "|" in command:  # `cat FILE | skipcheck ...`: the file on stdin
        source, command = (p.strip() for p in command.split("|", 1))
        assert source.startswith("cat "), example.id
        stdin = (workdir / source.split()[1]).read_text()
    words = shlex.split(command)
    if words[:3] == ["python", "-m", "skipcheck"]:
        words = ["skipcheck", *words[3:]]
    if (words[1] in TORCH or _model_reference(words)) and not HAS_TORCH:
        pytest.skip("needs torch")
    if "monai." in command and not HAS_MONAI:
        pytest.skip("needs monai")
    redirect = None
    if ">" in words:  # a shell redirect: the output goes to that file
        redirect = workdir / words[words.index(">") + 1]
        words = words[: words.index(">")]
    result = CliRunner().invoke(app, words[1:], input=stdin, prog_name="skipcheck")
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    # a clean shipped spec stays clean under every documented option (`--set base=32`);
    # the broken one (and `model.yaml`, its stand-in) has findings
    broken = (
        any(name in command for name in BROKEN)
        or "specs/" in words
        or "specs/**/unet_*.yaml" in words
    )
    wanted = (0, 1) if broken or words[1] in ("fix", "whatif", "import") else (0,)
    if example.output and example.output[0].startswith("error: "):
        wanted = (2,)  # the doc shows how a mistake is answered
    assert result.exit_code in wanted, f"{example.id}\n{result.output}"
    if redirect is not None:
        redirect.write_text(result.stdout)
    if example.output is None:
        return
    actual = result.output.rstrip("\n").split("\n")
    actual = [line.rstrip() for line in actual]
    if not matches(example.output, actual):
        diff = "\n".join(
            difflib.unified_diff(
                list(example.output), actual, f"{example.doc} (shown)", "printed now", lineterm=""
            )
        )
        pytest.fail(f"{example.id}\noutput differs from the doc:\n{diff}", pytrace=False)


def test_the_ellipsis_rule() -> None:
    assert matches(("a", "…", "d"), ["a", "b", "c", "d"])
    assert matches(("a", "… (the rest)", "b"), ["a", "b"])
    assert not matches(("a", "d"), ["a", "b", "d"])
    assert not matches(("a", "   … indented is output"), ["a", "x"])
    assert matches(("wrote unet.yaml (… s)",), ["wrote unet.yaml (3.2 s)"])
    assert not matches(("wrote unet.yaml (… s)",), ["wrote unet.yaml (3.2 s)", "more"])


def test_python_example_in_the_torch_docs_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    torch = pytest.importorskip("torch")
    import skipcheck

    monkeypatch.chdir(ROOT)
    model = skipcheck.build("specs/unet_original.yaml", base=8)
    assert tuple(model(torch.randn(1, 1, 188, 188)).shape) == (1, 2, 4, 4)


if __name__ == "__main__":  # the figures: commands run here vs shown
    print(f"{len(EXAMPLES)} run ({sum(e.output is not None for e in EXAMPLES)} with output)")
    print(f"{len(SHOWN)} shell commands shown, {sum(_is_skipcheck(c) for _, c in SHOWN)} skipcheck")
