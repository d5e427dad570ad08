"""Steps (a DAG) → the spec's shape: a running tensor, merges with named skips, ``via``
chains for side branches, stages from the module hierarchy.

The spec format runs one tensor through a list of layers; a merge brings in an earlier,
named tensor, optionally through ``via`` layers. So every step is placed where its input
is the running tensor; a step whose input is not (a side branch: a ResNet downsample, an
FPN lateral, an attention gate's ``W_x``) waits until the merge that reads it, and is
written as that merge's ``via``, recursively. A value that two branches read, or a merge
of two side branches, cannot be written in format 1.0 and stops with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from skipcheck.torch.importer.capture import CannotMap, Capture, Step
from skipcheck.torch.importer.mapping import Layer

SIZE_PRESERVING = {
    "batchnorm",
    "instancenorm",
    "groupnorm",
    "identity",
    "dropout",
    "prelu",
    "relu",
    "relu6",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "sigmoid",
    "tanh",
    "hardswish",
    "hardsigmoid",
    "mish",
    "softplus",
    "softmax",
    "log_softmax",
}


@dataclass
class Skip:
    source: str  # the step whose value is referenced (the start of ``via``)
    via: list[Item] | None = None


@dataclass
class Item:
    step: Step
    skips: list[Skip] = field(default_factory=list)
    align: str = "none"


@dataclass
class Emitted:
    items: list[Item]
    referenced: set[str]
    steps: dict[str, Step]
    placed: set[str]  # the steps written; the others' values reach no output


class _Branch:
    """One list of layers: the top level, or a merge's ``via``."""

    def __init__(self, running: str, parent: _Branch | None) -> None:
        self.running = running
        self.parent = parent
        self.items: list[Item] = []
        self.values: set[str] = {running} if parent is None else set()

    def sees(self, value: str) -> bool:
        branch: _Branch | None = self
        while branch is not None:
            if value in branch.values:
                return True
            branch = branch.parent
        return False


def emit(capture: Capture) -> Emitted:
    """Place every live step; CannotMap where format 1.0 cannot say it."""
    steps = {s.id: s for s in capture.steps}
    live = _live(steps, capture.output)
    order = [s for s in capture.steps if s.id in live and s.kind != "input"]
    emitter = _Emitter(steps, order)
    top = _Branch(capture.steps[0].id, None)
    emitter.run(top, order)
    if top.running != capture.output or steps[capture.output].kind == "resize":
        last = steps[capture.output]
        raise CannotMap(
            f"cannot be mapped: the output ({last.what} in {last.owner or 'the model'}) is not on "
            "the model's main path; format 1.0 writes one running tensor and side branches "
            "that end in a merge"
        )
    return Emitted(top.items, emitter.referenced, steps, set(emitter.done))


def _live(steps: dict[str, Step], output: str) -> set[str]:
    live: set[str] = set()
    stack = [output]
    while stack:
        s = stack.pop()
        if s in live:
            continue
        live.add(s)
        stack.extend(steps[s].inputs)
        if steps[s].size_of is not None:
            stack.append(str(steps[s].size_of))
    return live


class _Emitter:
    def __init__(self, steps: dict[str, Step], order: list[Step]) -> None:
        self.steps = steps
        self.order = order
        self.done: dict[str, _Branch] = {}
        self.referenced: set[str] = set()

    def run(self, branch: _Branch, todo: list[Step]) -> None:
        for step in todo:
            if step.id not in self.done:
                self.place(branch, step)

    def place(self, branch: _Branch, step: Step) -> None:
        if step.kind in ("layer", "resize"):
            if step.inputs[0] != branch.running:
                return  # a side branch: written as the via of the merge that reads it
            if self.steps[branch.running].kind == "resize":
                raise self.stop(
                    self.steps[branch.running],
                    "interpolates to another tensor's size without merging with it",
                )
            if step.kind == "layer":
                branch.items.append(Item(step))
            self.advance(branch, step)
            return
        if branch.running not in step.inputs:
            return
        others = list(step.inputs)
        others.remove(branch.running)
        run_step = self.steps[branch.running]
        align = "none"
        if run_step.kind == "resize":
            if len(others) != 1:
                raise self.stop(run_step, "interpolates to a size and merges with several tensors")
            align = "interpolate"
        skips = []
        for other in others:
            skips.append(self.skip(branch, other))
        if align == "interpolate":
            self.same_size(run_step, others[0])
        if len(skips) > 1 and any(s.via for s in skips):
            # a spec merge applies its one via list to every skip: one concat per skip
            for s in skips:
                branch.items.append(Item(step, [s], align))
        else:
            branch.items.append(Item(step, skips, align))
        self.advance(branch, step)

    def advance(self, branch: _Branch, step: Step) -> None:
        branch.running = step.id
        branch.values.add(step.id)
        self.done[step.id] = branch

    def skip(self, branch: _Branch, value: str) -> Skip:
        if self.steps[value].kind == "resize":
            raise self.stop(self.steps[value], "interpolates a side branch to another's size")
        if value in self.done or self.steps[value].kind == "input":
            if not branch.sees(value):
                raise self.stop(
                    self.steps[value],
                    "is read by two side branches; format 1.0 keeps a side branch's values "
                    "inside the merge that reads it",
                )
            self.referenced.add(value)
            return Skip(value)
        # a side branch: find the visible value it starts from, then write it as a via
        needed = self.pending_ancestors(value)
        root = self.root(branch, value, needed)
        if self.steps[root].kind == "resize":
            raise self.stop(self.steps[root], "interpolates to another tensor's size on a branch")
        sub = _Branch(root, branch)
        self.run(sub, [s for s in self.order if s.id in needed])
        if sub.running != value or any(s not in self.done for s in needed):
            raise self.stop(
                self.steps[value],
                "sits on a side branch that starts from two places; format 1.0 writes a side "
                "branch as one chain of layers from one earlier tensor",
            )
        if root != branch.running or self.steps[root].kind == "input":
            self.referenced.add(root)
        return Skip(root, sub.items)

    def pending_ancestors(self, value: str) -> set[str]:
        out: set[str] = set()
        stack = [value]
        while stack:
            v = stack.pop()
            if v in out or v in self.done or self.steps[v].kind == "input":
                continue
            out.add(v)
            stack.extend(self.steps[v].inputs)
        return out

    def root(self, branch: _Branch, value: str, needed: set[str]) -> str:
        v = value
        while v in needed:
            step = self.steps[v]
            outside = [i for i in step.inputs if i not in needed]
            inside = [i for i in step.inputs if i in needed]
            if step.kind == "merge" and outside and not inside:
                v = outside[0]
                break
            v = inside[0] if inside else step.inputs[0]
        if not branch.sees(v) and self.steps[v].kind != "input":
            raise self.stop(self.steps[value], "starts from a value another branch computes")
        return v

    def same_size(self, resize: Step, partner: str) -> None:
        """``align: interpolate`` takes the skip's size: exact only where the skip has the
        size the model interpolated to (the same tensor, or one size-preserving step away)."""
        target = str(resize.size_of)
        if self.preserves(partner, target) or self.preserves(target, partner):
            return
        raise self.stop(
            resize,
            "interpolates to the size of a tensor that is not the one it is merged with, and "
            "skipcheck cannot show that the two always have the same size",
        )

    def preserves(self, start: str, goal: str) -> bool:
        v = start
        while True:
            if v == goal:
                return True
            step = self.steps[v]
            if step.kind != "layer" or not all(_keeps_size(layer) for layer in step.layers):
                return False
            v = step.inputs[0]

    def stop(self, step: Step, why: str) -> CannotMap:
        where = f"{step.owner} ({step.what})" if step.owner else step.what
        return CannotMap(f"cannot be mapped: {where} {why}")


def _keeps_size(layer: Layer) -> bool:
    op, params = layer
    if op in SIZE_PRESERVING:
        return True
    if op != "conv":
        return False
    k, s, p, d = (params.get(key, default) for key, default in _CONV_DEFAULTS)
    if p == "same":
        return True
    if isinstance(p, str):
        return False
    axes = max(len(v) if isinstance(v, list) else 1 for v in (k, s, p, d))

    def at(v: int | list[int], a: int) -> int:
        return v[a] if isinstance(v, list) else v

    return all(at(s, a) == 1 and 2 * at(p, a) == at(d, a) * (at(k, a) - 1) for a in range(axes))


_CONV_DEFAULTS = (("kernel_size", 1), ("stride", 1), ("padding", 0), ("dilation", 1))
