"""Where the exact method stops it says so, and it never answers wrongly or slowly."""

from __future__ import annotations

import time

import pytest
from typer.testing import CliRunner

from skipcheck.check import check_spec, graph_of
from skipcheck.check.valid import parse_bound, valid_sizes
from skipcheck.cli import app
from skipcheck.core.errors import SkipcheckError
from skipcheck.engine.propagate import propagate
from skipcheck.shapes.periodic import MAX_MODULUS, Affine
from skipcheck.shapes.sizeset import OutOfFragment, SizeSet
from tests.conftest import SPECS

runner = CliRunner()
PRIMES = (3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53)


def pools(spec_file, kernels: tuple[int, ...], input: str = "[1, 3, H, W]") -> str:
    layers = "".join(f"  - maxpool: {k}\n" for k in kernels)
    return spec_file(f"skipcheck: 1\ninput: {input}\nlayers:\n{layers}")


def timed(args: list[str]) -> tuple[float, int, str]:
    """CPU seconds, exit code, output: CPU time, because the suite shares a busy machine."""
    start = time.process_time()
    result = runner.invoke(app, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return time.process_time() - start, result.exit_code, result.output


def test_members_of_a_huge_set_cost_what_they_find() -> None:
    far = SizeSet("H", 1, ((2**62, 2**62),))
    start = time.process_time()
    assert far.describe() == f"H ∈ {{{2**62}}}"
    assert list(far.members(1, 2**62)) == [2**62]
    assert time.process_time() - start < 0.1


def test_set_periods_are_capped() -> None:
    a = (Affine.symbol("H") // 4093).where_at_least(1)
    b = (Affine.symbol("H") // 4091).where_at_least(1)
    with pytest.raises(OutOfFragment):
        a & b


@pytest.mark.parametrize("count", [16, 17])
def test_stacked_pools_past_the_cap_are_not_claimed(spec_file, count: int) -> None:
    n = 2**count
    path = pools(spec_file, (2,) * count, f"[1, 3, {n}, {n}]")
    elapsed, code, out = timed(["validate", path])
    assert elapsed < 3
    assert code == 0, out  # H = 2^count halves to 1 exactly: it runs
    assert "the period of H would exceed" in out
    assert "every H, W ≥" not in out  # no closed form for a model past the cap
    elapsed, code, out = timed(["sizes", path])
    assert elapsed < 5
    assert "no closed form" in out


def test_prime_pools_are_not_given_a_false_closed_form(spec_file) -> None:
    path = pools(spec_file, PRIMES)
    elapsed, _code, out = timed(["sizes", path])
    assert elapsed < 5
    assert "30030" not in out  # 3·5·7·11·13: the old answer, wrong
    assert "no closed form" in out
    # the sizes the pools before the stop rule out (all of 1..1024) need no run, so the
    # search covers its whole range; and what validate's search tried past it is said
    assert "does not run at any H in 1..1024" in out  # the search's range, not "any H"
    assert "validate's search past the exact method found no size that runs" in out


def test_a_long_repeat_is_fast(spec_file) -> None:
    path = spec_file(
        "skipcheck: 1\ninput: [1, 3, H, W]\nlayers:\n"
        "  - {conv: {out_channels: 3, kernel_size: 3, padding: 1}, repeat: 1000}\n"
    )
    elapsed, code, out = timed(["sizes", path])
    assert code == 0 and "every H" in out
    assert elapsed < 3


def test_a_stride_typo_is_fast(spec_file) -> None:
    path = spec_file(
        "skipcheck: 1\ninput: [1, 3, H, W]\nlayers:\n"
        "  - {conv: {out_channels: 8, kernel_size: 3, stride: 64}}\n"
        "  - {conv: {out_channels: 8, kernel_size: 3, stride: 2}, name: a}\n"
        "  - {conv: {out_channels: 8, kernel_size: 3, stride: 64}}\n"
        "  - upsample: 64\n  - add: a\n"
    )
    for command in ("validate", "sizes"):
        elapsed, _code, out = timed([command, path])
        assert elapsed < 3, (command, out)


def test_a_range_is_capped() -> None:
    with pytest.raises(SkipcheckError, match="at most"):
        parse_bound(f"1..{10**11}")
    elapsed, code, _out = timed(
        ["sizes", str(SPECS / "unet_original.yaml"), "--range", f"1..{10**11}"]
    )
    assert code == 2 and elapsed < 2


def test_the_modulus_cap_is_the_documented_one() -> None:
    assert MAX_MODULUS == 4096


def test_a_declared_size_past_the_cap_is_compared_at_the_input(spec_file) -> None:
    text = 'skipcheck: 1\ninput: {input}\noutput: [1, 3, "H // 100000", W]\nlayers: [relu]\n'
    symbolic = propagate(graph_of(spec_file(text.format(input="[1, 3, H, W]"))))
    # H // 100000 is never H: wrong at every size, found at sample sizes (issue 22, item 7)
    assert [d.code for d in symbolic.errors] == ["SC301"]
    assert "differs at every one tried" in symbolic.errors[0].notes[0]
    fixed = propagate(graph_of(spec_file(text.format(input="[1, 3, 8, 8]"))))
    assert [d.code for d in fixed.errors] == ["SC301"]


def test_valid_sizes_with_an_unset_upsample_size_names_it(spec_file) -> None:
    path = spec_file("skipcheck: 1\ninput: [1, 3, 8, 8]\nlayers: [{upsample: {size: [null, 9]}}]\n")
    report = valid_sizes(check_spec(path))
    assert [d.code for d in report.size_free] == ["SC106"]


def test_broadcast_only_where_a_side_can_be_one(spec_file) -> None:
    # ⌊L/8⌋ is 1 only for L in 8..15, where the second pool already fails: mul stays exact
    path = spec_file(
        "skipcheck: 1\ninput: [1, 1, L]\nlayers:\n"
        "  - {maxpool: 8, name: a}\n  - maxpool: 2\n  - upsample: 2\n  - mul: a\n"
    )
    table = propagate(graph_of(path))
    assert not table.inexact
    assert table.valid_sizes("L").describe() == "L ≡ 0–7 (mod 16), L ≥ 16"


def test_a_size_past_the_exact_method_keeps_a_short_formula() -> None:
    # a chain of layers past the exact fragment grew its formula text by a few characters a
    # layer, and every layer copied it: a 2,700-conv mutant spent most of a second on text
    from skipcheck.shapes.dims import OPAQUE_TEXT, Opaque

    size: object = Opaque("H'", 1000)
    for k in range(2000):
        size = (size + 2 * (k % 3)) - 1  # type: ignore[operator]
        size = size // 1  # type: ignore[operator]
    assert isinstance(size, Opaque)
    assert size.value == 1000 + sum(2 * (k % 3) - 1 for k in range(2000))
    assert len(size.text) <= OPAQUE_TEXT and "…" in size.text
    assert size.text.startswith("(") and size.text.endswith("1)")


# issue 22, item 7: past the exact method, the answer says what is known and no more


def test_a_failure_before_the_cap_claims_no_closed_form_past_it(spec_file) -> None:
    path = pools(spec_file, (2,) * 17, "[1, 3, 100, 100]")
    _elapsed, code, out = timed(["validate", path, "--no-fixes"])
    assert code == 1 and "SC103" in out
    # 17 halvings need 131,072: "runs every H, W ≥ 4096" (the layers before the cap) is false
    assert "4096" not in out.replace("exceed 4096", "")
    assert "the whole model runs for" not in out
    assert "valid input sizes: not exact" in out


@pytest.mark.parametrize("kernels", [(2,) * 17, PRIMES], ids=["17-pools", "prime-pools"])
def test_a_symbolic_input_past_the_cap_says_what_is_not_checked(spec_file, kernels) -> None:
    code, out = timed(["validate", pools(spec_file, kernels), "--no-fixes"])[1:]
    assert "checked at the given input size only" not in out  # there is no given size
    if kernels == PRIMES:  # runs from about 1.6·10^19 only: never a pass (issue 22, item 7)
        assert code == 1 and "error SC109" in out and "0 errors" not in out
        assert "not checked at a symbolic input (give --input" in out
    else:  # 131,072 runs it: a pass, with the size the layers past the stop were checked at
        assert code == 0 and "were checked at H = W = 131,072 only" in out


@pytest.mark.parametrize(
    "declared",
    ["[1, 8, H + W, W]", "[1, 8, H // 4099 + H + 1, W]", "[1, 8, W + 1, H]"],
    ids=["mixed-axes", "huge-period", "swapped-and-off"],
)
def test_a_declared_output_wrong_at_every_size_is_reported(spec_file, declared: str) -> None:
    path = spec_file(
        f"skipcheck: 1\ninput: [1, 3, H, W]\noutput: {declared}\nlayers:\n"
        "  - conv: {out_channels: 8, kernel_size: 3, padding: 1}\n"
    )
    _elapsed, code, out = timed(["validate", path, "--no-fixes"])
    assert code == 1 and "SC301" in out, out
    assert "differs at every one tried" in out
    _elapsed, code, out = timed(["fix", path])
    assert "no errors" not in out and code == 1, out


@pytest.mark.parametrize("declared", ["[1, 8, W, H]", "[1, 8, H // 4099 + H, W]"])
def test_a_declared_output_right_at_some_size_passes(spec_file, declared: str) -> None:
    path = spec_file(
        f"skipcheck: 1\ninput: [1, 3, H, W]\noutput: {declared}\nlayers:\n"
        "  - conv: {out_channels: 8, kernel_size: 3, padding: 1}\n"
    )
    _elapsed, code, out = timed(["validate", path, "--no-fixes"])
    assert code == 0, out


def test_torch_agrees_the_mixed_declared_output_is_wrong() -> None:
    torch = pytest.importorskip("torch")
    conv = torch.nn.Conv2d(3, 8, 3, padding=1, device="meta")
    for h, w in [(1, 1), (5, 7), (64, 48)]:
        out = conv(torch.zeros(1, 3, h, w, device="meta"))
        assert tuple(out.shape) == (1, 8, h, w) and out.shape[2] != h + w
