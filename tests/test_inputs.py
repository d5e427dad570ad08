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


def _loops(root: Path) -> None:
    """Two directory symlink loops under d/: each link leads back to an ancestor."""
    (root / "d" / "a").mkdir(parents=True)
    (root / "d" / "a" / "m.yaml").write_text("skipcheck: 1\n")
    os.symlink(root / "d", root / "d" / "a" / "up")
    os.symlink(root / "d" / "a", root / "d" / "again")


def test_symlink_loops_end_and_check_each_file_once(tmp_path: Path, monkeypatch) -> None:
    _loops(tmp_path)
    monkeypatch.chdir(tmp_path)
    for args in (["d/**/*.yaml"], ["d"], ["d/**/*.yaml", "d/again/m.yaml"]):
        found = expand(args)
        assert [p.replace(os.sep, "/") for p in found.files] == ["d/a/m.yaml"], args


def test_a_fifo_named_like_a_spec_is_skipped(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "m.yaml").write_text("skipcheck: 1\n")
    os.mkfifo(tmp_path / "d" / "pipe.yaml")
    monkeypatch.chdir(tmp_path)
    for args in (["d"], ["d/*.yaml"], ["d/**/*.yaml"]):
        assert [p.replace(os.sep, "/") for p in expand(args).files] == ["d/m.yaml"], args


def test_whole_process_scans_end(tmp_path: Path) -> None:
    import subprocess
    import sys

    _loops(tmp_path)
    os.mkfifo(tmp_path / "d" / "pipe.yaml")
    for args, code in ((["d/**/*.yaml"], 2), (["d"], 2), (["d/pipe.yaml"], 2)):
        # m.yaml lacks input: a spec error (exit 2) is the answer, once, not a hang
        proc = subprocess.run(
            [sys.executable, "-m", "skipcheck", "validate", "--output-format", "concise", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=20,
        )
        assert proc.returncode == code, proc.stdout + proc.stderr
        assert "Traceback" not in proc.stderr
        if args == ["d/pipe.yaml"]:
            assert "is not a regular file" in proc.stdout + proc.stderr
        else:
            assert proc.stdout.count("m.yaml") == 1, proc.stdout


def test_one_spec_under_many_names_is_checked_once(tmp_path: Path, monkeypatch) -> None:
    """A file, a symlink to it, a path through a symlinked directory, through `..`, and its
    absolute path: one real file, one check, under the first name given."""
    (tmp_path / "a" / "b").mkdir(parents=True)
    spec = tmp_path / "a" / "b" / "x.yaml"
    spec.write_text("skipcheck: 1\n")
    os.symlink(spec, tmp_path / "a" / "link.yaml")
    os.symlink(tmp_path / "a" / "b", tmp_path / "a" / "dirlink")
    monkeypatch.chdir(tmp_path)
    names = ["a/b/x.yaml", "a/link.yaml", "a/dirlink/x.yaml", "a/b/../b/x.yaml", str(spec)]
    assert expand(names).files == ["a/b/x.yaml"]
    monkeypatch.chdir(tmp_path / "a" / "b")
    assert expand(["../link.yaml", "x.yaml", "../dirlink/x.yaml"]).files == ["../link.yaml"]
    other = tmp_path / "a" / "b" / "y.yaml"
    other.write_text("skipcheck: 1\n")
    assert expand(["x.yaml", "y.yaml", "../dirlink/y.yaml"]).files == ["x.yaml", "y.yaml"]
