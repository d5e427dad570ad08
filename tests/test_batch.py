"""A run over many files reports each one and keeps only the totals."""

from __future__ import annotations

import gc
import io
import json
import weakref
from pathlib import Path

import pytest

import skipcheck.batch
from skipcheck.batch import Run, execute
from skipcheck.check import Options, check_spec
from skipcheck.check.result import FileResult
from skipcheck.specfile.yamltree import YList, YMap
from tests.conftest import SPECS


@pytest.mark.parametrize("fmt", ["concise", "full", "json", "sarif", "github"])
def test_each_result_is_let_go_once_reported(
    fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    names = ["unet_original", "unet_add_broken", "resnet50", "unet_add_broken", "vnet"]
    files = []
    for k, name in enumerate(names):
        files.append(tmp_path / f"{k}.yaml")
        files[-1].write_text((SPECS / f"{name}.yaml").read_text())
    earlier: list[weakref.ref[FileResult]] = []
    check = skipcheck.batch.check_spec

    def tracked(path: str, options: Options | None = None, text: str | None = None) -> FileResult:
        gc.collect()
        # the loop still holds the file before this one; none before that may be alive
        assert [ref() is None for ref in earlier[:-1]] == [True] * len(earlier[:-1])
        result = check(path, options, text=text)
        earlier.append(weakref.ref(result))
        return result

    monkeypatch.setattr(skipcheck.batch, "check_spec", tracked)
    out = io.StringIO()
    code = execute(Run([str(f) for f in files], Options(fixes=True), fmt, quiet=True), out)
    assert code == 1
    assert len(earlier) == len(files)
    if fmt == "json":
        summary = json.loads(out.getvalue())["summary"]
        assert summary == {"files": 5, "errors": 8, "warnings": 4, "failed": 0}


@pytest.mark.parametrize(
    "text",
    [
        "skipcheck: 1\ninput: [1, 3, 64, 64]\nlayers:\n  - conv: {out_channels: 8}\n  - nosuchop: 1\n",
        "skipcheck: 1\ninput: [1, 3, 64, 64]\nlayers: [{conv: {out_channels: 8}\n",
    ],
    ids=["does-not-lower", "does-not-parse"],
)
def test_a_file_that_cannot_be_checked_is_let_go_without_the_collector(
    text: str, tmp_path: Path
) -> None:
    """Its error is kept to the run's summary; its tree and the parser are not (an error's
    traceback holds the frames that held them, in a cycle only the collector breaks: memory
    grew with every such file until it ran)."""
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)

    def alive() -> int:
        return sum(
            type(o) in (YMap, YList) or "Loader" in type(o).__name__ for o in gc.get_objects()
        )

    check_spec(str(bad), Options())  # what a first check caches stays
    gc.collect()
    gc.disable()
    try:
        before = alive()
        result = check_spec(str(bad), Options())
        after = alive()
    finally:
        gc.enable()
    assert result.error is not None
    assert result.error.__traceback__ is None and result.error.__context__ is None
    assert after == before
