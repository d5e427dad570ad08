"""Side paths that start from values other side paths compute (UNet++'s nested dense skips,
an FPN's per-level heads): imported exactly, with torch as the referee — the parameter count,
the heights `sizes` derives against brute force, and output shapes where both run."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from skipcheck.check import check_spec  # noqa: E402
from tests.torch.import_reference import assert_sizes_match, imported  # noqa: E402
from tests.torch.importer import branchy  # noqa: E402

CASES = [
    pytest.param(branchy.NestedUNet, {}, id="unet++"),
    pytest.param(branchy.NestedUNet, {"deep": True}, id="unet++-deep-supervision"),
    pytest.param(branchy.NestedUNet, {"depth": 4}, id="unet++-4-levels"),
    pytest.param(branchy.NestedUNet, {"depth": 5, "order": "columns"}, id="unet++-smp-order"),
    pytest.param(branchy.NestedUNet, {"depth": 4, "deep": True}, id="unet++-4-deep"),
    pytest.param(
        branchy.NestedUNet, {"depth": 4, "dense_first": True}, id="unet++-dense-skip-first"
    ),
    pytest.param(
        branchy.NestedUNet,
        {"depth": 5, "order": "columns", "dense_first": True},
        id="unet++-smp-style",
    ),
    pytest.param(branchy.PadNestedUNet, {}, id="unet++-pad-to-match"),
    pytest.param(branchy.LevelHeadsFPN, {}, id="fpn-heads-summed"),
    pytest.param(branchy.LevelHeadsFPN, {"stacked": True}, id="fpn-heads-stack-sum"),
    pytest.param(branchy.LevelHeadsFPN, {"merge": "cat"}, id="fpn-heads-concatenated"),
]


@pytest.mark.parametrize(("factory", "args"), CASES)
def test_imports_exactly(factory: type, args: dict[str, object]) -> None:
    shape = (1, 3, 64, 64)
    got = imported(factory, shape, **args)
    model = factory(**args).eval()
    assert got.parameters == sum(p.numel() for p in model.parameters())
    assert_sizes_match(got.text, model, shape, hi=200)
    for h in (32, 48, 61, 64, 96):
        result = check_spec("<imported>", text=got.text)
        at = check_spec(
            "<imported>",
            dataclass_options(shape[:2] + (h, h)),
            text=got.text,
        )
        assert result.error is None and at.error is None
        try:
            with torch.no_grad():
                theirs = tuple(model(torch.zeros(1, 3, h, h)).shape)
        except RuntimeError:
            assert at.errors, h
            continue
        assert not at.errors, (h, [d.message for d in at.errors])
        assert at.output_shape() == "×".join(str(d) for d in theirs), h


def dataclass_options(shape: tuple[int, ...]) -> object:
    from skipcheck.check import Options

    return Options(input_shape=shape)


def test_a_nested_skip_is_a_named_branch_read_by_the_later_nodes() -> None:
    text = imported(branchy.NestedUNet, (1, 3, 64, 64)).text
    assert "- branch:" in text
    assert "from:" in text
