"""`python -m build` makes an sdist and a wheel that install in a fresh virtualenv and run,
with the schema, the rule documentation and py.typed inside."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from skipcheck.rules import RULES
from tests.conftest import ROOT, SPECS
from tests.source_tree import copy_source


def _run(*args: str | Path, cwd: Path) -> str:
    proc = subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("build") is None:
        pytest.skip("needs build (the test extra)")
    where = tmp_path_factory.mktemp("package")
    source = copy_source(where / "source")
    _run(
        sys.executable,
        "-m",
        "build",
        "--sdist",
        "--wheel",
        "--outdir",
        where / "dist",
        source,
        cwd=where,
    )
    return where / "dist"


@pytest.mark.slow
def test_the_wheel_holds_the_package_data(dist: Path) -> None:
    (wheel,) = dist.glob("skipcheck-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "skipcheck/py.typed" in names
    assert "skipcheck/specfile/schema.py" in names  # `skipcheck schema` builds it from the ops
    # each rule's documentation is the docstring of its module
    rule_modules = {
        f"skipcheck/rules/{p.name}" for p in (ROOT / "skipcheck" / "rules").glob("sc*.py")
    }
    assert len(rule_modules) == len(RULES) and rule_modules <= names
    assert not any(n.startswith(("tests/", "bench/", "specs/")) for n in names)
    (sdist,) = dist.glob("skipcheck-*.tar.gz")
    with tarfile.open(sdist) as archive:
        inside = {n.split("/", 1)[1] for n in archive.getnames() if "/" in n}
    assert {"skipcheck/py.typed", "README.md", "pyproject.toml", "LICENSE"} <= inside


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["whl", "tar.gz"])
def test_it_installs_in_a_fresh_venv_and_runs(dist: Path, kind: str, tmp_path: Path) -> None:
    (package,) = dist.glob(f"skipcheck-*.{kind}")
    venv.create(tmp_path / "venv", with_pip=True)
    bin_dir = tmp_path / "venv" / "bin"
    _run(bin_dir / "python", "-m", "pip", "install", "-q", package, cwd=tmp_path)
    skipcheck = bin_dir / "skipcheck"
    out = _run(skipcheck, "validate", SPECS / "unet_original.yaml", cwd=tmp_path)
    assert "✓ 0 errors, 0 warnings in 1 file · output 1×2×388×388" in out
    assert '"$schema"' in _run(skipcheck, "schema", cwd=tmp_path)
    assert "Why it matters" in _run(skipcheck, "explain", "SC101", cwd=tmp_path)
    typed = _run(
        bin_dir / "python",
        "-c",
        "import importlib.resources as r; print(r.files('skipcheck').joinpath('py.typed').is_file())",
        cwd=tmp_path,
    )
    assert typed.strip() == "True"


URL = re.compile(r"https?://[^\s)\"'`<>\]]+")
# addresses that exist; anything else must say plainly that the user fills it in
REAL = (
    "http://json-schema.org/draft-07/schema",
    "https://json.schemastore.org/sarif-2.1.0.json",
    "http://www.w3.org/2000/svg",
)
PLACEHOLDER = "YOUR-ORG"


@pytest.mark.parametrize(
    "path",
    [
        "README.md",
        *(f"docs/{p.name}" for p in sorted((ROOT / "docs").glob("*.md"))),
        "action.yml",
        ".pre-commit-hooks.yaml",
        *(
            str(p.relative_to(ROOT))
            for p in sorted((ROOT / "skipcheck").rglob("*.py"))
            # the "please report" address of an internal error is issue 24's other half
            if p.name != "boundary.py"
        ),
    ],
)
def test_every_url_exists_or_is_plainly_a_placeholder(path: str) -> None:
    for url in URL.findall((ROOT / path).read_text()):
        assert url.startswith(REAL) or PLACEHOLDER in url, f"{path}: {url}"
