"""At a symbolic input, a model past the exact method passes only with a size that runs it
(issue 22, item 7): the probe's answers against an independent referee — floor arithmetic for
chains of pools, torch on the meta device where it is installed, brute force where feasible."""

from __future__ import annotations

import json
import math
import random
import re
from typing import Any

import pytest
from typer.testing import CliRunner

from skipcheck.check import graph_of
from skipcheck.cli import app
from skipcheck.engine.propagate import TORCH_MAX_BYTES, probe_sizes, propagate
from skipcheck.shapes.sizeset import SizeSet
from skipcheck.specfile.values import MAX_INPUT_SIZE

runner = CliRunner()
PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73)
WITNESS = re.compile(r"checked at H = W = ([\d,]+) only")


def pools(kernels: tuple[int, ...], extra: str = "", version: str = "1") -> str:
    layers = "".join(f"  - maxpool: {k}\n" for k in kernels)
    return f"skipcheck: {version}\ninput: [1, 3, H, W]\nlayers:\n{layers}{extra}"


def runs_somewhere(kernels: tuple[int, ...]) -> bool:
    """The referee for a chain of max-pools (kernel k, stride k, no padding) on 1×3×H×W.

    torch's size is ⌊(H − k)/k⌋ + 1 = ⌊H/k⌋ per pool, and ⌊⌊H/a⌋/b⌋ = ⌊H/(a·b)⌋, so the
    chain runs exactly for H ≥ ∏k: it runs somewhere iff that size is one a spec may state
    and torch can hold the input tensor (3·H·W float32 values)."""
    need = math.prod(kernels)
    return need <= MAX_INPUT_SIZE and 3 * need * need * 4 <= TORCH_MAX_BYTES


def runs_at(kernels: tuple[int, ...], h: int) -> bool:
    for k in kernels:
        h = (h - k) // k + 1 if h >= k else 0
    return h >= 1


def validate(spec_file, text: str) -> tuple[int, str]:
    result = runner.invoke(app, ["validate", spec_file(text), "--no-fixes"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def judged(spec_file, kernels: tuple[int, ...]) -> None:
    """validate at a symbolic input agrees with the referee, and every claim it makes holds."""
    code, out = validate(spec_file, pools(kernels))
    truth = runs_somewhere(kernels)
    assert (code == 0) == truth, (kernels, out)
    found = WITNESS.search(out)
    if code == 0:
        if found is None:  # inside the exact method: the closed form is the proof
            assert f"every H, W ≥ {math.prod(kernels)}" in out, out
            return
        witness = int(found.group(1).replace(",", ""))
        assert runs_at(kernels, witness) and witness <= MAX_INPUT_SIZE
    else:
        assert "SC109" in out and "✓" not in out, out
        assert found is None


@pytest.mark.parametrize("seed", range(12))
def test_chains_of_prime_pools_pass_exactly_where_a_size_runs(spec_file, seed: int) -> None:
    rng = random.Random(seed)
    kernels = tuple(rng.choice(PRIMES) for _ in range(rng.randint(3, 16)))
    judged(spec_file, kernels)


def test_fifteen_prime_pools_are_not_a_pass(spec_file) -> None:
    kernels = PRIMES[:15]  # 3·5·…·53 ≈ 1.6·10^19: no size a spec may state
    code, out = validate(spec_file, pools(kernels))
    assert code == 1 and not runs_somewhere(kernels)
    assert "error SC109" in out and "0 errors" not in out
    # what is known, and no more: the exact part, the sizes tried, no claim of "never"
    assert "the layers before it run for every H, W ≥ 1155" in out
    assert "to H = W = 1,073,741,824 (the largest input size a spec may state)" in out
    assert "does not run at any" not in out and "valid input sizes: none" not in out


@pytest.mark.parametrize("count", [13, 17, 22, 29, 30, 31])
def test_deep_pool_stacks_pass_with_the_size_that_runs_them(spec_file, count: int) -> None:
    # 2^29 per axis still fits a torch tensor; 2^30 does not (3·2^60 float32 values), and
    # 2^31 is past the largest input size a spec may state
    judged(spec_file, (2,) * count)
    _code, out = validate(spec_file, pools((2,) * count))
    if count <= 29:
        assert f"checked at H = W = {2**count:,} only" in out, out


def test_a_channel_error_past_the_stop_is_found_at_the_size_that_runs(spec_file) -> None:
    extra = (
        "  - conv: {out_channels: 8, kernel_size: 1}\n"
        "  - conv: {in_channels: 5, out_channels: 4, kernel_size: 1}\n"
    )
    code, out = validate(spec_file, pools((2,) * 17, extra, version="1.1"))
    assert code == 1 and "error SC107" in out and "SC109" not in out
    assert "found at H = W = 131,072, past the exact method; no input size fixes it" in out
    assert "· 56 parameters" in out  # 3·8 + 8 and 5·4 + 4, from the layers past the stop


def test_mixed_axes_take_their_own_sizes(spec_file) -> None:
    text = (
        "skipcheck: 1\ninput: [1, 3, H, W]\nlayers:\n"
        "  - {maxpool: {kernel_size: [2, 3]}, repeat: 13}\n"
    )
    code, out = validate(spec_file, text)
    assert code == 0, out
    found = re.search(r"checked at H = ([\d,]+), W = ([\d,]+) only", out)
    assert found is not None, out
    h, w = (int(g.replace(",", "")) for g in found.groups())
    assert runs_at((2,) * 13, h) and runs_at((3,) * 13, w)


MIXED = [
    # pools with prime kernels past the cap, a conv, and a skip that needs the sizes to return
    "  - {maxpool: 61, name: a}\n  - maxpool: 67\n  - maxpool: 2\n"
    "  - conv: {out_channels: 3, kernel_size: 3, padding: 1}\n"
    "  - upsample: 134\n  - add: a\n",
    # the same stop, then a skip from the input that no size matches
    "  - maxpool: 61\n  - maxpool: 67\n  - maxpool: 2\n  - upsample: 8174\n  - add: input\n",
    # a stop in a stack of 3s, then convs that shrink
    "  - {maxpool: 3, repeat: 8}\n  - {conv: {out_channels: 3, kernel_size: 3}, repeat: 2}\n",
]


@pytest.mark.parametrize("body", MIXED, ids=["pools-conv-skip", "skip-from-input", "threes"])
def test_mixed_designs_agree_with_torch(spec_file, body: str) -> None:
    pytest.importorskip("torch")
    from tests.check.torch_reference import Reference

    text = f"skipcheck: 1\ninput: [1, 3, L]\nlayers:\n{body}"
    path = spec_file(text)
    table = propagate(graph_of(path))
    assert table.unchecked is not None  # each of these leaves the exact method
    reference = Reference(graph_of(path))
    code, out = validate(spec_file, text)
    found = re.search(r"checked at L = ([\d,]+) only", out)
    tried = probe_sizes(table.domain.get("L") or SizeSet.everything("L"))
    if code == 0:
        assert found is not None, out
        witness = int(found.group(1).replace(",", ""))
        assert reference.runs([1, 3, witness])[0]
        # the first size tried where it runs: torch fails at every one before it
        assert not any(reference.runs([1, 3, x])[0] for x in tried if x < witness)
    else:
        # "none of the sizes tried runs": torch agrees at every one of them
        assert "SC109" in out and f"none of the {len(tried)} sizes tried" in out, out
        assert not any(reference.runs([1, 3, x])[0] for x in tried)
    # brute force over the first sizes the layers before the stop allow: a pass is never
    # missing where one of the sizes tried runs, and never claimed where none does
    assert (code == 0) == any(reference.runs([1, 3, x])[0] for x in tried)


def sizes_json(spec_file, text: str, *extra: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["sizes", spec_file(text), "--output-format", "json", *extra])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, json.loads(result.output)


@pytest.mark.parametrize(
    "kernels",
    [(2,) * 17, (2,) * 13, (2,) * 22, PRIMES[:15], PRIMES[:6], (3,) * 8],
    ids=["17-halvings", "13-halvings", "22-halvings", "15-primes", "6-primes", "8-threes"],
)
def test_sizes_and_validate_tell_the_same_truth_past_the_method(
    spec_file, kernels: tuple[int, ...]
) -> None:
    # `validate` passed 17 stacked pools ("checked at H = W = 131,072 only") while `sizes`
    # said "no H in 1..91" and exited 1: both now say what is known, with one exit code
    text = pools(kernels)
    v_code, v_out = validate(spec_file, text)
    s_code, doc = sizes_json(spec_file, text, "--range", "1..1024")
    plain = runner.invoke(app, ["sizes", spec_file(text)])
    assert s_code == v_code == plain.exit_code == (0 if runs_somewhere(kernels) else 1), v_out
    assert doc["ok"] == (s_code == 0)
    witness = WITNESS.search(v_out)
    for axis in doc["axes"]:
        # the floor-arithmetic referee: the sizes listed in 1..1024 are exactly those that run
        assert axis["listing"]["runs"] == [x for x in range(1, 1025) if runs_at(kernels, x)]
        past = axis.get("past_the_method")
        if witness is None:
            assert past is None
            continue
        # what validate found, and no more: that size runs, it is not called the smallest,
        # and why the closed form stops is said
        x = int(witness.group(1).replace(",", ""))
        assert (
            runs_at(kernels, x)
            and past["runs_at"] == x
            and past["with"] == {v: x for v in "HW" if v != axis["symbol"]}
        )
        # clean: no pool drops a row or column there (torch floors, so a remainder is lost)
        assert past["clean"] == (x % math.prod(kernels) == 0)
        assert axis["runs"].endswith("(found past the exact method: checked at that size only)")
        assert axis["listing"]["runs"] == [] and "smallest" not in plain.output
        assert any("the period of" in why for why in doc["inexact_because"])
        assert f"✓ the model runs at H = W = {x:,} (found past the exact method" in plain.output
    if "SC109" in v_out:
        assert s_code == 1 and any(
            why.startswith("validate's search past the exact method found no size that runs")
            for why in doc["inexact_because"]
        )
        assert "✗ the model does not run at any H in 1..1024" in plain.output
