"""The corpus of broken specs: every fix shown, written into the file as stored, validates
clean at the stored params — and torch, the referee, runs the fixed model on the CPU."""

from __future__ import annotations

from pathlib import Path

import pytest

from skipcheck.apply import apply_all
from skipcheck.check import Options, check_spec
from tests.conftest import SPECS

DATA = Path(__file__).parent / "data"
CORPUS = [SPECS / "unet_add_broken.yaml", *sorted(DATA.glob("*.yaml"))]


def _fixed_files(spec: Path) -> list[tuple[str, str]]:
    """(title, text) of every full fix of a one-site spec; apply-all's result otherwise."""
    result = check_spec(str(spec), Options(fixes=True))
    if len(result.fixes) == 1:
        return [(f.title, f.text) for f in result.fixes[0][1] if not f.partial]
    applied, last, _ = apply_all(str(spec), Options(), unsafe=True)
    assert applied and last.ok, (spec.name, [d.message for d in last.errors])
    return [("apply-all", applied[-1].text)]


@pytest.mark.parametrize("spec", CORPUS, ids=lambda p: p.stem)
def test_every_fix_validates_clean_as_stored_and_torch_runs_it(spec: Path, tmp_path: Path) -> None:
    torch_api = pytest.importorskip("skipcheck.torch")
    pytest.importorskip("torch")
    fixed = _fixed_files(spec)
    assert fixed, f"{spec.name}: no full fix"
    for title, text in fixed:
        copy = tmp_path / spec.name
        copy.write_text(text)
        after = check_spec(str(copy))
        assert after.error is None and after.ok, (title, [d.message for d in after.errors])
        lines, code = torch_api.dryrun_command(after, device="cpu", force=True)
        assert code == 0, (title, lines)
