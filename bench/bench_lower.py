"""Loading and lowering many specs in one process: the YAML load (``load_text``) and the
lowering to a graph (``check._lower``), per 1,000 files of bench/gen_specs.py's corpus,
beside PyYAML's own ``yaml.safe_load`` (libyaml) of the same texts as the anchor.

    python bench/bench_lower.py [--runs 3] [--files 1000]

Files that do not load or lower (the corpus's broken YAML and specs) are left out of
every figure. CPU seconds (``time.process_time``), the median of ``--runs`` passes, with
the collector tuned as the command line tunes it (skipcheck/launch.py).
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
from pathlib import Path

import gen_specs
import yaml
from measure import header, row

from skipcheck.check import Options, _lower
from skipcheck.core.errors import SkipcheckError
from skipcheck.launch import GC_THRESHOLDS
from skipcheck.specfile.yamltree import load_text, read_file


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--files", type=int, default=1000)
    args = parser.parse_args()
    gc.set_threshold(*GC_THRESHOLDS)
    with tempfile.TemporaryDirectory() as tmp:
        gen_specs.corpus(args.files, Path(tmp))
        texts = {str(p): read_file(str(p)) for p in sorted(Path(tmp).glob("*.yaml"))}
    usable = []
    for path, text in texts.items():
        try:
            _lower(load_text(text, path), path, Options())
        except SkipcheckError:
            continue
        usable.append(path)
    loads, lowers, anchors = [], [], []
    clock = time.process_time
    for _ in range(args.runs):
        load = lower = 0.0
        for path in usable:
            started = clock()
            tree = load_text(texts[path], path)
            loaded = clock()
            _lower(tree, path, Options())
            load, lower = load + loaded - started, lower + clock() - loaded
        loads.append(load)
        lowers.append(lower)
        started = clock()
        for path in usable:
            yaml.load(texts[path], Loader=yaml.CSafeLoader)
        anchors.append(clock() - started)
    scale = 1000 / len(usable)
    header(f"load and lower, {len(usable)} of {args.files} files, per 1,000 files", args.runs)
    load, lower = statistics.median(loads) * scale, statistics.median(lowers) * scale
    row(f"{load:.3f} s", "", "load: YAML with positions (specfile/yamltree.py)")
    row(f"{lower:.3f} s", "", "lower: tree → graph (specfile/lower.py, expand.py)")
    row(f"{load + lower:.3f} s", "≤ 1.5 s", "load + lower (issue 24, item 9)")
    row(f"{statistics.median(anchors) * scale:.3f} s", "(anchor)", "yaml.load, CSafeLoader")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
