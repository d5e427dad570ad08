"""Large runs as whole processes: a 1,000-file directory, long DenseNet and U-Net chains,
a 100,000-layer spec. CPU seconds and peak memory, next to the goals of issue 13.

    python bench/bench_scale.py [--runs 3] [--files 1000]

The specs come from bench/gen_specs.py. The 1,000 files are the 12 shipped specs copied
round-robin with small variations (seed 13): about 85 % clean renames, 5 % invalid YAML,
5 % an input size off the grid, 5 % a skip from another stage or a trailing comment. The
shipped unet_add_broken.yaml is broken as shipped, so about 10 % of the files have errors;
`validate` proves fixes for each of those inside check_spec — every candidate re-checked at
the spec's own params (`skipcheck fix` also sweeps each param at ½× and 2×).
The `--no-fixes` row shows the checking alone.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import gen_specs
from measure import PYTHON, anchors, compile_package, header, median_run, row

VALIDATE = [PYTHON, "-m", "skipcheck", "validate"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    compile_package()
    with tempfile.TemporaryDirectory() as tmp:
        where = Path(tmp)
        gen_specs.corpus(args.files, where / "corpus")
        specs = {
            "dense1k": gen_specs.dense(1000),
            "dense10k": gen_specs.dense(10000),
            "unet10k": gen_specs.unet(10000),
            "flat100k": gen_specs.flat(100000),
        }
        for name, text in specs.items():
            (where / f"{name}.yaml").write_text(text)
        header("scale", args.runs)
        anchors(args.runs)
        cpu, mib = median_run(
            [*VALIDATE, str(where / "corpus"), "--output-format", "concise"], args.runs
        )
        row(f"{cpu:.2f} s", "≤ 10 s", f"{args.files} files, validate DIR --output-format concise")
        row(f"{mib:.0f} MiB", "≤ 150 MiB", "  its peak memory")
        cpu, mib = median_run(
            [*VALIDATE, str(where / "corpus"), "--output-format", "concise", "--no-fixes"],
            args.runs,
        )
        row(f"{cpu:.2f} s", "≤ 10 s", "  the same with --no-fixes (no fixes proved)")
        row(f"{mib:.0f} MiB", "≤ 150 MiB", "  its peak memory")
        for name, goal, what in [
            ("dense1k", "", "DenseNet-style, 1k layers, -q"),
            ("dense10k", "≤ 1 s", "DenseNet-style, 10k layers, -q (linear: ≈ 10 × the 1k row)"),
            ("unet10k", "≤ 1 s", "U-Net chain, 10k layers, -q"),
            ("flat100k", "≤ 5 s", "100k layers, -q"),
        ]:
            cpu, mib = median_run([*VALIDATE, "-q", str(where / f"{name}.yaml")], args.runs)
            row(f"{cpu:.2f} s", goal, what)
            if name == "flat100k":
                row(f"{mib:.0f} MiB", "≤ 500 MiB", "  its peak memory")


if __name__ == "__main__":
    main()
