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
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skipcheck.check import check_spec, graph_of
from skipcheck.engine.propagate import propagate
from tests.torch.archs import architecture

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel")

from skipcheck.torch.dryrun import dryrun  # noqa: E402
from tests.torch.referee import referee, skipcheck_says, torch_says  # noqa: E402

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


# ---------------------------------------------------------------------------
# Chains of the edge constructs of issue 11, refereed by torch layers built here from
# the same numbers (never skipcheck's torch_layer()): verdict and output shape agree.

nn = torch.nn
F = torch.nn.functional


def _edge_step(draw: st.DrawFn) -> tuple[str, Callable[[Any, Any], Any]]:
    """One layer as spec text, and the same layer in torch: f(x, input) -> y."""
    kind = draw(
        st.sampled_from(
            ["adaptive", "softmax", "batchnorm", "conv", "dropout", "mul", "pool", "pad", "prelu"]
        )
    )
    if kind == "adaptive":
        size = draw(st.sampled_from([None, 1, 2, [None, 2], [2, None], [None, None], [3, 1]]))
        kind_ = draw(st.sampled_from(["avg", "max"]))
        arg = tuple(size) if isinstance(size, list) else size
        text = "null" if size is None else str(size).replace("None", "null")
        cls = getattr(nn, f"Adaptive{kind_.capitalize()}Pool2d")
        return f"adaptive_{kind_}pool: {{output_size: {text}}}", lambda x, x0: cls(arg)(x)
    if kind == "softmax":
        dim = draw(st.integers(-5, 4))
        return f"softmax: {dim}", lambda x, x0: nn.Softmax(dim=dim)(x)
    if kind == "batchnorm":
        track = draw(st.booleans())

        def bn(x: Any, x0: Any) -> Any:
            return nn.BatchNorm2d(x.shape[1], track_running_stats=track).eval()(x)

        return f"batchnorm: {{track_running_stats: {str(track).lower()}}}", bn
    if kind == "conv":
        k, pad, out = draw(st.integers(1, 3)), draw(st.integers(-1, 2)), draw(st.integers(1, 4))
        return (
            f"conv: {{out_channels: {out}, kernel_size: {k}, padding: {pad}}}",
            lambda x, x0: nn.Conv2d(x.shape[1], out, k, padding=pad)(x),
        )
    if kind == "dropout":
        p = draw(st.sampled_from([0.0, 0.5, 1.0, 1.5, -0.5]))
        return f"dropout: {p}", lambda x, x0: nn.Dropout(p).eval()(x)
    if kind == "mul":
        return "mul: input", lambda x, x0: x * x0
    if kind == "pool":
        k = draw(st.integers(1, 3))
        return f"maxpool: {k}", lambda x, x0: nn.MaxPool2d(k)(x)
    if kind == "pad":
        pads = draw(st.sampled_from([[1, 1], [0, 1, 2, 0], [1, 0, 0, 1, 1, 1], [1]]))
        return f"pad: {pads}", lambda x, x0: F.pad(x, pads) if len(pads) <= 4 else _refused()
    n = draw(st.sampled_from([1, 2, 3, 6]))
    return f"prelu: {n}", lambda x, x0: nn.PReLU(n)(x)


def _refused() -> Any:
    # pads past the spatial axes: torch pads the channels; skipcheck refuses by design
    raise RuntimeError("refused by design (docs/torch.md)")


@st.composite
def edge_chain(draw: st.DrawFn) -> tuple[str, Callable[[Any], Any], list[int]]:
    steps = [_edge_step(draw) for _ in range(draw(st.integers(1, 4)))]
    dims = [
        draw(st.integers(1, 2)),
        draw(st.integers(1, 3)),
        draw(st.integers(1, 6)),
        draw(st.integers(1, 6)),
    ]

    def run(x0: Any) -> Any:
        x = x0
        for _, f in steps:
            x = f(x, x0)
        return x

    return "\n".join(text for text, _ in steps), run, dims


@settings(max_examples=max(EXAMPLES // 4, 100), **SETTINGS)
@given(edge_chain())
def test_edge_chains_agree_with_torch(chain: tuple[str, Callable[[Any], Any], list[int]]) -> None:
    layers, run, dims = chain
    torch.manual_seed(0)
    assert skipcheck_says(layers, dims) == torch_says(run, dims), (layers, dims)
