"""Differential test: skipcheck's verdict and every shape against torch's, on random models.

Each example is a random spec (tests/torch/archs.py). skipcheck propagates shapes
symbolically; torch builds the model layer by layer from its own input shapes and
runs it. They must agree on every layer's shape, on whether (and where) the model
fails, and on the parameter count.

torch runs on the CPU here, with tiny tensors: the meta device skips some of the
argument checks the real kernels make (``output_padding`` not below the stride), so
it cannot referee verdicts alone. ``test_meta_dryrun_agrees`` covers the meta path
that ``skipcheck dryrun`` takes by default (meta, then the CPU for refusals).

``SKIPCHECK_DIFF_EXAMPLES`` raises the example count (default 2,000).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings

from skipcheck.check import check_spec, graph_of
from skipcheck.shapes.propagate import propagate
from tests.torch.archs import architecture

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")

from skipcheck.torch.dryrun import dryrun  # noqa: E402
from tests.torch.referee import referee  # noqa: E402

EXAMPLES = int(os.environ.get("SKIPCHECK_DIFF_EXAMPLES", "2000"))
SETTINGS = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large],
}


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # tiny tensors: threads only add overhead, and the suite shares 2 cores
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def disagreements(text: str) -> list[str]:
    return referee(text)[0]


@settings(max_examples=EXAMPLES, **SETTINGS)
@given(architecture())
def test_skipcheck_agrees_with_torch(text: str) -> None:
    assert disagreements(text) == [], text


@settings(max_examples=max(EXAMPLES // 4, 100), **SETTINGS)
@given(architecture(v11=True))
def test_format_11_agrees_with_torch(text: str) -> None:
    """Every format-1.1 construct (archs.py lists them) against torch, verdict and shapes."""
    assert disagreements(text) == [], text


@settings(max_examples=max(EXAMPLES // 10, 50), **SETTINGS)
@given(architecture())
def test_meta_dryrun_agrees(text: str) -> None:
    run = dryrun(check_spec("random.yaml", text=text))
    assert [d.what for d in run.disagreements] == [], text


REGRESSIONS = [
    # each once disagreed with torch; the fix is in the op's shape rule
    ("instancenorm", [1, 1, 1], "SC106"),  # one spatial position: torch refuses, eval too
    ("instancenorm", [1, 2, 1, 1], "SC106"),
    ("instancenorm", [1, 2, 1, 2], None),
    ("groupnorm: 2", [1, 2, 1, 1], "SC106"),  # one value per group
    ("groupnorm: 2", [2, 2, 1, 1], None),
    ("avgpool: {kernel_size: 2, ceil_mode: true}", [1, 1, 1, 1, 1], "SC106"),  # 3D only
    ("avgpool: {kernel_size: 2, ceil_mode: true}", [1, 1, 1, 1], None),
    ("avgpool: {kernel_size: 3, padding: 1}", [1, 1, 2, 9, 9], "SC106"),
    ("maxpool: {kernel_size: 3, padding: 2, dilation: 2}", [1, 1, 12, 12], "SC106"),
    ("maxpool: {kernel_size: 1, padding: 1, dilation: 2}", [1, 1, 12], "SC106"),
    ("residual: {body: [global_avgpool], merge: mul}", [1, 1, 1, 2], None),  # 1×1 * 1×2
    ("residual: {body: [{maxpool: 2}], merge: mul, shortcut: [identity]}", [1, 1, 2], None),
    ("upsample: {scale_factor: 0.5, mode: area}", [1, 1, 1, 1], "SC103"),  # empty tensor
    ("conv_transpose: {out_channels: 1, kernel_size: 1, output_padding: 1}", [1, 1, 3], "SC106"),
]


@pytest.mark.parametrize(("layer", "shape", "code"), REGRESSIONS)
def test_regressions(layer: str, shape: list[int], code: str | None) -> None:
    text = f"skipcheck: 1\ninput: {shape}\nlayers:\n  - {layer}\n"
    assert disagreements(text) == []
    assert [d.code for d in propagate(graph_of("r.yaml", text=text)).errors][:1] == (
        [code] if code else []
    )


def test_regression_opaque_size_meets_symbolic_size() -> None:
    # A size outside the exact fragment (×0.3) met a symbolic one in a pad merge: the
    # margin lost its concrete value and SC105 went unreported while torch refused.
    text = """
skipcheck: 1
input: [1, 1, 8]
layers:
  - {stage: s0, layers: [{crop: 2}, {upsample: {scale_factor: 0.3}}]}
  - {stage: s1, layers: [layernorm, {mul: {skip: s0, align: pad}}]}
  - {stage: s2, layers: [{mul: {skip: input, align: interpolate}}]}
  - {stage: s3, layers: [{mul: {skip: s1, align: pad}}]}
"""
    assert disagreements(text) == []
    assert [d.code for d in propagate(graph_of("r.yaml", text=text)).errors] == ["SC105"]


def test_regression_mul_after_center_crop_does_not_broadcast() -> None:
    # the running tensor was 1 wide; broadcasting ran before the crop and took the skip's 2
    text = """
skipcheck: 1
input: [1, 1, 2]
layers:
  - {stage: s0, layers: [{conv: {out_channels: 3, kernel_size: 1, stride: 3}}]}
  - {stage: s1, layers: [{mul: {skip: input, align: center_crop}}]}
"""
    assert disagreements(text) == []
    assert propagate(graph_of("r.yaml", text=text)).shape_of(2) == "1×3×1"
