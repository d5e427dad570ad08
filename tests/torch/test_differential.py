"""Differential test: skipcheck's verdict and every shape against torch's, on random models.

Each example is a random spec (tests/torch/archs.py). skipcheck propagates shapes
symbolically; torch builds the model layer by layer and runs it on the meta
device. They must agree on every layer's shape, on whether (and where) the model
fails, and on the parameter count. ``SKIPCHECK_DIFF_EXAMPLES`` raises the count.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from skipcheck.check import build_graph, check
from tests.torch.archs import architecture

torch = pytest.importorskip("torch")

from skipcheck.torch.dryrun import dryrun  # noqa: E402

EXAMPLES = int(os.environ.get("SKIPCHECK_DIFF_EXAMPLES", "2000"))


def disagreements(text: str) -> list[str]:
    graph = build_graph("random.yaml", text=text)
    run = dryrun(graph)
    out = [f"{d.node.label if d.node else ''}: {d.what}" for d in run.disagreements]
    # the same verdict, stated independently of dryrun's bookkeeping
    table = check(graph)
    torch_runs = run.trace.failure is None
    if torch_runs != (not table.errors):
        out.append(f"verdict: torch runs={torch_runs}, skipcheck errors={table.errors}")
    return out


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(architecture())
def test_skipcheck_agrees_with_torch(text: str) -> None:
    assert disagreements(text) == [], text
