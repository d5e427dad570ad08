"""What a fix is: an exact edit of the spec, proven on the whole model, with its consequences."""

from __future__ import annotations

from dataclasses import dataclass, field

from skipcheck.fixes.edit import Edit

# How invasive a kind of change is; lower is gentler. Ties break on the parameter cost.
RANK_INPUT = 10  # the architecture stays as it is
RANK_LAYER_OPTION = 20  # one option of one existing layer (ceil_mode, output_padding)
RANK_ALIGN = 30  # the merge resizes, pads or crops
RANK_PADDING = 40  # several convs change what they see at the borders
RANK_PROJECTION = 50  # new layers with new parameters
RANK_WIDTH = 60  # a layer's width changes, and everything it feeds
RANK_MERGE_KIND = 70  # add becomes concat: the merge means something else
RANK_DECLARATION = 80  # the declaration changes to what the model computes


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


@dataclass
class Fix:
    """A candidate that was applied to a copy of the spec and re-checked on the whole model.

    ``partial`` fixes remove some, not all, of the findings at their line
    (``remaining`` lists those left). ``text`` is the whole file after the edit.
    """

    title: str
    description: str
    edits: tuple[Edit, ...]
    diff: str
    text: str
    rank: int
    changes_behaviour: bool
    behaviour: str
    partial: bool = False
    remaining: tuple[str, ...] = ()
    output_shape: str = ""  # "1×1×252×252 → 1×1×256×256" or the unchanged shape
    param_delta: int | None = 0
    valid_sizes: tuple[str, ...] = ()  # per symbol: "H: H ≡ 0 (mod 4) → every H ≥ 1"
    new_warnings: tuple[str, ...] = field(default_factory=tuple)
    in_terms: bool = False  # writes a param or expression, not a bare number
    proven_for: tuple[str, ...] = ()  # per param, the values it was proven at: "base = 16, 32, 64"
    fails_at: tuple[str, ...] = ()  # per param, swept values where it does not hold
    at: str = ""  # the params' values as checked, when it does not hold beyond them

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
