import os
import stat

import pytest

from skipcheck.atomic import write_text_atomic


def test_writes_new_file_with_umask_mode(tmp_path):
    target = tmp_path / "out.svg"
    old = os.umask(0o022)
    try:
        write_text_atomic(str(target), "<svg>é</svg>")
    finally:
        os.umask(old)
    assert target.read_text(encoding="utf-8") == "<svg>é</svg>"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_keeps_mode_of_existing_target(tmp_path):
    target = tmp_path / "out.svg"
    target.write_text("old")
    target.chmod(0o640)
    write_text_atomic(str(target), "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_leaves_no_temporary_file(tmp_path):
    write_text_atomic(str(tmp_path / "a.html"), "x")
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]


def test_failure_keeps_old_text_and_cleans_up(tmp_path, monkeypatch):
    target = tmp_path / "out.svg"
    target.write_text("old")

    def broken_replace(src: str, dst: str) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_text_atomic(str(target), "new")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.svg"]


def test_missing_directory_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        write_text_atomic(str(tmp_path / "nope" / "out.svg"), "x")


def test_replaces_through_a_relative_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_text_atomic("rel.svg", "one")
    write_text_atomic("rel.svg", "two")
    assert (tmp_path / "rel.svg").read_text() == "two"
