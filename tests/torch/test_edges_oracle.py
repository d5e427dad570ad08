"""Issue 22, items 4–6: where skipcheck and torch disagreed, against torch built here.

Each case sweeps sizes, builds its own torch computation (never skipcheck's
``torch_layer()``) and asserts that skipcheck reports an error exactly where torch
refuses, and the same output shape where it runs.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from skipcheck.check import graph_of
from skipcheck.engine.propagate import propagate

torch = pytest.importorskip("torch")
nn = torch.nn
F = torch.nn.functional


def agree(text: str, run: Callable[[], object]) -> bool:
    """skipcheck errs exactly where ``run`` raises; same output shape where it runs.
    Returns whether torch ran."""
    graph = graph_of("edge.yaml", text=text)
    table = propagate(graph)
    try:
        with torch.no_grad():
            out = run()
    except (RuntimeError, ValueError, NotImplementedError) as exc:
        assert table.errors, f"torch refuses ({exc}) but skipcheck passes:\n{text}"
        return False
    assert not table.errors, f"torch runs but skipcheck says {table.errors}:\n{text}"
    assert table.shape_of(graph.out) == "×".join(map(str, out.shape)), text  # type: ignore[attr-defined]
    return True


# 4. stated in_features / num_features after a flatten of several spatial axes (SC107)


@pytest.mark.parametrize("start", [1, 2])
@pytest.mark.parametrize("op", ["linear", "batchnorm"])
def test_stated_features_after_a_flatten_of_spatial_axes(op: str, start: int) -> None:
    ran = set()
    for c, h, w in itertools.product([1, 2], [1, 2, 4], [3, 4]):
        flat = c * h * w if start == 1 else h * w
        for stated in sorted({flat, flat + 8, max(1, flat - 1)}):
            x = torch.randn(2, c, h, w)
            if op == "linear":
                layer = f"linear: {{in_features: {stated}, out_features: 3}}"
                torch_layer: nn.Module = nn.Linear(stated, 3)
            else:
                layer = f"batchnorm: {{num_features: {stated}}}"
                torch_layer = nn.BatchNorm1d(stated).eval()
            if op == "batchnorm" and start == 2:
                continue  # BatchNorm1d reads axis 1 (the channels), which no flatten changed
            text = (
                f"skipcheck: 1.1\ninput: [2, {c}, {h}, {w}]\nlayers:\n"
                f"  - flatten: {{start_dim: {start}}}\n  - {layer}\n"
            )
            seq = nn.Sequential(nn.Flatten(start), torch_layer)
            ran.add(agree(text, lambda seq=seq, x=x: seq(x)))
    assert ran == {True, False} or (op == "batchnorm" and start == 2)


def test_the_finding_names_the_number_received() -> None:
    text = (
        "skipcheck: 1.1\ninput: [1, 2, 4, 4]\nlayers:\n  - flatten\n"
        "  - linear: {in_features: 40, out_features: 3}\n"
    )
    (d,) = propagate(graph_of("x.yaml", text=text)).errors
    assert (d.code, d.pos.line) == ("SC107", 5)
    assert "takes 40 features (in_features: 40) but receives 32 (2·H·W at the given input)" in (
        d.message
    )
    with pytest.raises(RuntimeError, match=r"cannot be multiplied|same reduction dim"):
        nn.Sequential(nn.Flatten(), nn.Linear(40, 3))(torch.randn(1, 2, 4, 4))


@pytest.mark.parametrize(
    ("op", "stated"), [("linear", "in_features"), ("batchnorm", "num_features")]
)
def test_sizes_finds_where_a_stated_count_after_a_flatten_runs(op: str, stated: str) -> None:
    # 2·H·4 = 40 at H = 5 only: `sizes` must find that, not "no size runs" (SC107 is
    # size-free for channels, not for a product of sizes) nor "every H"
    from skipcheck.check import check_spec
    from skipcheck.check.valid import valid_sizes

    layer = f"{op}: {{{stated}: 40{', out_features: 3' if op == 'linear' else ''}}}"
    text = f"skipcheck: 1.1\ninput: [1, 2, 4, 4]\nlayers:\n  - flatten\n  - {layer}\n"
    result = check_spec("x.yaml", text=text)
    assert "valid input sizes: not exact for this model" in result.size_lines()[0]
    report = valid_sizes(result, bound=(1, 12))
    assert not report.size_free
    torch_runs = []
    for h in range(1, 13):
        built = nn.Linear(40, 3) if op == "linear" else nn.BatchNorm1d(40).eval()
        try:
            nn.Sequential(nn.Flatten(), built)(torch.randn(1, 2, h, 4))
            torch_runs.append(h)
        except RuntimeError:
            pass
    (axis_h,) = [a for a in report.axes if a.var == "H"]
    assert [h for h in range(1, 13) if h in axis_h.runs] == torch_runs == [5]


# 5. pad in mode reflect / replicate / circular with fewer pairs than spatial axes


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("rank", [1, 2, 3])
def test_pad_pairs_per_mode(mode: str, rank: int) -> None:
    ran = set()
    for pairs in range(1, rank + 1):  # more pairs than spatial axes: skipcheck is stricter
        padding = [1, 2, 2, 1, 1, 1][: 2 * pairs]
        dims = [1, 2, *[5] * rank]
        text = (
            f"skipcheck: 1.1\ninput: {dims}\nlayers:\n"
            f"  - pad: {{padding: {padding}, mode: {mode}}}\n"
        )
        x = torch.randn(*dims)
        ran.add(agree(text, lambda x=x, padding=padding: F.pad(x, padding, mode=mode)))
    assert ran == ({True} if mode == "constant" or rank == 1 else {True, False})


def test_pad_finding_quotes_torch() -> None:
    text = (
        "skipcheck: 1.1\ninput: [1, 2, 8, 8]\nlayers:\n  - pad: {padding: [1, 1], mode: reflect}\n"
    )
    (d,) = propagate(graph_of("x.yaml", text=text)).errors
    assert (d.code, d.pos.line) == ("SC106", 4)
    assert 'torch: "Padding size 2 is not supported for 4D input"' in d.message
    with pytest.raises(NotImplementedError, match="Padding size 2 is not supported for 4D input"):
        F.pad(torch.randn(1, 2, 8, 8), [1, 1], mode="reflect")


# 6. mul of tensors of different rank: torch's broadcasting, aligned from the last axis


GATES = {
    # a branch from the running tensor, as torch computes it here
    "[global_avgpool, flatten]": lambda x: x.mean((2, 3)).flatten(1),
    "[flatten]": lambda x: x.flatten(1),
    "[{flatten: {start_dim: 2}}]": lambda x: x.flatten(2),
    "[global_avgpool, {flatten: {start_dim: 2}}]": lambda x: x.mean((2, 3), keepdim=True).flatten(
        2
    ),
}


@pytest.mark.parametrize("gate", GATES)
@pytest.mark.parametrize("order", ["x * gate", "gate * x"])
def test_mul_of_different_rank_broadcasts_as_torch(gate: str, order: str) -> None:
    # x * gate: the gate is a named branch, the skip of `mul`; gate * x: a residual whose
    # body is the gate and whose (identity) shortcut is x, merged by mul (body first)
    if order == "x * gate":
        layers = f"  - branch: {{name: g, layers: {gate}}}\n  - mul: g\n"
    else:
        layers = f"  - residual: {{body: {gate}, merge: mul}}\n"
    ran = set()
    for c, h, w in itertools.product([1, 2, 3], [1, 2, 3], [1, 2, 3]):
        x = torch.randn(1, c, h, w)
        g = GATES[gate](x)
        text = f"skipcheck: 1.1\ninput: [1, {c}, {h}, {w}]\nlayers:\n{layers}"
        pair = (x, g) if order == "x * gate" else (g, x)
        ran.add(agree(text, lambda pair=pair: pair[0] * pair[1]))
    assert ran == {True, False}


DRYRUN = {
    "in_features": "layers:\n  - flatten\n  - linear: {in_features: 40, out_features: 3}\n",
    "num_features": "layers:\n  - flatten\n  - batchnorm: {num_features: 40}\n",
    "pad pairs": "layers:\n  - pad: {padding: [1, 1], mode: replicate}\n",
    "mul ranks": "layers:\n  - branch: {name: g, layers: [global_avgpool, flatten]}\n  - mul: g\n",
}


@pytest.mark.parametrize("case", DRYRUN)
def test_dryrun_agrees_instead_of_an_internal_error(case: str, tmp_path: object) -> None:
    from pathlib import Path

    from typer.testing import CliRunner

    from skipcheck.cli import app

    path = Path(str(tmp_path)) / "edge.yaml"
    path.write_text(f"skipcheck: 1.1\ninput: [1, 2, 4, 4]\n{DRYRUN[case]}")
    result = CliRunner().invoke(app, ["dryrun", str(path)])
    assert "INTERNAL ERROR" not in result.output, result.output
    assert "skipcheck and torch agree" in result.output, result.output


def test_mul_of_different_rank_with_a_symbolic_batch_is_a_finding() -> None:
    # found by the campaign: the batch symbol N landed on a spatial axis of the product,
    # and the next conv added a number to it (TypeError, an internal error)
    text = (
        "skipcheck: 1.1\ninput: [N, 3, H, W]\nlayers:\n"
        "  - residual: {body: [flatten, {linear: 4}], merge: mul}\n"
        "  - conv: {out_channels: 2, kernel_size: 3}\n"
    )
    (d,) = propagate(graph_of("x.yaml", text=text)).errors
    assert (d.code, d.pos.line) == ("SC102", 4)
    assert "puts the batch axis N against axis 2 of size H" in d.message


def test_import_of_a_model_the_spec_format_cannot_hold_is_no_internal_error(
    tmp_path: object,
) -> None:
    # found by the campaign: a conv with 0 output channels (torch builds it; specs refuse it)
    from pathlib import Path

    from typer.testing import CliRunner

    from skipcheck.cli import app

    model = Path(str(tmp_path)) / "m.py"
    model.write_text(
        "from torch import nn\n\ndef build():\n"
        "    return nn.Sequential(nn.Conv2d(3, 4, 1), nn.Conv2d(4, 0, 1))\n"
    )
    result = CliRunner().invoke(app, ["import", f"{model}:build", "-i", "1x3x8x8"])
    assert result.exit_code == 2
    assert "internal error" not in result.output
    assert "the spec written for this model does not load" in result.output
    assert "out_channels must be at least 1, not 0" in result.output
