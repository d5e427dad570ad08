"""What a fix is: an exact edit of the spec, proven on the whole model, with its consequences."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

from skipcheck.check.fixes.edit import Edit, unified_diff

# How invasive a kind of change is; lower is gentler. Locality comes first (an edit that
# changes a shared block's unbroken uses ranks after every edit that does not), then this,
# then the parameter cost.
RANK_MEND = 20  # one parameter of one layer on the mismatching path (stride, output_padding …)
RANK_LAYER_OPTION = RANK_MEND  # ceil_mode, output_padding, an option torch accepts: a mend too
RANK_PADDING = 25  # several convs change what they see at the borders
RANK_BLOCK = 30  # call another block the file defines
RANK_PAIR = 35  # two partial fixes together rank this far after the worse of them (two mends
# that undo a block's stride and widening come after its projection shortcut)
RANK_ALIGN = 40  # the merge resizes, pads or crops
RANK_PROJECTION = 50  # new layers with new parameters
RANK_WIDTH = 60  # a layer's width changes, and everything it feeds
RANK_MERGE_KIND = 70  # add becomes concat: the merge means something else
RANK_DECLARATION = 80  # the declaration changes to what the model computes
RANK_INPUT = 90  # the data must change, not the model: last


@dataclass(frozen=True)
class Change:
    """What a fix changes in the model, as data: a spec file reads the fix's title and diff,
    a model reference (no file to edit) states it in PyTorch terms from this. ``nodes`` are
    the labels of the layers it edits, or of the merge it changes.

    kinds: ``set`` (``name: value`` on each layer), ``align`` (the merge aligns by ``name``:
    center_crop, pad, interpolate), ``merge_op`` (the merge becomes ``name``, was ``value``;
    ``numbers``: the two widths), ``projection`` (a 1x1 conv on the skip; ``numbers``: its
    channels in and out), ``shortcut`` (a residual's projection; ``numbers``: channels in,
    out, stride; ``value`` "batchnorm" when it normalises), ``input`` (``value``: the shape),
    ``block`` (call block ``name`` instead of ``value``)."""

    kind: str
    nodes: tuple[str, ...] = ()
    name: str = ""
    value: str = ""
    numbers: tuple[int, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """A proposed change, not yet proven."""

    title: str
    description: str
    edits: tuple[Edit, ...]
    rank: int
    changes_behaviour: bool
    behaviour: str  # why (or why not) the model computes something different
    in_terms: bool = False  # a number it writes is spelled as the spec spells it (base * 2)
    # the kind of edit a reviewer accepts without a second look: an existing layer's
    # parameter or another block the file defines; whether it is *safe* also depends on
    # where it lands (only broken uses), which the proof measures
    mends: bool = False
    tag: str = ""  # names a block variant made from this edit (``basic_proj``)
    weight: int = 0  # among mends alike, the smaller written value first (stride 1 before 4)
    changes: tuple[Change, ...] = ()  # what it changes, as data


@dataclass
class Fix:
    """A candidate that was applied to a copy of the spec and re-checked on the whole model.

    ``partial`` fixes remove some, not all, of the findings at their line
    (``remaining`` lists those left). ``text`` is the whole file after the edit.
    """

    title: str
    description: str
    edits: tuple[Edit, ...]
    text: str
    rank: int
    changes_behaviour: bool
    behaviour: str
    path: str = ""  # the spec's path, for the diff's header
    original: str = ""  # the text before the edit
    partial: bool = False
    remaining: tuple[str, ...] = ()
    output_shape: str = ""  # "1×1×252×252 → 1×1×256×256" or the unchanged shape
    param_delta: int | None = 0
    valid_sizes: tuple[str, ...] = ()  # per symbol: "H: H ≡ 0 (mod 4) → every H ≥ 1"
    closes_sizes: bool = False  # after it no size runs on an axis where some size did
    new_warnings: tuple[str, ...] = field(default_factory=tuple)
    in_terms: bool = False  # writes a param or expression, not a bare number
    proven_for: tuple[str, ...] = ()  # per param, the values it was proven at: "base = 16, 32, 64"
    fails_at: tuple[str, ...] = ()  # per param, swept values where it does not hold
    at: str = ""  # the params' values as checked, when it does not hold beyond them
    # safe: changes only the broken site's own layers (an existing layer's parameter or an
    # existing block), keeps the input, the declared output and every other use of a block
    safe: bool = False
    local: bool = True  # leaves every unbroken use of a block it edits as it was
    weight: int = 0
    mended_elsewhere: int = 0  # findings at other sites that the edit removes too
    clears_file: bool = False  # the edit removes every error of a file with other sites
    changes: tuple[Change, ...] = ()  # what it changes, as data (the candidate's)
    # a model reference: the change as it is made in the PyTorch code ("" for a spec file)
    pytorch: str = ""

    @cached_property
    def diff(self) -> str:
        """The unified diff of the edit, made when a report shows it (most proven fixes of a
        ``validate`` run are never shown with theirs)."""
        return unified_diff(self.path, self.original, self.text)

    @property
    def applicability(self) -> str:
        """``safe`` or ``unsafe``, as ruff names its fixes."""
        return "safe" if self.safe else "unsafe"

    def sweep_lines(self) -> list[str]:
        """Whether the fix holds when the spec's params change (each at ½×, 1×, 2×)."""
        if self.fails_at:
            why = "a number that does not follow the params" if not self.in_terms else "the edit"
            return [f"holds at {self.at} only ({why}; breaks at {'; '.join(self.fails_at)})"]
        if self.proven_for:
            return [f"proven for {'; '.join(self.proven_for)} (each param at ½×, 1×, 2×)"]
        return []

    def consequences(self) -> list[str]:
        """Short lines for a report: shape, parameters, valid sizes, behaviour."""
        out = [f"output {self.output_shape}"]
        if self.param_delta is None:
            out.append("parameters: not countable at a symbolic size")
        elif self.param_delta:
            out.append(f"parameters {self.param_delta:+,}")
        else:
            out.append("parameters unchanged")
        out.extend(f"valid sizes {v}" for v in self.valid_sizes)
        out.append(
            ("changes the model: " if self.changes_behaviour else "same model: ") + self.behaviour
        )
        out.extend(f"adds warning {w}" for w in self.new_warnings)
        out.extend(self.sweep_lines())
        out.extend(f"still left: {r}" for r in self.remaining)
        return out
