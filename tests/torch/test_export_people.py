"""`skipcheck export` writes the module a person would: constructor arguments, block classes,
named stages, plain merges — checked against torch (build, its own hooks, torchinfo), ruff,
mypy and `skipcheck import`, on every shipped spec."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from skipcheck.check import Options, check_spec, graph_of
from tests.conftest import SPECS

torch = pytest.importorskip("torch")

import skipcheck  # noqa: E402
from skipcheck.torch.export import export_source  # noqa: E402
from tests.torch.test_build_export import load_module  # noqa: E402

# specs whose input is symbolic export at a size that runs
SIZES = {"unet_padded": (1, 3, 64, 64), "unet_stated_channels": (1, 3, 64, 64)}
BROKEN = {"unet_add_broken"}  # torch fails on it: export refuses (test_build_export)
SHIPPED = sorted(p.stem for p in SPECS.glob("*.yaml") if p.stem not in BROKEN)


def input_of(stem: str) -> tuple[int, ...]:
    if stem in SIZES:
        return SIZES[stem]
    return tuple(graph_of(str(SPECS / f"{stem}.yaml")).input_dims)


def export(stem: str, folder: Path) -> Path:
    path = folder / f"{stem}.py"
    graph = graph_of(str(SPECS / f"{stem}.yaml"), Options(input_shape=SIZES.get(stem)))
    path.write_text(export_source(graph, SIZES.get(stem)))
    return path


def load(path: Path) -> Any:
    return load_module(path, f"exported_{path.stem}_{abs(hash(str(path)))}")


def model_class(module: Any) -> Any:
    """The exported model: the last class the file defines."""
    classes = [
        v for v in vars(module).values() if isinstance(v, type) and v.__module__ == module.__name__
    ]
    return classes[-1]


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("exported")
    return {stem: export(stem, folder) for stem in SHIPPED}


def outputs(result: Any) -> dict[str, Any]:
    return result if isinstance(result, dict) else {"output": result}


@pytest.mark.slow
@pytest.mark.parametrize("stem", SHIPPED)
def test_export_computes_what_build_computes(exported: dict[str, Path], stem: str) -> None:
    """Same parameters (shape by shape, in order), same output, bit for bit, with the
    build's weights: the export is the spec's model, only written as a person would."""
    params = {"input_shape": SIZES[stem]} if stem in SIZES else {}
    built = skipcheck.build(str(SPECS / f"{stem}.yaml"), **params).eval()
    mine = model_class(load(exported[stem]))().eval()
    theirs_state, mine_state = built.state_dict(), mine.state_dict()
    assert [tuple(v.shape) for v in mine_state.values()] == [
        tuple(v.shape) for v in theirs_state.values()
    ]
    mine.load_state_dict(dict(zip(mine_state, theirs_state.values(), strict=True)))
    x = torch.randn(input_of(stem))
    with torch.no_grad():
        a, b = outputs(mine(x)), outputs(built(x))
    assert list(a) == list(b)
    for k in b:
        assert torch.equal(a[k], b[k]), k


PARAMS = [
    ("unet_original", {"base": 16, "classes": 3}),
    ("resnet50", {"classes": 10}),
    ("densenet121", {"growth": 16, "init": 32}),
    ("fpn_resnet50_outputs", {"d": 64}),
    ("attention_unet_gate", {}),
]


@pytest.mark.slow
@pytest.mark.parametrize(("stem", "params"), PARAMS)
def test_params_are_constructor_arguments(
    exported: dict[str, Path], stem: str, params: dict[str, int]
) -> None:
    """`UnetOriginal(base=16)` is the spec at `--set base=16`: expressions stayed
    expressions, channels included (torch's shapes of every weight as the referee)."""
    import inspect

    cls = model_class(load(exported[stem]))
    spec = graph_of(str(SPECS / f"{stem}.yaml"))
    signature = inspect.signature(cls)
    assert {k: p.default for k, p in signature.parameters.items()} == dict(spec.params)
    mine = cls(**params)
    built = skipcheck.build(str(SPECS / f"{stem}.yaml"), **params)
    assert [tuple(v.shape) for v in mine.state_dict().values()] == [
        tuple(v.shape) for v in built.state_dict().values()
    ]
    with torch.device("meta"):
        out = outputs(mine.to("meta")(torch.empty(input_of(stem), device="meta")))
        ref = outputs(built.to("meta")(torch.empty(input_of(stem), device="meta")))
    assert {k: tuple(v.shape) for k, v in out.items()} == {
        k: tuple(v.shape) for k, v in ref.items()
    }


def test_unet_reads_like_hand_written_code(tmp_path: Path) -> None:
    source = export("unet_original", tmp_path).read_text()
    assert "class UnetOriginal(nn.Module):" in source
    assert "def __init__(self, base: int = 64, classes: int = 2) -> None:" in source
    assert "class DoubleConv(nn.Sequential):" in source
    assert "def __init__(self, in_channels: int, ch: int) -> None:" in source
    assert "nn.Conv2d(in_channels, ch, 3)," in source
    assert "self.enc2 = nn.Sequential(nn.MaxPool2d(2), DoubleConv(base, base * 2))" in source
    # the four decoder stages are one class, as a person writes a U-Net's `Up`
    assert source.count("class Dec(nn.Module):") == 1
    assert "self.dec4 = Dec(base * 16, base * 8, base * 8)" in source
    assert "self.dec1 = Dec(base * 2, base, base)" in source
    assert "x = torch.cat([x, center_crop(skip, x)], 1)" in source
    assert "x = self.dec4(x, enc4)" in source
    assert "self.head = nn.Conv2d(base, classes, 1)" in source
    assert "get_submodule" not in source and "put(" not in source
    keys = list(model_class(load(tmp_path / "unet_original.py"))().state_dict())
    assert keys[:2] == ["enc1.0.weight", "enc1.0.bias"]
    assert "dec4.up.weight" in keys and "head.weight" in keys


def test_residuals_read_as_a_person_writes_them(tmp_path: Path) -> None:
    source = export("resnet50", tmp_path).read_text()
    assert "class Bottleneck(nn.Module):" in source
    assert "x = self.body(x) + self.shortcut(x)" in source
    assert "x = self.body(x) + x" in source
    assert "for _ in range(blocks - 1)" in source
    assert "self.conv3_x = ResStage(256, 128, 4, 2)" in source
    dense = export("densenet121", tmp_path).read_text()
    assert "x = torch.cat([x, self.body(x)], 1)" in dense


def test_several_outputs_are_a_dict_of_named_tensors(tmp_path: Path) -> None:
    source = export("fpn_resnet50_outputs", tmp_path).read_text()
    assert 'return {"P2": P2, "P3": P3, "P4": P4, "P5": P5, "P6": P6}' in source
    assert "P4 = self.P4(p4)" in source


@pytest.mark.slow
def test_exports_pass_ruff_and_mypy(exported: dict[str, Path]) -> None:
    """Default settings, nothing from the project's own configuration."""
    folder = next(iter(exported.values())).parent
    env = {**os.environ, "NO_COLOR": "1"}
    for command in (
        [sys.executable, "-m", "ruff", "check", "--isolated", "."],
        [sys.executable, "-m", "ruff", "format", "--isolated", "--check", "."],
        [sys.executable, "-m", "mypy", "--cache-dir", str(folder / ".mypy"), "."],
    ):
        done = subprocess.run(command, cwd=folder, capture_output=True, text=True, env=env)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"


def test_export_is_the_same_text_in_every_run(tmp_path: Path) -> None:
    """The file, hence every state_dict key, does not depend on hashing or on the process."""
    code = (
        "import sys\nfrom skipcheck.check import graph_of\n"
        "from skipcheck.torch.export import export_source\n"
        "sys.stdout.write(export_source(graph_of(sys.argv[1])))\n"
    )
    texts = set()
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [sys.executable, "-c", code, str(SPECS / "attention_unet_gate.yaml")],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        texts.add(done.stdout)
    assert len(texts) == 1


def called_containers(model: Any, x: Any) -> tuple[set[str], set[str]]:
    """torch's own hooks: which modules with children ran a forward of their own."""
    called: set[str] = set()
    handles = [
        m.register_forward_hook(lambda mod, i, o, name=name: called.add(name))
        for name, m in model.named_modules()
    ]
    with torch.no_grad():
        model(x)
    for h in handles:
        h.remove()
    containers = {name for name, m in model.named_modules() if len(list(m.children()))}
    return containers, called


@pytest.mark.slow
@pytest.mark.parametrize("stem", SHIPPED)
def test_every_container_runs_its_own_forward(exported: dict[str, Path], stem: str) -> None:
    """A stage or block is called as a module (not reached into), so summaries show its
    output shape and its parameters on its own row."""
    model = model_class(load(exported[stem]))().eval()
    containers, called = called_containers(model, torch.randn(input_of(stem)))
    assert containers - called == set()


@pytest.mark.parametrize("stem", ["unet_original", "resnet50", "fpn_resnet50_outputs"])
def test_torchinfo_shows_shapes_and_parameters_on_container_rows(
    exported: dict[str, Path], stem: str
) -> None:
    torchinfo = pytest.importorskip("torchinfo")
    model = model_class(load(exported[stem]))().eval()
    stats = torchinfo.summary(model, input_of(stem), depth=3, verbose=0, device="cpu")
    rows = [r for r in stats.summary_list if r.depth >= 1 and not r.is_leaf_layer]
    assert rows, "no container rows"
    for row in rows:
        assert row.output_size, f"{row.var_name}: no output shape"
        assert row.num_params == sum(p.numel() for p in row.module.parameters())
    assert stats.total_params == sum(p.numel() for p in model.parameters())
    top = [r for r in stats.summary_list if r.depth == 1]
    assert [r.var_name for r in top] == [name for name, _ in model.named_children()]


def round_trip(path: Path, stem: str) -> tuple[str, str]:
    """The original spec and the spec `skipcheck import` makes of the exported class."""
    from skipcheck.torch.importer import import_model, instantiate
    from skipcheck.torch.importer.load import load_factory

    factory = load_factory(f"{path}:{model_class(load(path)).__name__}")
    shape = input_of(stem)
    got = import_model(instantiate(factory, {}), shape, name=stem, source=str(path))
    original = (SPECS / f"{stem}.yaml").read_text()
    return original, got.text


def profile(text: str, shape: tuple[int, ...]) -> list[Any]:
    """Output shapes, parameters and findings at four sizes, and the valid sizes."""
    from skipcheck.check.valid import valid_sizes

    out: list[Any] = []
    spatial = shape[2:]
    for dims in (
        spatial,
        tuple(d + 1 for d in spatial),
        tuple(max(1, d // 2) for d in spatial),
        tuple(d * 2 for d in spatial),
    ):
        result = check_spec("m.yaml", Options(input_shape=(*shape[:2], *dims)), text=text)
        assert result.error is None, result.error
        assert result.table is not None
        # outputs by shape (the importer names them after the modules that make them);
        # findings but SC301, a declared shape (`expect:`), which code has no way to state
        out.append(
            (
                [shape.split()[-1] for shape in result.output_shape().split(", ")],
                result.table.total_params,
                sorted(
                    d.code
                    for d in result.diagnostics
                    if d.severity == "error" and d.code != "SC301"
                ),
            )
        )
    result = check_spec("m.yaml", Options(input_shape=shape), text=text)
    out.append([a.runs.describe() for a in valid_sizes(result).axes])
    return out


@pytest.mark.slow
@pytest.mark.parametrize("stem", SHIPPED)
def test_import_of_the_export_is_the_same_spec(exported: dict[str, Path], stem: str) -> None:
    """export, then `skipcheck import` of the exported class: the same shapes, parameter
    count, findings and valid sizes as the spec it came from."""
    original, again = round_trip(exported[stem], stem)
    shape = input_of(stem)
    assert profile(again, shape) == profile(original, shape)


REQUIRE = """
skipcheck: 1.1
name: req
input: [1, 3, 64, 64]
require:
  - H % 32 == 0
  - {condition: "W >= 32", source: "model.py:3"}
params: {base: 8}
layers:
  - {stage: s, layers: [{conv: {out_channels: base, kernel_size: 3, padding: 1}}, {maxpool: 2}]}
  - {conv: {out_channels: 2, kernel_size: 1}}
"""


@pytest.mark.slow
def test_require_is_the_models_own_check_and_imports_back(tmp_path: Path) -> None:
    from skipcheck.torch.importer import import_model, instantiate
    from skipcheck.torch.importer.load import load_factory

    spec = tmp_path / "req.yaml"
    spec.write_text(REQUIRE)
    path = tmp_path / "req.py"
    path.write_text(export_source(graph_of(str(spec))))
    source = path.read_text()
    assert (
        'if x.shape[2] % 32 != 0:\n            raise ValueError("the spec requires H % 32 == 0")'
        in (source)
    )
    model = model_class(load(path))()
    with pytest.raises(ValueError, match="H % 32 == 0"):
        model(torch.zeros(1, 3, 48, 64))
    got = import_model(
        instantiate(load_factory(f"{path}:Req"), {}), (1, 3, 64, 64), name="req", source=str(path)
    )
    assert profile(got.text, (1, 3, 64, 64)) == profile(REQUIRE, (1, 3, 64, 64))


# skipcheck's own layers (torch has no class for them) are copied into the export: the copy
# must pass default ruff and mypy too, and compute what build computes
OWN_LAYERS = """skipcheck: 1.1
input: [1, 8, 33, 33]
layers:
  - pad_same: {kernel_size: 3, stride: 2}
  - conv: {out_channels: 16, kernel_size: 3, stride: 2}
  - channel_scale
  - channel_shuffle: 4
  - channel_slice: {start: 4, stop: 12}
  - channel_pad: {before: 1, after: 3}
"""


def test_skipchecks_own_layers_export_clean_and_compute_what_build_computes(
    tmp_path: Path,
) -> None:
    spec = tmp_path / "own_layers.yaml"
    spec.write_text(OWN_LAYERS)
    path = tmp_path / "own_layers.py"
    path.write_text(export_source(graph_of(str(spec))))
    for command in (
        [sys.executable, "-m", "ruff", "check", "--isolated", path.name],
        [sys.executable, "-m", "ruff", "format", "--isolated", "--check", path.name],
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / ".mypy"), path.name],
    ):
        done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True)
        assert done.returncode == 0, f"{command}: {done.stdout}{done.stderr}"
    built = skipcheck.build(str(spec)).eval()
    mine = model_class(load(path))().eval()
    mine.load_state_dict(dict(zip(mine.state_dict(), built.state_dict().values(), strict=True)))
    x = torch.randn(1, 8, 33, 33)
    assert torch.equal(mine(x), built(x))
    assert tuple(mine(x).shape) == (1, 12, 17, 17)
