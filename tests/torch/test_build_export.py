"""build and export: the same model twice, once as an nn.Module, once as standalone code."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

import skipcheck
from skipcheck.check import Options, graph_of
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.propagate import propagate
from tests.conftest import SPECS

torch = pytest.importorskip("torch")

from skipcheck.torch.export import export_source  # noqa: E402

UNET = str(SPECS / "unet_original.yaml")

# residual with a projection shortcut, a skip through `via`, crop/pad/interpolate merges
MIXED = """
skipcheck: 1
name: mixed-bag
input: [2, 3, 34, 30]
params: {base: 8}
blocks:
  basic:
    args: [ch, stride=1]
    layers:
      - residual:
          body:
            - conv: {out_channels: ch, kernel_size: 3, stride: stride, padding: 1, bias: false}
            - batchnorm
            - relu
            - conv: {out_channels: ch, kernel_size: 3, padding: 1, bias: false}
            - batchnorm
          shortcut:
            - conv: {out_channels: ch, kernel_size: 1, stride: stride, bias: false}
            - batchnorm
      - relu
encoder:
  - {stage: stem, layers: [{conv: {out_channels: base, kernel_size: 3}}, relu]}
  - {stage: down, layers: [{basic: {ch: base * 2, stride: 2}}]}
  - {stage: deeper, layers: [{maxpool: 2}, {basic: {ch: base * 4}}, {crop: 1}]}
decoder:
  - stage: up1
    layers:
      - upsample: {scale_factor: 2, mode: bilinear}
      - add: {skip: down, via: [{conv: {out_channels: base * 4, kernel_size: 1}}], align: interpolate}
  - stage: up2
    layers:
      - conv_transpose: {out_channels: base, kernel_size: 2, stride: 2}
      - concat: {skip: stem, align: center_crop}
      - crop: 1
      - mul: {skip: stem, align: pad, via: [{conv: {out_channels: base * 2, kernel_size: 1}}]}
head:
  - conv: {out_channels: 2, kernel_size: 1}
"""

# every format-1.1 construct: stated channels, tile, pad modes, channel layernorm,
# sub/max/mean, a branch, a block that takes its skip, several outputs
MIXED_11 = """
skipcheck: 1.1
name: mixed-bag-11
input: [1, 1, 12, 10]
blocks:
  gate:
    args: [ch, skip]
    layers:
      - mul: {skip: skip, via: [{conv: {out_channels: 1, kernel_size: 1}}, sigmoid]}
      - concat: skip
      - conv: {in_channels: 2 * ch, out_channels: ch, kernel_size: 3, padding: 1, padding_mode: reflect}
layers:
  - tile: 4
  - {stage: stem, layers: [{conv: {in_channels: 4, out_channels: 8, kernel_size: 3, padding: 1}}]}
  - stage: body
    layers:
      - channel_layernorm
      - residual: {body: [{conv: {out_channels: 8, kernel_size: 1}}], merge: sub}
      - residual: {body: [{pad: {padding: 1, mode: circular}}, {crop: 1}], merge: max}
      - mean: stem
      - branch: {name: aux, from: stem, layers: [{pad: {padding: [1, 0, 2, 1], mode: replicate}}, {conv: {out_channels: 2, kernel_size: 1}}]}
      - gate: {ch: 8, skip: stem}
      - batchnorm: {num_features: 8}
  - {conv: {out_channels: 3, kernel_size: 1}, name: seg}
outputs:
  - seg: [1, 3, 12, 10]
  - aux: [1, 2, 15, 11]
"""


def test_build_returns_named_outputs() -> None:
    model = skipcheck.build(MIXED_11).eval()
    with torch.no_grad():
        out = model(torch.randn(1, 1, 12, 10))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        "seg": (1, 3, 12, 10),
        "aux": (1, 2, 15, 11),
    }
    assert (
        sum(p.numel() for p in model.parameters())
        == propagate(graph_of("m.yaml", text=MIXED_11)).total_params
    )


def test_build_fpn_p2_to_p6() -> None:
    model = skipcheck.build(str(SPECS / "fpn_resnet50_outputs.yaml")).eval()
    with torch.device("meta"):
        out = model.to("meta")(torch.empty(1, 3, 224, 224))
    assert {k: tuple(v.shape)[2:] for k, v in out.items()} == {
        "P2": (56, 56),
        "P3": (28, 28),
        "P4": (14, 14),
        "P5": (7, 7),
        "P6": (4, 4),
    }


def load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_build_mirrors_the_spec() -> None:
    model = skipcheck.build(UNET, base=8)
    keys = list(model.state_dict())
    assert keys[:2] == ["enc1.0.double_conv.0.weight", "enc1.0.double_conv.0.bias"]
    assert "dec4.0.weight" in keys and "head.0.weight" in keys  # the transposed conv, the head
    assert "(double_conv): Module(" in str(model) and "(1): Merge('concat'" in str(model)
    expected = propagate(graph_of(UNET, Options(params={"base": 8}))).total_params
    assert sum(p.numel() for p in model.parameters()) == expected == 485_682
    out = model(torch.zeros(1, 1, 188, 188))
    assert tuple(out.shape) == (1, 2, 4, 4)
    assert list(skipcheck.build(UNET, base=8).state_dict()) == keys  # stable


def test_build_takes_spec_text_and_refuses_broken_specs() -> None:
    model = skipcheck.build(MIXED)
    assert tuple(model(torch.zeros(2, 3, 34, 30)).shape) == (2, 2, 32, 28)
    with pytest.raises(SkipcheckError, match="torch cannot build"):
        skipcheck.build(str(SPECS / "unet_add_broken.yaml"))


@pytest.mark.parametrize(
    ("text", "shape", "params"),
    [
        (None, (1, 1, 188, 188), {"base": 4}),
        (MIXED, (2, 3, 34, 30), {}),
        (MIXED_11, (1, 1, 12, 10), {}),
    ],
)
def test_export_round_trip(
    tmp_path: Path, text: str | None, shape: tuple[int, ...], params: dict
) -> None:
    options = Options(params=params)
    graph = graph_of("spec.yaml", options, text=text) if text else graph_of(UNET, options)
    source = export_source(graph)
    assert "skipcheck" not in source.split('"""', 2)[2]  # nothing but the docstring names it
    path = tmp_path / "exported.py"
    path.write_text(source)
    module = load_module(path, f"exported_{len(params)}_{len(text or '')}")
    classes = [
        v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__
    ]
    exported = classes[-1](**params).eval()
    built = skipcheck.build(text or UNET, **params).eval()
    # the keys read like hand-written code (enc1.0.weight), not like the build's paths; the
    # weights are the same ones in the same order, shape by shape
    mine, theirs = exported.state_dict(), built.state_dict()
    assert [tuple(v.shape) for v in mine.values()] == [tuple(v.shape) for v in theirs.values()]
    assert sum(p.numel() for p in exported.parameters()) == sum(
        p.numel() for p in built.parameters()
    )
    exported.load_state_dict(dict(zip(mine, theirs.values(), strict=True)))
    x = torch.randn(shape)
    with torch.no_grad():
        mine, theirs = exported(x), built(x)
    if isinstance(theirs, dict):
        assert list(mine) == list(theirs)
        assert all(torch.equal(mine[k], theirs[k]) for k in theirs)
    else:
        assert torch.equal(mine, theirs)


def test_exported_code_reads_like_a_model() -> None:
    source = export_source(graph_of(UNET))
    assert "class UnetOriginal(nn.Module):" in source
    assert "self.enc1 = DoubleConv(1, base)" in source
    assert "x = torch.cat([x, center_crop(skip, x)], 1)" in source
    assert "31,030,658 parameters" in source
    compile(source, "exported.py", "exec")


# Each payload ends the string or comment it is pasted into and runs a statement; an
# import of the exported file that runs one sets builtins.SKIPCHECK_PWNED.
RUN = "import builtins; builtins.SKIPCHECK_PWNED = True"
PAYLOADS = [
    'x"""\n' + RUN + '\n"""',
    "x'''\n" + RUN + "\n'''",
    "x\u2028" + RUN,
    "x\r" + RUN,
    '\\"""; ' + RUN + " #",
]
BASE = "skipcheck: 1\ninput: [1, 3, 8, 8]\nparams: {base: 4}\n"
LAYERS = "layers:\n  - {stage: s, layers: [{conv: {out_channels: base, kernel_size: 1}}]}\n"


def _yaml(text: str) -> str:
    return json.dumps(text)  # a JSON string is a YAML double-quoted scalar


@pytest.mark.parametrize(
    "spec",
    [
        BASE.replace("{base: 4}", "{base: 4, PAYLOAD: 1}") + LAYERS,
        BASE + "blocks:\n  PAYLOAD: {args: [ch], layers: [relu]}\nlayers:\n  - PAYLOAD: {ch: 4}\n",
        BASE + "layers:\n  - {stage: PAYLOAD, layers: [relu]}\n",
        BASE + "layers:\n  - {relu: {}, name: PAYLOAD}\n",
        BASE + "layers:\n  - {upsample: {scale_factor: 2, mode: PAYLOAD}}\n",
    ],
    ids=["param", "block", "stage", "layer", "mode"],
)
def test_export_refuses_hostile_names(tmp_path: Path, spec: str) -> None:
    from typer.testing import CliRunner

    from skipcheck.cli import app

    path = tmp_path / "model.yaml"
    path.write_text(spec.replace("PAYLOAD", _yaml(PAYLOADS[0])))
    result = CliRunner().invoke(app, ["export", str(path), "-o", str(tmp_path / "out.py")])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "out.py").exists()


@pytest.mark.parametrize("k", range(len(PAYLOADS)))
def test_export_of_hostile_text_imports_without_running_it(tmp_path: Path, k: int) -> None:
    import builtins

    from typer.testing import CliRunner

    from skipcheck.cli import app

    payload = PAYLOADS[k]
    # free text (the name, the file's folder) reaches the file: as data, never as code
    folder = tmp_path / payload.replace("/", "_")
    folder.mkdir()
    path = folder / "model.yaml"
    path.write_text(BASE + f"name: {_yaml(payload)}\n" + LAYERS)
    out = tmp_path / "exported.py"
    result = CliRunner().invoke(app, ["export", str(path), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert RUN in out.read_text()  # the text is there, inside a literal
    module = load_module(out, f"hostile_{k}")
    assert not hasattr(builtins, "SKIPCHECK_PWNED"), "importing the export ran the spec's text"
    model = next(
        v
        for v in vars(module).values()
        if isinstance(v, type) and issubclass(v, torch.nn.Module) and v.__doc__ and RUN in v.__doc__
    )()
    assert model(torch.zeros(1, 3, 8, 8)).shape == (1, 4, 8, 8)


def test_residual_concat_puts_the_shortcut_first(tmp_path: Path) -> None:
    """docs/spec.md: torch.cat([shortcut, body]); build, export and propagation agree."""
    from skipcheck.torch.model import build_from_graph

    path = tmp_path / "dense.yaml"
    path.write_text(
        "skipcheck: 1\ninput: [1, 3, 4, 4]\nlayers:\n"
        "  - residual: {body: [{conv: {out_channels: 2, kernel_size: 1}}], merge: concat}\n"
    )
    graph = graph_of(str(path))
    table = propagate(graph)
    merge = graph.nodes[graph.out]
    assert [table.shapes[i][1] for i in merge.inputs] == [3, 2]  # shortcut, then body
    x = torch.randn(1, 3, 4, 4)
    built = build_from_graph(graph).eval()
    out = tmp_path / "dense.py"
    out.write_text(export_source(graph))
    exported = load_module(out, "dense_export").Dense()
    keys = exported.state_dict()
    exported.load_state_dict(dict(zip(keys, built.state_dict().values(), strict=True)))
    for model in (built, exported):
        y = model(x)
        assert y.shape == (1, 5, 4, 4)
        assert torch.equal(y[:, :3], x)  # the input comes first
