"""Names that read as an op: the JSON Schema's pattern and validate's check say the same."""

from __future__ import annotations

import random
import re

import pytest

from skipcheck.ops import OPS
from skipcheck.specfile.names import _key, _lookalikes, lookalike_pattern, reads_as_op

PATTERN = re.compile(lookalike_pattern())


@pytest.mark.parametrize(
    "name, op",
    [
        ("conv2d", "conv"),
        ("Conv3d", "conv"),
        ("ConvTranspose2d", "conv_transpose"),
        ("MaxPool2d", "maxpool"),
        ("max_pool2d", "maxpool"),
        ("BatchNorm2d", "batchnorm"),
        ("LeakyReLU", "leaky_relu"),
        ("ReLU", "relu"),
        ("maxpol", "maxpool"),
        ("upsmaple", "upsample"),
        ("ReflectionPad2d", "pad"),
        ("conv", None),  # the op itself
        ("double_conv", None),
        ("conv_bn", None),
        ("convs", None),
        ("rleu", None),  # short op names are not guessed at
    ],
)
def test_reads_as_op(name: str, op: str | None) -> None:
    assert reads_as_op(name) == op


def test_the_pattern_matches_exactly_the_names_that_read_as_an_op() -> None:
    rng = random.Random(24)

    def spelt(key: str) -> str:
        out = "".join(c.upper() if rng.random() < 0.3 else c for c in key)
        k = rng.randrange(len(out) + 1)
        out = out[:k] + "_" * rng.randint(0, 1) + out[k:]
        return out + rng.choice(["", "", "1d", "2d", "3d", "_2d", "2_d", "4d"])

    names = [spelt(key) for key in _lookalikes() for _ in range(3)]
    names += [
        "".join(rng.choice("convplmaxreu_2dt") for _ in range(rng.randint(1, 10)))
        for _ in range(5000)
    ]
    for name in names:
        assert bool(PATTERN.match(name)) == (_key(name) in _lookalikes()), name
        if name not in OPS:
            assert (reads_as_op(name) is not None) == bool(PATTERN.match(name)), name
