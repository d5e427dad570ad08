"""CPU seconds of `skipcheck export` (the spec → the code a person would write) per spec,
beside two anchors on the same model: `torchinfo.summary(…, depth=3)` of the exported
class and `torch.export.export` of it (one forward pass each, on the CPU).

    python bench/bench_export.py [SPEC ...]     # default: unet_original, resnet50

Prints the median of 5 runs (CPU time of this process: the machine is shared) and the load.
"""

from __future__ import annotations

import importlib.util
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RUNS = 5


def cpu_median(fn: Callable[[], Any], runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def main(names: list[str]) -> None:
    import torch
    import torchinfo

    from skipcheck.check import graph_of
    from skipcheck.torch.export import export_source

    print(f"load average {os.getloadavg()[0]:.2f} (uptime), torch {torch.__version__}")
    print(f"{'spec':<16} {'export':>9} {'lines':>6} {'torchinfo':>10} {'torch.export':>13}")
    for name in names:
        path = ROOT / "specs" / f"{name}.yaml"
        graph = graph_of(str(path))
        export = cpu_median(lambda graph=graph: export_source(graph))
        source = export_source(graph)
        folder = Path(tempfile.mkdtemp())
        file = folder / f"{name}.py"
        file.write_text(source)
        spec = importlib.util.spec_from_file_location(f"bench_{name}", file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        cls = [
            v
            for v in vars(module).values()
            if isinstance(v, type) and v.__module__ == module.__name__
        ][-1]
        model = cls().eval()
        shape = tuple(graph.input_dims)
        with torch.no_grad():
            info = cpu_median(
                lambda model=model, shape=shape: torchinfo.summary(
                    model, shape, depth=3, verbose=0, device="cpu"
                ),
                3,
            )
            x = torch.randn(shape)
            exported = cpu_median(lambda model=model, x=x: torch.export.export(model, (x,)), 3)
        print(
            f"{name:<16} {export:>8.3f}s {source.count(chr(10)):>6} {info:>9.3f}s {exported:>12.3f}s"
        )


if __name__ == "__main__":
    main(sys.argv[1:] or ["unet_original", "resnet50"])
