"""Write what every command prints for every shipped spec and test fixture, one file each, so
that a refactor that must not change behaviour can be checked byte for byte:

    python bench/golden.py /tmp/before      # on the commit before
    python bench/golden.py /tmp/after       # on the commit after
    diff -r /tmp/before /tmp/after          # nothing: behaviour unchanged

Each command runs in-process through typer's runner at a fixed width with colour off, in a
scratch copy of the spec (so paths in the output are the same on every run); the exit code
is the first line of each file. Commands that need torch (export, dryrun) run only when it is
installed, and say so in the summary.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# (name, arguments before the spec, arguments after it); {spec} is the spec's path
COMMANDS: list[tuple[str, list[str], list[str]]] = [
    ("validate", ["validate"], []),
    ("validate-full", ["validate"], ["--output-format", "full"]),
    ("validate-concise", ["validate"], ["--output-format", "concise"]),
    ("validate-json", ["validate"], ["--output-format", "json"]),
    ("validate-sarif", ["validate"], ["--output-format", "sarif"]),
    ("validate-github", ["validate"], ["--output-format", "github"]),
    ("validate-table", ["validate"], ["--table"]),
    ("validate-statistics", ["validate"], ["--statistics", "--no-fixes"]),
    ("validate-q", ["validate"], ["-q"]),
    ("validate-input", ["validate"], ["--input", "1x3x250x250"]),
    ("sizes", ["sizes"], []),
    ("sizes-json", ["sizes"], ["--output-format", "json"]),
    ("fix", ["fix"], []),
    ("fix-json", ["fix"], ["--output-format", "json"]),
    ("fix-dry-run-all", ["fix"], ["--apply-all", "--unsafe-fixes", "--dry-run"]),
    ("whatif-base", ["whatif"], ["--set", "base=48"]),
    ("whatif-input", ["whatif"], ["--set", "input=[1, 3, 250, 250]"]),
    ("draw-svg", ["draw"], ["-o", "out.svg"]),
    ("draw-html", ["draw"], ["-o", "out.html"]),
]
TORCH_COMMANDS: list[tuple[str, list[str], list[str]]] = [
    ("export", ["export"], ["-o", "out.py"]),
    ("dryrun", ["dryrun"], []),
]


def specs() -> list[Path]:
    found = sorted((ROOT / "specs").glob("*.yaml"))
    found += sorted((ROOT / "tests").rglob("*.yaml"))
    return [p for p in found if ".venv" not in p.parts]


def main(out_dir: str) -> int:
    os.environ.update({"COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"})
    os.environ.pop("FORCE_COLOR", None)
    from typer.testing import CliRunner

    from skipcheck.cli import app

    commands = list(COMMANDS)
    if importlib.util.find_spec("torch") is not None:
        commands += TORCH_COMMANDS
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    runner = CliRunner()
    digest = hashlib.sha256()
    count = 0
    with tempfile.TemporaryDirectory() as scratch:
        for spec in specs():
            rel = spec.relative_to(ROOT)
            work = Path(scratch) / rel.name
            shutil.copyfile(spec, work)
            here = os.getcwd()
            os.chdir(scratch)
            try:
                for name, before, after in commands:
                    result = runner.invoke(app, [*before, rel.name, *after])
                    text = f"exit {result.exit_code}\n{result.output}"
                    if result.exception and not isinstance(result.exception, SystemExit):
                        text += f"\nexception: {type(result.exception).__name__}\n"
                    for written in ("out.svg", "out.html", "out.py"):
                        if os.path.exists(written):  # what -o wrote belongs to the output
                            text += f"\n--- {written} ---\n" + Path(written).read_text()
                            os.remove(written)
                    target = out / (str(rel).replace("/", "__") + f".{name}.txt")
                    target.write_text(text)
                    digest.update(target.name.encode() + b"\0" + text.encode())
                    count += 1
                    shutil.copyfile(spec, work)  # a command never leaves the next a changed spec
            finally:
                os.chdir(here)
    print(
        f"{count} outputs ({len(commands)} commands) written to {out}: sha256 {digest.hexdigest()}"
    )
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        print(__doc__)
        raise SystemExit(2)
    raise SystemExit(main(sys.argv[1]))
