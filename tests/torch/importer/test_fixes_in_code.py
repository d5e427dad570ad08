"""`skipcheck fix model.py:Net`: each proven fix is stated as the change to make in the
PyTorch code — the torch class and argument at the line that constructs the module, or the
code to add at the merge's line — and torch is the referee: the test makes exactly that
change in a copy of the model and runs it at the size that failed, where it must now run
with the output shape the fix claims."""

from __future__ import annotations

import importlib.util
import json
import re
import tempfile
import textwrap
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from skipcheck.check.fixes.model import Change  # noqa: E402
from skipcheck.cli import app  # noqa: E402

runner = CliRunner()

# max-pool down (33 → 16), transposed conv up (16 → 32): the skip (33) is a row longer
POOL = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, kernel_size=3, padding=1)
            self.pool = nn.MaxPool2d(kernel_size=2)
            self.mid = nn.Conv2d(8, 16, kernel_size=3, padding=1)
            self.up = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)
            self.head = nn.Conv2d(16, 2, kernel_size=1)

        def forward(self, x):
            skip = self.stem(x)
            x = self.mid(self.pool(skip))
            x = self.up(x)
            x = torch.cat([x, skip], dim=1)
            return self.head(x)
    """
)

# a strided conv (33 → 17) beside a functional max-pool (33 → 16): the fix names the
# function and the line that calls it
FUNCTIONAL = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, kernel_size=3, padding=1)
            self.down = nn.Conv2d(3, 8, kernel_size=3, stride=2, padding=1)
            self.head = nn.Conv2d(16, 2, kernel_size=1)

        def forward(self, x):
            skip = self.down(x)
            x = F.max_pool2d(self.stem(x), kernel_size=2)
            x = torch.cat([x, skip], dim=1)
            return self.head(x)
    """
)

# a sum (8 + 8 channels) where a channel fix would concat, project the skip or widen a layer
ADD = textwrap.dedent(
    """\
    import torch
    import torch.nn.functional as F
    from torch import nn


    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Conv2d(3, 8, kernel_size=3, padding=1)
            self.mid = nn.Conv2d(8, 8, kernel_size=3, padding=1)
            self.head = nn.Conv2d(8, 2, kernel_size=1)

        def forward(self, x):
            skip = self.stem(x)
            x = self.mid(skip)
            x = x + skip
            return self.head(x)
    """
)


def fixes_of(tmp_path: Path, source: str, size: int) -> list[dict[str, Any]]:
    (tmp_path / "model.py").write_text(source)
    result = runner.invoke(
        app, ["fix", "model.py:Net", "--input", f"1x3x{size}x{size}", "--output-format", "json"]
    )
    assert result.exit_code == 1, result.output
    doc = json.loads(result.output)
    fixes: list[dict[str, Any]] = doc["fixes"]
    # the findings and each fix's line are the model's own, as `validate --output-format json`
    assert all(f["file"] == "model.py" for f in doc["findings"]), doc["findings"]
    merge = next(
        k
        for k, t in enumerate(source.splitlines(), 1)
        if "x = torch.cat(" in t or "x = x + skip" in t
    )
    assert {f["line"] for f in fixes} == {merge}, [f["line"] for f in fixes]
    assert fixes and all(f["pytorch"] for f in fixes), fixes
    assert all(f["title"].startswith("in your PyTorch code: ") for f in fixes)
    return fixes


def run(source: str, size: int) -> tuple[int, ...]:
    """The model of ``source``, built and run on the CPU at ``size`` (torch raises if not)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.py"
        path.write_text(source)
        spec = importlib.util.spec_from_file_location("referee_model", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # the referee imports the edited file as Python does
    with torch.no_grad():
        return tuple(module.Net().eval()(torch.zeros(1, 3, size, size)).shape)


_SET = re.compile(
    r"(?P<call>[\w.]+)\(\.\.\., (?P<name>\w+)=(?P<value>[^)]+)\)[^`]*? at model\.py:(?P<line>\d+)"
)
_AT = re.compile(r"at model\.py:(?P<line>\d+)")


def applied(source: str, statement: str) -> str:
    """``source`` with the stated change made as a user would make it."""
    lines = source.splitlines()
    setting = _SET.match(statement)
    if setting is not None:
        k = int(setting["line"]) - 1
        call = setting["call"].rsplit(".", 1)[-1] + "("
        start = lines[k].index(call)
        depth, end = 0, start
        for end in range(start, len(lines[k])):
            depth += {"(": 1, ")": -1}.get(lines[k][end], 0)
            if depth == 0 and lines[k][end] == ")":
                break
        inside = lines[k][start:end]
        argument = f"{setting['name']}={setting['value']}"
        if f"{setting['name']}=" in inside:
            inside = re.sub(rf"\b{setting['name']}=[^,)]+", argument, inside)
        else:
            inside += f", {argument}"
        lines[k] = lines[k][:start] + inside + lines[k][end:]
        return "\n".join(lines) + "\n"
    # code to add before the merge's line, in order, as the statement gives it
    where = _AT.search(statement)
    assert where is not None, statement
    k = int(where["line"]) - 1
    indent = lines[k][: len(lines[k]) - len(lines[k].lstrip())]
    code = re.findall(r"`([^`]+)`", statement.split(" before the merge ")[0])
    return "\n".join(lines[:k] + [indent + c for c in code] + lines[k:]) + "\n"


def claimed(fix: dict[str, Any]) -> tuple[int, ...]:
    """The output shape the fix claims (``output 1×2×32×32 → 1×2×33×33``: the right one)."""
    said = next(c for c in fix["consequences"] if c.startswith("output "))
    return tuple(int(n) for n in said.split()[-1].split("×"))


MERGE_FIXES = ("F.pad(", "F.interpolate(", "skip = skip[:, :,")


@pytest.mark.parametrize(
    ("source", "needles"),
    [
        (POOL, ("nn.ConvTranspose2d(..., output_padding=1) for up", "kernel_size=3) for up")),
        (FUNCTIONAL, ("F.max_pool2d(..., ceil_mode=True), at model.py:15", "padding=0) for down")),
    ],
    ids=["modules", "functional"],
)
def test_each_fix_done_as_stated_in_pytorch_makes_the_model_run(
    source: str, needles: tuple[str, ...], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(RuntimeError, match="Sizes of tensors must match"):
        run(source, 33)
    fixes = fixes_of(tmp_path, source, 33)
    said = [f["pytorch"] for f in fixes]
    for needle in needles + MERGE_FIXES:
        assert any(needle in s for s in said), (needle, said)
    for fix in fixes:
        changed = applied(source, fix["pytorch"])
        assert changed != source, fix["pytorch"]
        assert run(changed, 33) == claimed(fix), (fix["pytorch"], changed)


def test_a_module_is_named_with_its_class_path_and_constructor_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    said = [f["pytorch"] for f in fixes_of(tmp_path, POOL, 33)]
    made = POOL.splitlines().index(
        "        self.up = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)"
    )
    assert (
        f"nn.ConvTranspose2d(..., output_padding=1) for up, made at model.py:{made + 1} in "
        "Net.__init__ (`self.up = nn.ConvTranspose2d(16, 8, kernel_size=2, stride=2)`)" in said
    ), said


def test_channel_fixes_say_the_torch_code_and_done_as_said_it_runs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A model whose channels disagree runs at no size, so it cannot be imported (the
    importer traces it where it runs): the channel fixes' PyTorch wording is checked on a
    model that runs, each change stated for its merge and layer, and made in torch."""
    from skipcheck.check import Options, check_spec
    from skipcheck.torch.fix_in_code import ModelFacts, statement
    from skipcheck.torch.reference import resolve, told_in_code

    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(ADD)
    resolved = resolve("model.py:Net", input_shape=(1, 3, 16, 16))
    result = check_spec("model.py:Net", Options(), text=resolved.text)
    told = told_in_code(result, resolved, resolved.origins)
    facts = ModelFacts(told, resolved.origins, resolved.use_origins, resolved.model, resolved.made)
    assert told.graph is not None
    add = next(n.label for n in told.graph.nodes if n.op == "add")
    stem = next(n.label for n in told.graph.nodes if n.op == "conv")
    merge = ADD.splitlines().index("        x = x + skip") + 1

    concat = statement(Change("merge_op", (add,), "concat", "add", (8, 8)), facts)
    assert concat == (
        f"`torch.cat([x, skip], dim=1)` instead of `x + skip` at model.py:{merge} in Net.forward "
        "(`x = x + skip`) (x the running tensor, skip the other); the layer after it then "
        "takes 16 input channels"
    ), concat
    done = ADD.replace("x = x + skip", "x = torch.cat([x, skip], dim=1)").replace(
        "nn.Conv2d(8, 2,", "nn.Conv2d(16, 2,"
    )
    assert run(done, 16) == (1, 2, 16, 16)

    projection = statement(Change("projection", (add,), numbers=(8, 8)), facts)
    assert projection is not None and f"at model.py:{merge} " in projection, projection
    layer = re.search(r"`(self\.proj = [^`]+)`", projection)
    assert layer is not None and layer[1] == "self.proj = nn.Conv2d(8, 8, kernel_size=1)"
    done = ADD.replace(
        "        super().__init__()\n", f"        super().__init__()\n        {layer[1]}\n"
    ).replace("x = x + skip", "x = x + self.proj(skip)")
    assert run(done, 16) == (1, 2, 16, 16)

    width = statement(Change("set", (stem,), "out_channels", "16"), facts)
    made = ADD.splitlines().index("        self.stem = nn.Conv2d(3, 8, kernel_size=3, padding=1)")
    assert width == (
        f"nn.Conv2d(..., out_channels=16) for stem, made at model.py:{made + 1} in Net.__init__ "
        "(`self.stem = nn.Conv2d(3, 8, kernel_size=3, padding=1)`); each layer it feeds takes "
        "16 input channels"
    ), width


def test_fix_apply_on_a_model_refuses_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "model.py").write_text(POOL)
    for flags in (["--apply", "1"], ["--apply-all"], ["--dry-run"]):
        result = runner.invoke(app, ["fix", "model.py:Net", "--input", "1x3x33x33", *flags])
        assert result.exit_code == 2, (flags, result.output)
        assert "is PyTorch code, not a spec file" in result.output
    assert (tmp_path / "model.py").read_text() == POOL  # nothing written


def test_a_change_with_no_pytorch_form_keeps_the_spec_wording() -> None:
    from skipcheck.check.fixes.model import Fix
    from skipcheck.torch.fix_in_code import in_code

    declared = Fix("declare output: [1, 2, 64, 64] at line 3", "", (), "", 80, False, "")
    assert in_code(declared, None) is declared  # type: ignore[arg-type]
    block = Fix(
        "call b instead of a",
        "",
        (),
        "",
        30,
        True,
        "",
        changes=(Change("block", ("m",), "b", "a"),),
    )
    facts: Any = type("F", (), {"nodes": {}, "origin": lambda self, n: None})()
    assert in_code(block, facts) is block
