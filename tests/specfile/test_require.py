"""Format 1.1 `require:` — the model's own conditions on single input sizes (SC108)."""

from __future__ import annotations

import pytest

from skipcheck.check import Options, check_spec
from skipcheck.check.valid import valid_sizes
from skipcheck.core.errors import SkipcheckError
from skipcheck.ops.require import holds, parse, size_set

SPEC = """skipcheck: 1.1
input: [1, 3, {h}, {w}]
require:
  - {{condition: "H % 32 == 0", source: "model.py:31 in Net.forward: if h % 32: raise"}}
  - W >= 64
layers:
  - conv: {{out_channels: 8, kernel_size: 3, stride: 2, padding: 1}}
"""


def test_an_input_that_breaks_a_requirement_is_sc108_at_its_line_with_the_source() -> None:
    result = check_spec("m.yaml", text=SPEC.format(h=250, w=256))
    [finding] = result.errors
    assert finding.code == "SC108"
    assert finding.pos.line == 4
    assert "the model requires H % 32 == 0 (model.py:31 in Net.forward: if h % 32: raise)" in (
        finding.message
    )
    assert not check_spec("m.yaml", text=SPEC.format(h=256, w=64)).errors
    [narrow] = check_spec("m.yaml", text=SPEC.format(h=256, w=63)).errors
    assert narrow.code == "SC108" and narrow.pos.line == 5


def test_sizes_count_requirements_like_any_layers_condition() -> None:
    report = valid_sizes(check_spec("m.yaml", text=SPEC.format(h=250, w=256)))
    h, w = report.axes
    assert h.runs.describe() == "H ≡ 0 (mod 32)"
    assert [str(s) for s in h.deciding()] == ["require H % 32 == 0, line 4: needs H ≡ 0 (mod 32)"]
    assert w.runs.describe() == "every W ≥ 64"
    # the set is exactly the sizes the condition admits
    assert [x for x in range(1, 200) if x in h.runs] == [32, 64, 96, 128, 160, 192]


@pytest.mark.parametrize(
    ("text", "test", "value", "modulus"),
    [
        ("H % 32 == 0", "%==", 0, 32),
        ("H % 2 != 1", "%!=", 1, 2),
        ("W == 224", "==", 224, 0),
        ("W != 7", "!=", 7, 0),
        ("H >= 64", ">=", 64, 0),
        ("H > 63", ">=", 64, 0),
        ("H <= 512", "<=", 512, 0),
        ("H < 9", "<=", 8, 0),
    ],
)
def test_each_form_is_exactly_its_set(text: str, test: str, value: int, modulus: int) -> None:
    got = parse(text)
    assert got is not None and got[1:] == (test, value, modulus)
    sizes = size_set("H", test, value, modulus)
    assert [x for x in range(1, 600) if x in sizes] == [
        x for x in range(1, 600) if holds(test, value, modulus, x)
    ]


@pytest.mark.parametrize(
    ("require", "message"),
    [
        ('["H + 1 == 2"]', "a requirement compares one input size"),
        ('["H % 0 == 0"]', "a requirement compares one input size"),
        ('["X >= 4"]', "names no input size: the input's are H, W"),
        ('"H >= 4"', "require is a list of conditions"),
        ("[{condition: H >= 4, because: x}]", "require is a list of conditions"),
        ("[3]", "require is a list of conditions"),
        ('["H % 99999999999999 == 0"]', "numbers in a requirement are at most"),
        ('["W != 99999999999"]', "numbers in a requirement are at most"),
    ],
)
def test_a_bad_requirement_is_a_clear_error_at_its_line(require: str, message: str) -> None:
    text = f"skipcheck: 1.1\ninput: [1, 3, 8, 8]\nrequire: {require}\nlayers:\n  - relu\n"
    result = check_spec("m.yaml", text=text)
    assert isinstance(result.error, SkipcheckError)
    assert message in str(result.error)
    assert result.error.pos is not None and result.error.pos.line == 3


def test_require_is_format_11_and_never_a_layer() -> None:
    old = check_spec(
        "m.yaml", text="skipcheck: 1\ninput: [1, 3, 8, 8]\nrequire: [H >= 4]\nlayers:\n  - relu\n"
    )
    assert "new in format 1.1" in str(old.error)
    inline = check_spec(
        "m.yaml", text="skipcheck: 1.1\ninput: [1, 3, 8, 8]\nlayers:\n  - require: H >= 4\n"
    )
    assert "top-level list" in str(inline.error)


def test_a_symbolic_input_names_its_own_sizes() -> None:
    text = (
        "skipcheck: 1.1\ninput: [N, 3, rows, cols]\nrequire: [rows % 8 == 0]\nlayers:\n  - relu\n"
    )
    result = check_spec("m.yaml", Options(), text=text)
    assert result.error is None
    rows = valid_sizes(result).axes[0]
    assert rows.runs.describe().startswith("rows ≡ 0 (mod 8)")


def test_a_requirement_adds_no_layer_to_the_table_or_the_memory() -> None:
    with_req = check_spec("m.yaml", text=SPEC.format(h=256, w=256))
    without = check_spec(
        "m.yaml",
        text=SPEC.format(h=256, w=256)
        .replace("require:", "#")
        .replace("  - {condition", "#")
        .replace("  - W >= 64", "#"),
    )
    assert with_req.table is not None and without.table is not None
    from skipcheck.engine.cost import totals

    assert totals(with_req.table).activations == totals(without.table).activations
