import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from skipcheck.atomic import ChangedSinceRead, write_text_atomic
from skipcheck.cli import app
from tests.conftest import SPECS

runner = CliRunner()


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


# -o onto a device or a FIFO (issue 22, item 9): written in place, never replaced. Scratch
# nodes in a temporary directory, never /dev: the bug this guards against replaced
# /dev/null on a test machine.


def _null_device(tmp_path: Path) -> Path:
    """A character device like /dev/null (major 1, minor 3), made here; skip if we may not."""
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except (PermissionError, AttributeError) as exc:
        pytest.skip(f"cannot make a device node here ({exc}); needs root")
    return node


def test_a_device_is_written_in_place_never_replaced(tmp_path):
    node = _null_device(tmp_path)
    before = node.stat()
    write_text_atomic(str(node), "the report")
    after = node.stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)
    assert [p.name for p in tmp_path.iterdir()] == ["null"]  # no temporary file left


def test_a_link_to_a_device_keeps_both(tmp_path):
    node = _null_device(tmp_path)
    link = tmp_path / "out.txt"
    link.symlink_to(node)
    write_text_atomic(str(link), "the report")
    assert link.is_symlink() and stat.S_ISCHR(node.stat().st_mode)


MODEL = """
from torch import nn


def build():
    return nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), nn.ReLU())
"""


@pytest.mark.parametrize("command", ["validate", "export", "draw", "import"])
def test_every_writer_leaves_a_device_a_device(tmp_path, command):
    spec = str(SPECS / "unet_original.yaml")
    dev = tmp_path / "dev"
    dev.mkdir()
    node = _null_device(dev)
    node = node.rename(dev / "null.svg")  # a name every writer accepts (draw wants .svg)
    if command == "import":
        pytest.importorskip("torch")
        model = tmp_path / "model.py"
        model.write_text(MODEL)
        args = ["import", f"{model}:build", "-i", "1x3x8x8", "-o", str(node)]
    else:
        if command == "export":
            pytest.importorskip("torch")
        args = [command, spec, "-o", str(node)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert stat.S_ISCHR(node.stat().st_mode)
    assert [p.name for p in dev.iterdir()] == ["null.svg"]


def _read_fifo(fifo: Path, got: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(fifo, "rb") as fh:
            got.append(fh.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


def test_a_fifo_is_written_in_place_never_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    write_text_atomic(str(fifo), "through the pipe é")
    reader.join(10)
    assert got == ["through the pipe é".encode()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["pipe"]


def test_validate_writes_its_report_into_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = _read_fifo(fifo, got)
    spec = str(SPECS / "unet_original.yaml")
    result = runner.invoke(app, ["validate", spec, "--output-format", "concise", "-o", str(fifo)])
    reader.join(10)
    assert result.exit_code == 0, result.output
    assert got == [b"Found 0 errors, 0 warnings in 1 file.\n"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# fix --apply and a change made since the file was read (issue 22, item 15)


def test_a_file_changed_since_it_was_read_is_not_replaced(tmp_path):
    target = tmp_path / "model.yaml"
    target.write_text("edited by someone else")
    with pytest.raises(ChangedSinceRead):
        write_text_atomic(str(target), "the fix", expect="as read")
    assert target.read_text() == "edited by someone else"
    assert [p.name for p in tmp_path.iterdir()] == ["model.yaml"]
    write_text_atomic(str(target), "the fix", expect="edited by someone else")
    assert target.read_text() == "the fix"


def test_a_deleted_file_counts_as_changed(tmp_path):
    with pytest.raises(ChangedSinceRead):
        write_text_atomic(str(tmp_path / "gone.yaml"), "the fix", expect="as read")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("how", [["--apply", "1"], ["--apply-all"]])
def test_fix_apply_refuses_when_the_file_changed_after_it_was_read(tmp_path, monkeypatch, how):
    import skipcheck.apply as apply

    spec = tmp_path / "model.yaml"
    spec.write_text(RACE_SPEC)
    real = apply.write_text_atomic

    def edit_first(path: str, text: str, *, expect: str | None = None) -> None:
        spec.write_text(RACE_SPEC + "# an edit made meanwhile\n")  # lands after the read
        real(path, text, expect=expect)

    monkeypatch.setattr(apply, "write_text_atomic", edit_first)
    result = runner.invoke(app, ["fix", str(spec), *how])
    assert result.exit_code == 2
    assert "changed since skipcheck read it" in result.output
    assert spec.read_text() == RACE_SPEC + "# an edit made meanwhile\n"


RACE_SPEC = """skipcheck: 1.1
input: [1, 3, 16, 16]
layers:
  - conv: {in_channels: 5, out_channels: 8, kernel_size: 1}
  - relu
  - conv: {in_channels: 7, out_channels: 4, kernel_size: 1}
"""
# fix 1 states in_channels: 3 on line 4; fix 3 states in_channels: 8 on line 6 (fix 2, between
# them, mends line 4 as well, so it would not show a lost update on another line)
FIX_1, FIX_3 = "in_channels: 3, out_channels: 8", "in_channels: 8, out_channels: 4"


# each process waits, just before writing, until both have read the file and computed
# their fix: the race the issue saw in 49 of 50 rounds, every time
GATED_FIX = """
import os, sys, time
import skipcheck.apply as apply
from skipcheck.cli import main

spec, number, gate = sys.argv[1:4]
real = apply.write_text_atomic


def gated(*args, **kwargs):
    open(os.path.join(gate, number), "w").close()
    deadline = time.monotonic() + 60  # a process that never gets here must not hang the test
    while len(os.listdir(gate)) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    return real(*args, **kwargs)


apply.write_text_atomic = gated
sys.argv = ["skipcheck", "fix", spec, "--apply", number]
main()
"""


def test_two_concurrent_applies_never_lose_an_update(tmp_path):
    # fix 1 mends line 4, fix 3 line 6; both processes read the original, so the second
    # rename would drop the first fix. Each that says it applied its fix must find it in
    # the file; one that did not apply exits 2 with the reason.
    spec = tmp_path / "model.yaml"
    spec.write_text(RACE_SPEC)
    gate = tmp_path / "gate"
    gate.mkdir()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", GATED_FIX, str(spec), n, str(gate)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for n in ("1", "3")
    ]
    outs = [p.communicate(timeout=180)[0] for p in procs]
    final = spec.read_text()
    applied = [f"applied fix {n}" in out for n, out in zip("13", outs, strict=True)]
    assert sorted(os.listdir(gate)) == ["1", "3"], outs  # both read before either wrote
    assert applied.count(True) == 1, outs
    for did, edit, out, proc in zip(applied, (FIX_1, FIX_3), outs, procs, strict=True):
        if did:
            assert edit in final, f"an applied fix was lost:\n{out}\n--- file ---\n{final}"
        else:
            assert proc.returncode == 2, out
            assert "changed since skipcheck read it" in out


SPEC_TEXT = "skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers: [relu]\n"


@pytest.mark.parametrize(
    ("command", "product"),
    [(["validate"], "the report"), (["draw"], "the picture")],
)
def test_every_writer_refuses_its_input_and_says_nothing_was_written(
    tmp_path, monkeypatch, command, product
):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text(SPEC_TEXT)
    over = runner.invoke(app, [*command, "a.yaml", "-o", "a.yaml"])
    assert over.exit_code == 2
    assert f"refusing to overwrite the spec a.yaml with {product}" in over.output
    assert (tmp_path / "a.yaml").read_text() == SPEC_TEXT
    out = "no-such-dir/out.svg"
    failed = runner.invoke(app, [*command, "a.yaml", "-o", out])
    assert failed.exit_code == 2
    assert f"cannot write {out}: No such file or directory; nothing was written" in failed.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.yaml"]


def test_export_refuses_its_input_and_says_nothing_was_written(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    test_every_writer_refuses_its_input_and_says_nothing_was_written(
        tmp_path, monkeypatch, ["export"], "the exported code"
    )
