"""A model reference (`sizes model.py:Net`, `validate … --output-format json|sarif`) is told at
the model's own source lines, never at the lines of the spec held in memory, and torch's
symbolic-shape loggers stay quiet while it is traced."""

from __future__ import annotations

import importlib.util
import json
import logging
import re
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from skipcheck.cli import app  # noqa: E402
from tests.conftest import ROOT  # noqa: E402
from tests.torch.test_reference import SOURCE, UNET  # noqa: E402
from tests.torch.test_reference import torch_stops_at as torch_raises  # noqa: E402
from tests.torch.zoo import unets  # noqa: E402

runner = CliRunner()


@pytest.fixture(autouse=True)
def at_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


def torch_stops_at(size: int) -> int:
    """The line of unets.py where torch itself (CPU) raises at ``size``."""
    return torch_raises(unets.UNet(), size)[0]


def test_sizes_names_the_models_source_lines() -> None:
    result = runner.invoke(app, ["sizes", UNET, "--input", "1x3x250x250"])
    assert result.exit_code == 1, result.output
    decided = result.output.split("decided by")[1]
    assert "at unets.py:" in decided and "in UNet.forward" in decided, result.output
    assert ", line " not in decided, result.output  # no line of the spec held in memory
    # the merge that fails at 250 is where torch stops
    assert f"at unets.py:{torch_stops_at(250)} in UNet.forward" in result.output


def test_json_gives_the_models_file_and_line() -> None:
    result = runner.invoke(
        app, ["validate", UNET, "--input", "1x3x250x250", "--output-format", "json"]
    )
    assert result.exit_code == 1, result.output
    found = json.loads(result.output)["files"][0]["diagnostics"]
    assert found and all(d["file"] == str(SOURCE) for d in found), found
    lines = unets.__loader__.get_source(unets.__name__).splitlines()  # type: ignore[union-attr]
    assert all(1 <= d["line"] <= len(lines) for d in found)
    assert torch_stops_at(250) in {d["line"] for d in found}


def test_sarif_locates_findings_in_the_models_file() -> None:
    result = runner.invoke(
        app, ["validate", UNET, "--input", "1x3x250x250", "--output-format", "sarif"]
    )
    assert result.exit_code == 1, result.output
    results = json.loads(result.output)["runs"][0]["results"]
    places = [r["locations"][0]["physicalLocation"] for r in results]
    assert places and all(p["artifactLocation"]["uri"] == str(SOURCE) for p in places)
    assert torch_stops_at(250) in {p["region"]["startLine"] for p in places}


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.mark.parametrize("quiet", [True, False])
def test_torchs_shape_loggers_are_quiet_while_a_model_reference_is_traced(quiet: bool) -> None:
    from skipcheck.torch.importer import import_model
    from skipcheck.torch.reference import quiet_torch_logs, resolve

    log = logging.getLogger("torch.fx.experimental.symbolic_shapes")
    handler, level = _Records(), log.level
    log.addHandler(handler)
    log.setLevel(logging.DEBUG)  # as a library that configures logging might leave it
    try:
        if quiet:
            resolve(UNET, input_shape=(1, 3, 64, 64))
        else:  # the control: the same trace without the quiet loggers does write
            import_model(unets.UNet().to("meta"), (1, 3, 64, 64), name="u", source="t")
    finally:
        log.removeHandler(handler)
        log.setLevel(level)
    assert bool(handler.records) != quiet, [r.getMessage() for r in handler.records[:3]]
    assert quiet_torch_logs.NAMES[0] == log.name


# --- every line a model reference's output names is a line of the model's source ---------

NET = """\
import copy

import torch
import torch.nn as nn
import torch.nn.functional as F


class Down(nn.Module):
    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)
        self.pool = nn.MaxPool2d(2)

    def forward(self, x):
        skip = F.relu(self.conv(x))
        return self.pool(skip), skip


class BrokenUNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.down = Down(8, 16)
        self.mid = nn.Conv2d(16, 16, 3, padding=1)
        self.up = nn.ConvTranspose2d(16, 16, 2, stride=2)
        self.head = nn.Conv2d(32, 2, 1)

    def forward(self, x):
        x = self.stem(x)
        x, skip = self.down(x)
        x = self.mid(x)
        x = self.up(x)
        x = torch.cat([x, skip], dim=1)
        x = F.interpolate(x, scale_factor=2.0)
        return self.head(x)


class CleanUNet(BrokenUNet):
    def forward(self, x):
        x = self.stem(x)
        x, skip = self.down(x)
        x = self.mid(x)
        x = F.interpolate(self.up(x), size=skip.shape[-2:])
        x = torch.cat([x, skip], dim=1)
        return self.head(x)


def stack():
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1),
        nn.MaxPool2d(2),
        copy.deepcopy(nn.Conv2d(8, 8, 3, padding=1)),
    )
"""

# what the line that made a layer of each op says, in NET
MADE_BY = {
    "conv": ("self.stem(", "self.conv(", "self.mid(", "self.head(", "nn.Conv2d("),
    "relu": ("F.relu(",),
    "maxpool": ("self.pool(", "nn.MaxPool2d("),
    "conv_transpose": ("self.up(",),
    "concat": ("torch.cat(",),
    "upsample": ("F.interpolate(",),
}
MODULE_OPS = {"conv", "maxpool", "conv_transpose"}


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("model") / "net.py"
    path.write_text(NET)
    return path


def _source(net: Path) -> list[str]:
    return net.read_text().splitlines()


def _same_file(shown: str, net: Path) -> bool:
    path = Path(shown)
    return (path if path.is_absolute() else ROOT / path).resolve() == net.resolve()


def _built(net: Path, name: str) -> Any:
    """The model ``name`` of net.py, built by torch on the CPU: the referee's own copy."""
    spec = importlib.util.spec_from_file_location(f"referee_{name}", net)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, name)()


def _module_call_lines(net: Path, name: str) -> list[int]:
    """The referee for module layers: the line of net.py that calls each leaf module, in the
    order torch (CPU, real numbers, at a size where every model here runs) runs them."""
    model = _built(net, name).eval()
    lines: list[int] = []

    def record(module: torch.nn.Module, args: Any) -> None:
        mine = [f for f in traceback.extract_stack() if f.filename == str(net)]
        lines.append(mine[-1].lineno or 0)

    for m in model.modules():
        if not list(m.children()):
            m.register_forward_pre_hook(record)
    with torch.no_grad():
        model(torch.zeros(1, 3, 64, 64))
    return lines


def _validate_json(net: Path, name: str, size: int, code: int) -> dict[str, Any]:
    result = runner.invoke(
        app,
        ["validate", f"{net}:{name}", "--input", f"1x3x{size}x{size}", "--output-format", "json"],
    )
    assert result.exit_code == code, result.output
    record: dict[str, Any] = json.loads(result.output)["files"][0]
    return record


@pytest.mark.parametrize(("name", "size", "code"), [("BrokenUNet", 63, 1), ("CleanUNet", 64, 0)])
def test_json_layers_are_at_the_lines_of_the_model_that_made_them(
    net: Path, name: str, size: int, code: int
) -> None:
    lines = _source(net)
    layers = _validate_json(net, name, size, code)["layers"]
    assert layers[0]["op"] == "input"
    assert lines[layers[0]["line"] - 1].startswith(f"class {name}")  # the model's definition
    for layer in layers[1:]:
        assert _same_file(layer["file"], net), layer
        text = lines[layer["line"] - 1]
        assert any(call in text for call in MADE_BY[layer["op"]]), (layer, text)
    # each module's layer at the line torch itself shows calling that module
    called = [layer["line"] for layer in layers if layer["op"] in MODULE_OPS]
    assert called == _module_call_lines(net, name)


def test_a_layer_torchs_own_forward_runs_is_at_its_construction_or_marked_absent(
    net: Path,
) -> None:
    """``nn.Sequential`` from a factory: torch's forward calls each layer, so the line that
    built the module places it; a module no line of the user's built (a deep copy) is null."""
    lines = _source(net)
    layers = _validate_json(net, "stack", 64, 0)["layers"]
    made = [(layer["file"], layer["line"]) for layer in layers[1:]]
    assert [lines[line - 1].strip() for _, line in made[:2]] == [
        "nn.Conv2d(3, 8, 3, padding=1),",
        "nn.MaxPool2d(2),",
    ]
    assert all(_same_file(file, net) for file, _ in made[:2])
    assert made[2] == (None, None)  # copy.deepcopy makes it without calling __init__
    table = runner.invoke(app, ["validate", f"{net}:stack", "--input", "1x3x64x64"]).output
    rows = [row for row in table.splitlines() if row.startswith("m_0.")]
    assert [row.split()[-1] for row in rows] == ["net.py:50", "net.py:51", "—"], table


def test_a_fix_to_a_layer_torchs_own_forward_runs_is_said_where_its_module_is_made(
    net: Path,
) -> None:
    result = runner.invoke(app, ["validate", f"{net}:stack", "--input", "1x5x64x64"])
    assert result.exit_code == 1, result.output
    said = "nn.Conv2d(..., in_channels=5) for 0, made at net.py:50 in stack"
    assert said in result.output, result.output
    # torch, the referee: the model made so runs at that input
    model = _built(net, "stack")
    model[0] = torch.nn.Conv2d(5, 8, 3, padding=1)
    with torch.no_grad():
        assert model(torch.zeros(1, 5, 64, 64)).shape == (1, 8, 32, 32)


def test_sizes_json_names_the_models_line_of_an_error_no_size_fixes(net: Path) -> None:
    # 4 channels into a conv built for 3: no input size runs
    result = runner.invoke(
        app, ["sizes", f"{net}:BrokenUNet", "--input", "1x4x64x64", "--output-format", "json"]
    )
    assert result.exit_code == 1, result.output
    (found,) = json.loads(result.output)["size_free"]
    assert _same_file(found["file"], net), found
    assert "self.stem(" in _source(net)[found["line"] - 1]


def test_the_full_tables_gutter_names_the_models_lines(net: Path) -> None:
    lines = _source(net)
    result = runner.invoke(app, ["validate", f"{net}:BrokenUNet", "--input", "1x3x63x63"])
    assert result.exit_code == 1, result.output
    table = result.output.split("\nparams ")[0].splitlines()[2:]
    assert len(table) == 10, result.output
    for row in table:
        words = row.split()
        op = words[2] if words[1].startswith("(") else words[1]  # after the name (stage)
        file, _, line = words[-1].partition(":")
        assert file == "net.py", row
        text = lines[int(line) - 1]
        made_by = ("class BrokenUNet",) if op == "input" else MADE_BY[op]
        assert any(call in text for call in made_by), (row, text)


_SPEC_LINE = re.compile(r"\blines? \d")


def _fields(doc: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) of a JSON document, at every depth."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            yield k, v
            yield from _fields(v)
    elif isinstance(doc, list):
        for v in doc:
            yield from _fields(v)


@pytest.mark.parametrize(
    "command",
    [
        ["validate", "--output-format", "json"],
        ["validate", "--output-format", "full"],
        ["validate", "--output-format", "concise"],
        ["validate", "--output-format", "github"],
        ["validate", "--output-format", "sarif"],
        ["sizes"],
        ["sizes", "--output-format", "json"],
        ["fix"],
        ["fix", "--output-format", "json"],
        ["draw"],
    ],
    ids=" ".join,
)
@pytest.mark.parametrize(
    ("model", "shape"),
    [("BrokenUNet", "1x3x63x63"), ("BrokenUNet", "1x4x64x64"), ("stack", "1x4x63x63")],
)
def test_no_output_of_a_model_reference_names_a_line_of_the_spec_in_memory(
    net: Path, command: list[str], model: str, shape: str
) -> None:
    """Every line number a model reference's output carries is a line of the model's file
    (or null); no sentence says ``line 20`` of a spec the user never sees."""
    lines = _source(net)
    name, *options = command
    result = runner.invoke(app, [name, f"{net}:{model}", "--input", shape, *options])
    assert result.exit_code == 1, result.output
    assert not _SPEC_LINE.search(result.output), result.output
    if "json" not in options and "sarif" not in options:
        return
    doc = json.loads(result.output)
    found = [v for k, v in _fields(doc) if k in {"line", "startLine"}]
    assert found or (name == "sizes" and shape == "1x3x63x63"), doc  # no size_free there
    for line in found:
        assert line is None or lines[line - 1].strip(), (line, doc)
    # a line's file is the model's (or null with it)
    assert all(f is None or _same_file(f, net) for k, f in _fields(doc) if k == "file"), doc
    # no edit, and no diff, of a spec the user does not have
    assert not [v for k, v in _fields(doc) if k in {"edits", "artifactChanges", "diff"} and v]


def test_an_error_at_a_line_of_the_spec_in_memory_is_told_at_the_models(net: Path) -> None:
    """A ``--set`` that does not fit stops the check at a line of the spec held in memory: the
    error names the model's line of that layer, and carries no position of that spec."""
    reference = f"{net}:BrokenUNet"
    set_ = "stem.layers[0].conv.kernel_size=x"
    args = ["validate", reference, "--input", "1x3x64x64", "--set", set_]
    result = runner.invoke(app, [*args, "--output-format", "json"])
    assert result.exit_code == 2, result.output
    error = json.loads(result.output)["files"][0]["error"]
    assert (error["line"], error["col"]) == (1, 1)  # unknown: no line of the spec in memory
    (line,) = re.findall(r"the layer at net\.py:(\d+) in BrokenUNet\.forward", error["message"])
    assert "self.stem(" in _source(net)[int(line) - 1]
    text = runner.invoke(app, args).output
    assert text.startswith(f"{reference}: --set {set_}"), text
