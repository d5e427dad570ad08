"""Side paths that start from values other side paths compute (UNet++'s nested dense skips,
an FPN's per-level heads): imported exactly, with torch as the referee — the parameter count,
the heights `sizes` derives against brute force, and output shapes where both run."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from tests.torch.import_reference import (  # noqa: E402
    assert_outputs_match,
    broadcasts,
    imported,
    spec_heights,
    torch_heights,
)
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
    pytest.param(branchy.LevelHeadsFPN, {"merge": "mean"}, id="fpn-heads-stack-mean"),
    pytest.param(branchy.OneLevelMean, {}, id="stack-mean-of-one-map"),
    pytest.param(branchy.AdditiveUp, {}, id="stack-sum-of-channel-halves"),
    # steps torch runs whose value the model drops: their parameters and sizes are the model's
    pytest.param(branchy.DroppingEncoder, {}, id="dropped-encoder-tail"),
    pytest.param(branchy.DroppingEncoder, {"depth": 3, "head": "unet"}, id="dropped-unet-depth-3"),
    pytest.param(branchy.DroppedSide, {}, id="dropped-from-a-side-path"),
]


@pytest.mark.parametrize(("factory", "args"), CASES)
def test_imports_exactly(factory: type, args: dict[str, object]) -> None:
    shape = (1, 3, 64, 64)
    got = imported(factory, shape, **args)
    model = factory(**args).eval()
    assert got.parameters == sum(p.numel() for p in model.parameters())
    # the heights `sizes` derives are torch's, but where torch runs only by stretching a
    # size-1 level in the FPN's sum (the spec's add reports those, SC102)
    spec, runs = spec_heights(got.text, 200), torch_heights(model, shape, 200)
    assert spec <= runs, sorted(spec - runs)
    assert all(broadcasts(model, shape, n) for n in runs - spec), sorted(runs - spec)
    assert max(runs - spec, default=0) < 16, sorted(runs - spec)
    assert_outputs_match(got.text, model, [(1, 3, h, h) for h in (32, 48, 61, 64, 96)])


def test_a_skip_made_on_side_paths_is_a_named_branch_read_by_the_later_nodes() -> None:
    text = imported(branchy.NestedUNet, (1, 3, 64, 64), depth=4, dense_first=True).text
    lines = text.splitlines()
    # every side chain is a top-level branch of its own, and a later node reads it by name
    branches = [
        (k, lines[k + 1].split("name:")[1].strip())
        for k, line in enumerate(lines)
        if line.strip() == "- branch:"
    ]
    assert len(branches) >= 4, text
    for k, name in branches:
        later = [line for line in lines[k + 2 :] if "name:" not in line]
        assert any(
            line.rstrip().endswith((f" {name}", f"[{name}]", f" {name}]")) or f"{name}," in line
            for line in later
        ), (name, text)
