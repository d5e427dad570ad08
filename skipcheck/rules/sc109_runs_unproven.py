"""What it checks: a spec with a symbolic input size (``[1, 3, H, W]``) whose layers leave
the exact method before the last one — a period past the cap (4096), as many stacked pools
with prime kernels make — and where no input size tried runs the whole model. Past that
layer the sizes are known only one size at a time, so skipcheck tries sizes the layers before
it allow (the smallest, and the smallest at or above each power of two up to the largest
input size a spec may state); where one runs, the model is checked there and passes with a
note, and where none does, this finding says what was tried.

Why it matters: a clean pass at a symbolic input means some input size runs the whole
model. Past the exact method that is not known: fifteen max-pools with the prime kernels
3 to 53 need an input of about 1.6·10^19, far past any size torch can hold, while every
layer before the method stopped looked fine.

Example (the kernels multiply to 3·5·7·11·13·17 = 255,255):

    skipcheck: 1
    input: [1, 3, H, W]
    layers: [{maxpool: 3}, {maxpool: 5}, {maxpool: 7}, {maxpool: 11}, {maxpool: 13},
             {maxpool: 17}, {maxpool: 19}, {maxpool: 23}, {maxpool: 29}, {maxpool: 31}]

Use instead: a concrete input size (``--input``, or numbers in ``input:``), where every
layer is checked at that size, or fewer downsamplings:

    skipcheck: 1
    input: [1, 3, H, W]
    layers: [{maxpool: 3}, {maxpool: 5}, {maxpool: 7}, {maxpool: 11}]
"""

from dataclasses import dataclass

CODE = "SC109"
NAME = "runs-unproven"
SEVERITY = "error"
SUMMARY = "past the exact method, no input size tried runs the whole model"
TORCH_RAISES = False  # a statement of what is not known, not a place where torch stops
FIXES: tuple[str, ...] = ()


@dataclass(frozen=True)
class RunsUnproven:
    """The layer ``op`` where the exact method stopped at a symbolic input; ``tried`` sizes
    were run one by one and none ran the whole model (0: none could be tried)."""

    op: str
    tried: int
    code = CODE

    def message(self) -> str:
        return f"{self.op} is past the exact method at a symbolic input size, and " + (
            f"none of the {self.tried} sizes tried runs the whole model"
            if self.tried
            else "no size was tried"
        )
