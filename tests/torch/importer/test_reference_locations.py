"""A model reference (`sizes model.py:Net`, `validate … --output-format json|sarif`) is told at
the model's own source lines, never at the lines of the spec held in memory, and torch's
symbolic-shape loggers stay quiet while it is traced."""

from __future__ import annotations

import json
import logging

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
