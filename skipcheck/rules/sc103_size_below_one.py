"""What it checks: a layer whose output size would be below 1 — a kernel larger than
its (padded) input, or too many downsamplings for the input size.

Why it matters: torch stops with "Kernel size can't be greater than actual input
size" or "Output size is too small".

Example (16 → 8 → 4 → 2 → 1 → 0):

    skipcheck: 1
    input: [1, 3, 16, 16]
    layers: [{maxpool: 2}, {maxpool: 2}, {maxpool: 2}, {maxpool: 2}, {maxpool: 2}]

Use instead: a larger input (``skipcheck sizes`` gives the smallest), fewer
downsamplings, or padding:

    skipcheck: 1
    input: [1, 3, 16, 16]
    layers: [{maxpool: 2}, {maxpool: 2}, {maxpool: 2}, {maxpool: 2}]
"""

CODE = "SC103"
NAME = "size-below-one"
SEVERITY = "error"
SUMMARY = "a layer's output size drops below 1"
FIXES = ("input_size",)
