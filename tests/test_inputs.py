from __future__ import annotations

import os
from pathlib import Path

from skipcheck.inputs import expand


def _tree(root: Path) -> None:
    for rel in [
        "specs/a.yaml",
        "specs/sub/b.yml",
        "specs/notes.txt",
        "specs/.skipcheck.yaml",
        "specs/.hidden/c.yaml",
        "models/x/m.yaml",
        "models/y/n.yaml",
    ]:
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("skipcheck: 1\n")


def test_directories_globs_and_files(tmp_path: Path, monkeypatch) -> None:
    _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    found = expand(["specs", "models/**/*.yaml", "specs/a.yaml", "specs/notes.txt"])
    assert [p.replace(os.sep, "/") for p in found.files] == [
        "specs/a.yaml",
        "specs/sub/b.yml",
        "models/x/m.yaml",
        "models/y/n.yaml",
        "specs/notes.txt",
    ]
    assert found.missing == []


def test_missing_paths_are_reported(tmp_path: Path, monkeypatch) -> None:
    _tree(tmp_path)
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)
    found = expand(["nope.yaml", "zoo/*.yaml", "empty"])
    assert found.files == []
    assert found.missing == ["nope.yaml", "zoo/*.yaml", "empty"]
