"""Large and many specs for the benchmarks: DenseNet-style, U-Net chains, 100k layers, a corpus.

    python bench/gen_specs.py dense 10000 > dense10k.yaml
    python bench/gen_specs.py unet 10000 > unet10k.yaml
    python bench/gen_specs.py flat 100000 > flat100k.yaml
    python bench/gen_specs.py corpus 1000 DIR

``N`` is the number of layers the spec expands to (graph nodes, the input excluded), to
within one block. Each spec is written with blocks and ``repeat`` as a person would write it,
so the file stays small; ``flat`` with ``--explicit`` writes every layer out instead (the
positioned YAML load's worst case).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

SPECS = Path(__file__).resolve().parent.parent / "specs"
MAX_REPEAT = 1000

# A dense layer is a residual whose body is BN-ReLU-1x1 conv-BN-ReLU-3x3 conv merged by
# concat: 7 nodes. Transitions compress channels back to 64 without pooling, so every layer
# keeps the input's spatial size — the worst case for anything that walks back the chain.
DENSE_HEAD = """\
skipcheck: 1
name: dense-{n}
input: [1, 3, 64, 64]
params: {{growth: 32, init: 64}}
blocks:
  dense_layer:
    layers:
      - residual:
          body:
            - batchnorm
            - relu
            - conv: {{out_channels: 4 * growth, kernel_size: 1, bias: false}}
            - batchnorm
            - relu
            - conv: {{out_channels: growth, kernel_size: 3, padding: 1, bias: false}}
          merge: concat
encoder:
  - stage: stem
    layers:
      - conv: {{out_channels: init, kernel_size: 3, padding: 1}}
"""


def dense(n: int) -> str:
    """One long dense block, split only where ``repeat`` caps it, with 1x1 transitions."""
    layers = max(1, (n - 1) // 7)
    out = [DENSE_HEAD.format(n=n)]
    k = 0
    while layers > 0:
        take = min(layers, MAX_REPEAT)
        layers -= take
        out.append(f"  - stage: block{k}\n    layers: [{{dense_layer: {{}}, repeat: {take}}}]\n")
        if layers > 0:
            out.append(
                f"  - stage: trans{k}\n    layers: [{{conv: {{out_channels: init, kernel_size: 1}}}}]\n"
            )
        k += 1
    return "".join(out)


UNET_HEAD = """\
skipcheck: 1
name: unet-chain-{n}
input: [1, 3, 256, 256]
params: {{base: 16}}
blocks:
  conv_block:
    args: [ch]
    layers:
      - conv: {{out_channels: ch, kernel_size: 3, padding: 1}}
      - relu
"""


def unet(n: int) -> str:
    """A depth-4 U-Net with padded convs whose every stage is a long chain of conv+relu."""
    stages = 9
    per = max(1, n // (stages * 2))  # conv_block repeats per stage (2 nodes each)
    per = min(per, MAX_REPEAT)
    out = [UNET_HEAD.format(n=n), "encoder:\n"]
    for d in range(4):
        pool = "{maxpool: {kernel_size: 2}}, " if d else ""
        out.append(
            f"  - {{stage: enc{d}, layers: [{pool}{{conv_block: {{ch: base * {2**d}}}, repeat: {per}}}]}}\n"
        )
    out.append("bottleneck:\n")
    out.append(
        f"  - {{stage: bottom, layers: [{{maxpool: {{kernel_size: 2}}}}, "
        f"{{conv_block: {{ch: base * 16}}, repeat: {per}}}]}}\n"
    )
    out.append("decoder:\n")
    for d in reversed(range(4)):
        out.append(
            f"  - stage: dec{d}\n    layers:\n"
            f"      - conv_transpose: {{out_channels: base * {2**d}, kernel_size: 2, stride: 2}}\n"
            f"      - concat: {{skip: enc{d}}}\n"
            f"      - {{conv_block: {{ch: base * {2**d}}}, repeat: {per}}}\n"
        )
    out.append("head:\n  - conv: {out_channels: 2, kernel_size: 1}\n")
    return "".join(out)


FLAT_HEAD = """\
skipcheck: 1
name: flat-{n}
input: [1, 8, 32, 32]
blocks:
  unit:
    layers:
      - conv: {{out_channels: 8, kernel_size: 3, padding: 1}}
      - batchnorm
      - relu
      - residual:
          body:
            - conv: {{out_channels: 8, kernel_size: 3, padding: 1}}
            - relu
  ten_units:
    layers: [{{unit: {{}}, repeat: 10}}]
layers:
"""


def flat(n: int) -> str:
    """``n`` layers as units of 6 (conv, bn, relu, residual conv+relu, add)."""
    units = max(1, n // 6)
    out = [FLAT_HEAD.format(n=n)]
    while units >= 10:
        take = min(units // 10, MAX_REPEAT)
        out.append(f"  - {{ten_units: {{}}, repeat: {take}}}\n")
        units -= take * 10
    if units:
        out.append(f"  - {{unit: {{}}, repeat: {units}}}\n")
    return "".join(out)


def flat_explicit(n: int) -> str:
    """``n`` layers written out one per line: a large file for the loader."""
    out = ["skipcheck: 1\nname: explicit\ninput: [1, 8, 32, 32]\nlayers:\n"]
    cycle = ("  - conv: {out_channels: 8, kernel_size: 3, padding: 1}\n", "  - relu\n")
    out.extend(cycle[k % 2] for k in range(n))
    return "".join(out)


def corpus(count: int, where: Path, seed: int = 13) -> None:
    """``count`` files: the shipped specs with small variations. About 85 % are clean
    variants (another base width or input size that still fits); the rest are broken the
    way real edits break specs (an input size off the grid, a skip from the wrong stage,
    a channel typo, a YAML syntax error)."""
    rng = random.Random(seed)
    sources = [p for p in sorted(SPECS.glob("*.yaml"))]
    texts = {p.stem: p.read_text() for p in sources}
    where.mkdir(parents=True, exist_ok=True)
    for k in range(count):
        stem = sources[k % len(sources)].stem
        text = texts[stem]
        roll = rng.random()
        if roll < 0.05:
            text = text.replace("input: [", "input: [[", 1)  # invalid YAML or schema
        elif roll < 0.10:
            text = re.sub(r"input: \[1, (\d+), \d+", r"input: [1, \1, 217", text, count=1)
        elif roll < 0.15:
            text = text.replace("enc2", "enc3", 1) if "enc2" in text else text + "\n# touched\n"
        else:
            text = text.replace("name: ", f"name: v{k}-", 1)
        (where / f"{k:04d}_{stem}.yaml").write_text(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=("dense", "unet", "flat", "corpus"))
    parser.add_argument("n", type=int)
    parser.add_argument("dir", nargs="?", help="corpus: where to write the files")
    parser.add_argument("--explicit", action="store_true", help="flat: every layer written out")
    args = parser.parse_args()
    if args.kind == "corpus":
        if not args.dir:
            parser.error("corpus needs a directory")
        corpus(args.n, Path(args.dir))
        return
    if args.kind == "flat" and args.explicit:
        sys.stdout.write(flat_explicit(args.n))
        return
    sys.stdout.write({"dense": dense, "unet": unet, "flat": flat}[args.kind](args.n))


if __name__ == "__main__":
    main()
