"""Many broken merges cost linear work (issue 22, item 13): counted, never timed."""

from __future__ import annotations

import importlib
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from skipcheck.check import Options, check_spec

# the modules themselves (the package exports a function named ``prove``)
edit = importlib.import_module("skipcheck.check.fixes.edit")
prove = importlib.import_module("skipcheck.check.fixes.prove")


def broken_stages(n: int) -> str:
    """``n`` stages, each adding the one before with the other channel count: n SC101."""
    lines = ["skipcheck: 1", "input: [1, 3, 16, 16]", "encoder:"]
    lines.append("  - {stage: s0, layers: [{conv: {out_channels: 8, kernel_size: 1}}]}")
    for i in range(1, n + 1):
        c = 16 if i % 2 else 8
        lines.append(
            f"  - {{stage: s{i}, layers: [{{conv: {{out_channels: {c}, kernel_size: 1}}}}, "
            f"{{add: s{i - 1}}}]}}"
        )
    return "\n".join(lines) + "\n"


def counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str, calls: Counter[str]) -> None:
    real: Callable[..., Any] = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        calls[name] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapper)


def work(n: int, monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Whole-text operations while proving the fixes of n broken merges."""
    calls: Counter[str] = Counter()
    with monkeypatch.context() as m:
        counted(m, edit, "line_starts", calls)  # a pass over the whole text
        counted(m, prove, "line_starts", calls)
        counted(m, prove, "apply_edits", calls)  # a copy of the whole text
        result = check_spec("many.yaml", Options(fixes=True), text=broken_stages(n))
    assert len(result.errors) == n
    return calls


def test_whole_text_work_does_not_grow_with_the_broken_merges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small, large = work(40, monkeypatch), work(160, monkeypatch)
    # the proofs stop at their budget; past it a site costs no pass over the text
    assert large["apply_edits"] <= small["apply_edits"] + 2, (small, large)
    assert large["line_starts"] <= small["line_starts"] + 2, (small, large)


FAN_OUT = """\
skipcheck: 1
input: [1, 3, 8, 8]
blocks:
  b0:
    layers:
      - {relu, repeat: 100}
  b1:
    layers:
      - {b0: {}, repeat: 100}
layers:
  - {b1: {}, repeat: %s}
"""


def test_a_fan_out_past_the_layer_cap_is_refused_after_one_repeat(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from skipcheck.core.errors import SkipcheckError
    from skipcheck.core.graph import Node

    built: Counter[str] = Counter()
    real = Node.__init__

    def counting(self: Node, *args: Any, **kwargs: Any) -> None:
        built["nodes"] += 1
        real(self, *args, **kwargs)

    monkeypatch.setattr(Node, "__init__", counting)
    error = check_spec("fan.yaml", text=FAN_OUT % 100).error
    assert isinstance(error, SkipcheckError) and "more than 200,000 layers" in str(error)
    assert error.pos is not None and error.pos.line == 11  # the outer repeat
    assert built["nodes"] <= 10_001 + 100  # one repeat of 10,000 layers, not 200,000


def test_a_repeat_whose_layers_read_the_index_is_expanded_in_full() -> None:
    # the first repeat has 1,000 layers, every other one has 1: 1,999 in all, well in the cap
    text = FAN_OUT.replace("{b0: {}, repeat: 100}", "{relu, repeat: 1 + 999 // (i * 999 + 1)}")
    result = check_spec("fan.yaml", text=text % 1000)
    assert result.error is None and result.graph is not None
    assert len(result.graph.nodes) == 1 + 1000 + 999


def long_path(n: int) -> str:
    """A merge whose one side runs through ``n`` convs after a pool: one SC102, and the mends
    look at every layer on that side."""
    conv = "      - {conv: {out_channels: 8, kernel_size: 3, padding: 1}, repeat: 500}\n"
    return (
        "skipcheck: 1\ninput: [1, 3, 64, 64]\nencoder:\n"
        "  - {stage: a, layers: [{conv: {out_channels: 8, kernel_size: 3, padding: 1}}]}\n"
        "  - stage: b\n    layers:\n      - maxpool: 2\n"
        f"{conv * (n // 500)}      - add: a\n"
    )


def layer_reads(text: str, monkeypatch: pytest.MonkeyPatch) -> tuple[int, Any]:
    """Every read of a layer of the graph while checking ``text`` and proving its fixes —
    the lowering, the check, the candidates and every proof's re-check — and the result."""
    import dataclasses

    import skipcheck.check as check

    reads = Counter[str]()

    class Nodes(tuple):  # type: ignore[type-arg]
        def __getitem__(self, i: Any) -> Any:
            reads["layers"] += 1
            return tuple.__getitem__(self, i)

        def __iter__(self) -> Any:
            reads["layers"] += len(self)
            return tuple.__iter__(self)

    real = check.lower

    def lower(*args: Any) -> Any:
        graph = real(*args)
        return dataclasses.replace(graph, nodes=Nodes(graph.nodes))

    with monkeypatch.context() as m:
        m.setattr(check, "lower", lower)
        result = check_spec("many.yaml", Options(fixes=True), text=text)
    return reads["layers"], result


def test_proving_a_merge_behind_a_long_path_reads_each_layer_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a fuzz mutant of 12,781 layers took 17 s CPU to validate (0.5 s without fixes): the
    # mends asked for the ancestors of a merge's side once per layer on its path, a walk of
    # the whole graph each time. One site, so the re-checks are bounded by the budget
    reads, result = layer_reads(long_path(2000), monkeypatch)
    assert result.graph is not None and len(result.graph.nodes) == 2004
    assert [d.code for d in result.errors] == ["SC102"]
    assert result.fixes and result.fixes[0][1]  # the pool's mends are proven
    # 19 reads a layer here; the walk per layer on the path made it 2,023
    assert reads <= 60 * len(result.graph.nodes), reads


def test_the_layers_read_grow_linearly_with_the_broken_merges(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # N stages each with a broken add: the layers feeding each merge's sides were walked back
    # to the input at every site (N sites × N layers); now only back to where its paths fork
    small, _ = layer_reads(broken_stages(300), monkeypatch)
    large, result = layer_reads(broken_stages(1200), monkeypatch)
    assert len(result.errors) == 1200
    assert large <= 5 * small, (small, large)  # 4× the merges: 16× where it was quadratic
