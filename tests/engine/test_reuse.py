"""A run that takes over an earlier run's layers (``propagate(..., reuse=table)``, as a fix's
re-check does) ends exactly as a run from scratch: every shape, count, finding, constraint
and domain, for edits anywhere in a model — the referee is the same graph propagated whole."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from skipcheck.check import CheckMemo, Options, check_spec
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.propagate import Loop, propagate
from skipcheck.shapes.table import ShapeTable
from skipcheck.specfile.lower import lower
from skipcheck.specfile.yamltree import load_text
from tests.conftest import SPECS

NUMBER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")


def everything(table: ShapeTable) -> dict[str, Any]:
    """What a run learned, as its readers see it."""
    return {
        "shapes": table.shapes,
        "counts": table.counts,
        "mult_adds": table.mult_adds,
        "diagnostics": table.diagnostics,
        "raised": table.raised,
        "at_size": table.at_size,
        "constraints": table.constraints,
        "couplings": table.couplings,
        "domain": table.domain,
        "unsatisfied": table.unsatisfied,
        "narrowed": table.narrowed,
        "broken": table.broken,
        "inexact": table.inexact,
        "unchecked": table.unchecked,
        "witness": (table.witness, table.witness_clean),
        "symbolic": None if table.symbolic is None else everything(table.symbolic),
        "valid": {v: table.valid_sizes(v).describe() for v in table.axis_vars},
        "params": table.total_params,
    }


def graph(text: str, name: str) -> Any:
    return lower(load_text(text, name), name)


def edits(text: str, most: int = 10) -> list[str]:
    """Texts one number apart from ``text``: a layer line's first number plus one (a
    channel count, a kernel, a stride, a declared size), on ``most`` lines spread from the
    top of the model to its end."""
    lines = text.splitlines(keepends=True)
    out = []
    for k, line in enumerate(lines):
        stripped = line.lstrip()
        if not stripped.startswith("-") and not stripped.startswith("expect"):
            continue
        found = NUMBER.search(line)
        if found is None:
            continue
        changed = line[: found.start()] + str(int(found.group()) + 1) + line[found.end() :]
        out.append("".join([*lines[:k], changed, *lines[k + 1 :]]))
    step = max(1, -(-len(out) // most))
    return out[::step]


@pytest.mark.parametrize("spec", sorted(SPECS.glob("*.yaml")), ids=lambda p: p.stem)
def test_a_run_that_takes_over_ends_as_a_run_from_scratch(spec: Path) -> None:
    text = spec.read_text()
    base = propagate(graph(text, spec.name))
    assert isinstance(base.loop, Loop)
    took_over = 0
    for edited in edits(text):
        try:
            changed = graph(edited, spec.name)
        except SkipcheckError:
            continue
        try:
            whole = propagate(changed)
        except SkipcheckError as exc:
            with pytest.raises(SkipcheckError, match=re.escape(exc.message)):
                propagate(changed, reuse=base)
            continue
        resumed = propagate(changed, reuse=base)
        assert everything(resumed) == everything(whole)
        took_over += base.loop.first_change(changed) > 1
    # the edits reach layers deep in the model: most runs took over a part
    assert took_over >= len(edits(text)) // 3


def test_the_same_graph_is_taken_over_whole(spec_file: Any) -> None:
    path = SPECS / "unet_add_broken.yaml"
    g = graph(path.read_text(), path.name)
    base = propagate(g)
    assert base.loop.first_change(g) == len(g.nodes)
    assert everything(propagate(g, reuse=base)) == everything(base)


def test_another_input_or_params_runs_whole() -> None:
    text = (SPECS / "unet_original.yaml").read_text()
    base = propagate(graph(text, "u.yaml"))
    other = propagate(graph(text, "u.yaml"), [1, 1, 600, 600])
    assert not base.loop.fits(other, numbers=False)  # another input size
    assert everything(propagate(graph(text, "u.yaml"), [1, 1, 600, 600], reuse=base)) == (
        everything(other)
    )


BROKEN = sorted((Path(__file__).parent.parent / "check" / "fixes" / "data").glob("*.yaml"))


def same_fixes_whole(spec: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The proofs of fixes take over the model as written; without that, each re-check runs
    whole: the same fixes, proven the same, described the same."""
    path = str(spec)
    taken_over = check_spec(path, Options(fixes=True))
    init = CheckMemo.__init__
    with monkeypatch.context() as m:
        m.setattr(CheckMemo, "__init__", lambda self, base=None: init(self, None))
        whole = check_spec(path, Options(fixes=True))
    assert taken_over.errors
    assert [fixes for _, fixes in taken_over.fixes] == [fixes for _, fixes in whole.fixes]
    assert [d.fixes for d in taken_over.diagnostics] == [d.fixes for d in whole.diagnostics]


def test_fixes_proven_on_taken_over_runs_are_those_proven_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    same_fixes_whole(SPECS / "unet_add_broken.yaml", monkeypatch)


@pytest.mark.parametrize("spec", BROKEN, ids=lambda p: p.stem)
def test_fixes_of_the_fix_corpus_are_those_proven_whole(
    spec: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    same_fixes_whole(spec, monkeypatch)
