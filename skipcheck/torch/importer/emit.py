"""Steps (a DAG) → the spec's shape: a running tensor, merges with named skips, ``via``
chains and named ``branch``es for side paths.

The spec format runs one tensor through a list of layers; a merge brings in an earlier,
named tensor, optionally through ``via`` layers. So every step is placed where its input
is the running tensor, and where a tensor forks, the running tensor follows the longest
path to an output. A step off that path (a ResNet downsample, an FPN lateral, an
attention gate's ``W_x``) waits until the merge that reads it and is written as that
merge's ``via``, recursively — or, where several steps read it or it is an output, as a
named ``branch`` (format 1.1).

Where that nesting cannot say it — a side path that starts from a value another side path
computes (UNet++'s nested dense skips, whose skip is a concatenation of nodes computed on
other side paths; an FPN whose deepest level's head is the longest path, so the top-down
pyramid itself is off it) — the steps are laid out flat (:func:`_flat`): the running tensor
follows the longest path, and every other chain of steps is a top-level named ``branch``
whose ``from:`` and merge skips name earlier top-level values, split wherever a value is read
twice. Every value is then visible to every later layer, so any DAG of spec layers fits.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

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
    """A layer or merge (``step``), or a named branch that computes ``step``'s value with
    ``branch`` layers from ``branch_from``."""

    step: Step
    skips: list[Skip] = field(default_factory=list)
    align: str = "none"
    branch_from: str | None = None
    branch: list[Item] | None = None


@dataclass
class Emitted:
    items: list[Item]
    referenced: set[str]
    steps: dict[str, Step]
    placed: set[str]  # the steps written; the others' values reach no output
    outputs: list[tuple[str, str]]  # (the model's label, step id)
    main: bool  # one output, the running tensor at the end: no `outputs:` needed
    dropped: frozenset[str] = frozenset()  # written, though their value reaches no output


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


# what the nested layout says where a side path starts from another side path's value: the
# flat layout (every side chain a top-level branch) says it instead
_NESTING = (
    "starts from a value another branch computes",
    "is read by two side branches",
    "sits on a side path that starts from two places",
    "is an output computed inside a side path",
    "resizes to the size of a tensor a side path computes",
)


def emit(capture: Capture, pads_align: bool = False) -> Emitted:
    """Place every step torch runs; CannotMap where the format cannot say it.

    ``pads_align``: a constant pad right before a merge, by exactly what brings the running
    tensor to the skip's size, is the merge's ``align: pad`` — used only for a trace on the
    other side of an ``if`` on a size (MONAI's UpCat pads an odd skip's partner by one row),
    where the proof then checks the spec against torch on both sides.

    Side paths are nested (``via``, branches inside branches) where that says the model; where
    a side path starts from a value another side path computes, flat (:func:`_flat`).

    Steps torch runs whose value the model then drops (smp's EfficientNet encoder runs every
    block and keeps the features up to its depth; MONAI BasicUNet++'s deep-supervision heads
    when deep_supervision is off) are written as branches nothing reads: torch runs them, so
    their parameters and their conditions on the size are the model's. Only where no layout
    can hold them is the spec written without them (the proof then names their modules)."""
    live = _live({s.id: s for s in capture.steps}, [o for _, o in capture.outputs])
    dropped = any(s.id not in live and s.kind != "input" for s in capture.steps)
    attempts = [(False, True), (True, True)] if dropped else []
    attempts += [(False, False), (True, False)]
    for k, (flat, with_dropped) in enumerate(attempts):
        try:
            return _emit(capture, pads_align, flat=flat, dropped=with_dropped)
        except CannotMap as exc:
            last = k == len(attempts) - 1
            nested_only = not flat and not with_dropped
            if last or (nested_only and not any(why in str(exc) for why in _NESTING)):
                raise
    raise AssertionError("unreachable: the last attempt raises")


def _emit(capture: Capture, pads_align: bool, flat: bool, dropped: bool = False) -> Emitted:
    # a copy per layout: `_unaligned` rewrites resizes by who reads them, which differs
    # between the layouts tried
    every = [replace(s, layers=list(s.layers)) for s in capture.steps]
    steps = {s.id: s for s in every}
    outputs = [o for _, o in capture.outputs]
    live = _live(steps, outputs)
    reaching = set(live)  # the steps whose value reaches an output
    order = [s for s in every if s.id in live and s.kind != "input"]
    dead = [s for s in every if s.id not in live and s.kind != "input"]
    _unaligned(steps, order + dead if dropped else order, outputs)
    if dropped and flat:
        order = [s for s in every if s.kind != "input"]
    emitter = _Emitter(steps, order, outputs)
    emitter.pads_align = pads_align
    top = _Branch(every[0].id, None)
    if flat:
        emitter.flat = True
        _flat(emitter, top, every[0].id, reaching)
    else:
        emitter.run(top, order)
        if dropped:
            _dropped(emitter, top, dead)
    for value in outputs:
        if steps[value].kind == "resize":
            raise emitter.stop(steps[value], "is an output interpolated to another's size")
    main = len(outputs) == 1 and top.running == outputs[0]
    if not main:
        for value in outputs:
            emitter.output(top, value)
    written = set(emitter.done)
    return Emitted(
        top.items,
        emitter.referenced,
        steps,
        written,
        capture.outputs,
        main,
        frozenset(written - reaching),
    )


def _unaligned(steps: dict[str, Step], order: list[Step], outputs: list[str]) -> None:
    """A resize to another tensor's size that is not the running side of one two-tensor
    merge with a tensor of that size (smp's last decoder block, an FCN head, an ASPP's pooled
    branch merged with four others) becomes a ``resize_to`` layer naming that tensor."""
    readers: dict[str, list[Step]] = {}
    for s in order:
        for i in dict.fromkeys(s.inputs):
            readers.setdefault(i, []).append(s)
    for step in order:
        if step.kind != "resize" or step.align != "interpolate":
            continue
        read = readers.get(step.id, [])
        merge = read[0] if len(read) == 1 and read[0].kind == "merge" else None
        aligned = (
            merge is not None
            and len(merge.inputs) == 2
            and step.id not in outputs
            and any(
                _preserves(steps, other, str(step.size_of))
                or _preserves(steps, str(step.size_of), other)
                for other in merge.inputs
                if other != step.id
            )
        )
        if aligned:
            continue
        op, params = step.layers[0]
        step.kind = "layer"
        step.layers = [(op, {"size_of": str(step.size_of), **params})]


def _preserves(steps: dict[str, Step], start: str, goal: str) -> bool:
    v = start
    while True:
        if v == goal:
            return True
        step = steps[v]
        if step.kind != "layer" or not all(_keeps_size(layer) for layer in step.layers):
            return False
        v = step.inputs[0]


def _live(steps: dict[str, Step], outputs: list[str]) -> set[str]:
    live: set[str] = set()
    stack = list(outputs)
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
    def __init__(self, steps: dict[str, Step], order: list[Step], outputs: list[str]) -> None:
        self.steps = steps
        self.order = order
        self.done: dict[str, _Branch] = {}
        self.referenced: set[str] = set()
        self.readers: dict[str, list[str]] = {s.id: [] for s in order}
        for s in order:
            for i in dict.fromkeys(s.inputs):
                self.readers.setdefault(i, []).append(s.id)
        self.outputs = set(outputs)
        self.pads_align = False
        self.flat = False  # the flat layout: no via, every side chain a top-level branch
        self.height: dict[str, int] = {}
        for s in reversed(order):
            self.height[s.id] = 1 + max((self.height[r] for r in self.readers[s.id]), default=0)

    def output(self, top: _Branch, value: str) -> None:
        """An output the running tensor did not end on: named where it is, or a branch."""
        if value in self.done:
            if not top.sees(value):
                raise self.stop(self.steps[value], "is an output computed inside a side path")
            if self.steps[value].kind != "input":
                self.referenced.add(value)
            return
        self.branch(top, value)

    def off_path(self, branch: _Branch, step: Step) -> bool:
        """Whether the running tensor forks here and a longer path to an output goes on
        from another reader: then this step is a side path, placed later."""
        if branch.parent is not None or self.flat:
            return False  # a via or branch places everything its value needs; flat: chosen
        mine = self.height[step.id]
        return any(
            self.height[r] > mine
            for r in self.readers[branch.running]
            if r != step.id and r not in self.done and self.steps[r].kind != "merge"
        )

    def run(self, branch: _Branch, todo: list[Step]) -> None:
        for step in todo:
            if step.id not in self.done:
                self.place(branch, step)

    def place(self, branch: _Branch, step: Step) -> None:
        if step.kind in ("layer", "resize"):
            if step.inputs[0] != branch.running or self.off_path(branch, step):
                return  # a side path: a via of the merge that reads it, or a branch
            if self.steps[branch.running].kind == "resize":
                raise self.stop(
                    self.steps[branch.running],
                    "interpolates to another tensor's size without merging with it",
                )
            if step.kind == "layer":
                for _, params in step.layers:
                    like = params.get("size_of")
                    if like is not None:
                        if not branch.sees(like) and self.steps[like].kind != "input":
                            raise self.stop(
                                step, "resizes to the size of a tensor a side path computes"
                            )
                        self.referenced.add(like)
                branch.items.append(Item(step))
            self.advance(branch, step)
            return
        if branch.running not in step.inputs:
            return
        others = list(step.inputs)
        others.remove(branch.running)
        run_step = self.steps[branch.running]
        align = "none"
        if (
            self.pads_align
            and len(others) == 1
            and branch.items
            and branch.items[-1].step is run_step
            and self.pad_to_skip(run_step, others[0])
        ):
            # the pad the model chose by the sizes: `align: pad` says it for every size
            branch.items.pop()
            align = "pad"
        elif run_step.kind == "resize":
            if len(others) != 1:
                raise self.stop(run_step, "resizes to a size and merges with several tensors")
            align = run_step.align
        if len(others) == 1 and align == "none":
            crop = self.steps[others[0]]
            if (
                crop.kind == "resize"
                and crop.align == "center_crop"
                and (
                    self.preserves(branch.running, str(crop.size_of))
                    or self.preserves(str(crop.size_of), branch.running)
                )
            ):
                # the skip cropped to the running tensor's size: `align: center_crop`
                align = "center_crop"
                others = [crop.inputs[0]]
                self.done[crop.id] = branch
        skips = []
        for other in others:
            skips.append(self.skip(branch, other, step.id))
        if align in ("interpolate", "pad") and run_step.kind == "resize":
            self.same_size(run_step, others[0])
        if len(skips) > 1 and any(s.via for s in skips):
            # a spec merge applies its one via list to every skip: one concat per skip
            for s in skips:
                branch.items.append(Item(step, [s], align))
        else:
            branch.items.append(Item(step, skips, align))
        self.advance(branch, step)

    def pad_to_skip(self, pad: Step, skip: str) -> bool:
        """A constant pad of the far ends that brings its input to ``skip``'s size, half on
        each side with the odd row at the far end (what ``align: pad`` does)."""
        if pad.kind != "layer" or len(pad.layers) != 1 or pad.layers[0][0] != "pad":
            return False
        amounts = pad.layers[0][1].get("padding")
        before = self.steps[pad.inputs[0]].shape
        target = self.steps[skip].shape
        if isinstance(amounts, int):
            amounts = [amounts] * (2 * (len(before) - 2))
        if not isinstance(amounts, list) or len(before) != len(target) or len(before) < 3:
            return False
        diff = [t - b for b, t in zip(before[2:], target[2:], strict=True)]
        want = [v for d in reversed(diff) for v in (d // 2, d - d // 2)]
        given = amounts + [0] * (len(want) - len(amounts))
        return any(diff) and all(d >= 0 for d in diff) and given == want

    def advance(self, branch: _Branch, step: Step) -> None:
        branch.running = step.id
        branch.values.add(step.id)
        self.done[step.id] = branch

    def skip(self, branch: _Branch, value: str, merge: str) -> Skip:
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
        needed = self.pending_ancestors(value)
        if (
            any(r not in needed for v in needed - {value} for r in self.readers[v])
            or any(
                r not in needed and r not in self.done for r in self.readers[value] if r != merge
            )
            or value in self.outputs
        ):
            # read elsewhere too: a named branch, then a plain reference
            self.branch(branch, value)
            return Skip(value)
        root, items = self.side(branch, value, needed)
        return Skip(root, items)

    def side(self, branch: _Branch, value: str, needed: set[str]) -> tuple[str, list[Item]]:
        """The layers that compute ``value`` from one visible tensor (the root)."""
        root = self.root(branch, value, needed)
        if self.steps[root].kind == "resize":
            raise self.stop(self.steps[root], "interpolates to another tensor's size on a branch")
        sub = _Branch(root, branch)
        self.run(sub, [s for s in self.order if s.id in needed])
        if sub.running != value or any(s not in self.done for s in needed):
            raise self.stop(
                self.steps[value],
                "sits on a side path that starts from two places; a spec writes a side path "
                "as one chain of layers from one earlier tensor",
            )
        if root != branch.running or self.steps[root].kind == "input":
            self.referenced.add(root)
        return root, sub.items

    def branch(self, branch: _Branch, value: str) -> None:
        """A named side branch (format 1.1) computing ``value``; the running tensor stays."""
        needed = self.pending_ancestors(value)
        root, items = self.side(branch, value, needed)
        branch.items.append(Item(self.steps[value], branch_from=root, branch=items))
        branch.values.add(value)
        self.referenced.add(value)

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
        """``align: interpolate`` / ``pad`` take the skip's size: exact only where the skip
        has the size the model resized to (the same tensor, or size-preserving steps away)."""
        target = str(resize.size_of)
        if self.preserves(partner, target) or self.preserves(target, partner):
            return
        raise self.stop(
            resize,
            "resizes to the size of a tensor that is not the one it is merged with, and "
            "skipcheck cannot show that the two always have the same size",
        )

    def preserves(self, start: str, goal: str) -> bool:
        return _preserves(self.steps, start, goal)

    def stop(self, step: Step, why: str) -> CannotMap:
        where = f"{step.owner} ({step.what})" if step.owner else step.what
        return CannotMap(f"cannot be mapped: {where} {why}")


@dataclass
class _Chain:
    """Steps that each continue the one before (its running input), from ``root``."""

    root: str
    steps: list[Step] = field(default_factory=list)


def _flat(emitter: _Emitter, top: _Branch, start: str, reaching: set[str]) -> None:
    """Every live step placed with no nesting: the running tensor follows the longest path
    from the input; every other chain of steps is a named ``branch`` at the top level, written
    where its last step is computed, from a value the top level has named. A chain ends where
    its value is read more than once (by steps, as a resize's size, or as an output), so
    every value another chain reads is a top-level name. ``reaching``: the steps whose value
    reaches an output (the running tensor's path goes through them only)."""
    steps, order = emitter.steps, emitter.order
    uses: dict[str, set[str]] = {s.id: set() for s in steps.values()}
    crops: set[str] = set()  # a skip cropped to the running size: the merge's `center_crop`
    for s in order:
        for i in s.inputs:
            uses[i].add(s.id)
        for _, params in s.layers:  # resize_to names the tensor whose size it takes
            if params.get("size_of") is not None:
                uses[str(params["size_of"])].add(s.id)
        read = emitter.readers.get(s.id, [])
        if s.kind == "resize" and s.align == "center_crop" and len(read) == 1:
            crops.add(s.id)
    for value in emitter.outputs:
        uses[value].add("<output>")
    main: set[str] = set()
    v = start
    while emitter.readers.get(v):
        # the reader with the longest path to an output (the first of equals)
        nxt = max(
            (r for r in emitter.readers[v] if r not in crops and r in reaching),
            key=lambda r: emitter.height[r],
            default=None,
        )
        if nxt is None:
            break
        main.add(nxt)
        v = nxt
    _chains(emitter, top, order, main, crops, uses)


def _dropped(emitter: _Emitter, top: _Branch, dead: list[Step]) -> None:
    """The steps whose value reaches no output, after the nested layout placed the others:
    chains of them as top-level branches nothing reads, each written right after the last
    value it reads (smp's EfficientNet encoder's blocks past its depth follow the block whose
    feature the decoder reads). A chain that starts inside a side path cannot be written here
    (CannotMap: the flat layout is tried instead)."""
    steps = emitter.steps
    emitter.order = emitter.order + dead
    for s in dead:
        emitter.readers.setdefault(s.id, [])
        emitter.height[s.id] = 0  # a dropped value: no path to an output
        for i in dict.fromkeys(s.inputs):
            emitter.readers.setdefault(i, []).append(s.id)
    uses: dict[str, set[str]] = {s.id: set() for s in steps.values()}
    for s in emitter.order:
        for i in s.inputs:
            uses[i].add(s.id)
        for _, params in s.layers:
            if params.get("size_of") is not None:
                uses[str(params["size_of"])].add(s.id)
    for value in emitter.outputs:
        uses[value].add("<output>")
    placed = {s.id for s in emitter.order if s.id in emitter.done}
    _chains(emitter, top, dead, placed, set(), uses, after=True)


def _chains(
    emitter: _Emitter,
    top: _Branch,
    order: list[Step],
    main: set[str],
    crops: set[str],
    uses: dict[str, set[str]],
    after: bool = False,
) -> None:
    """``order``'s steps off the ``main`` path as top-level named branches, one per chain of
    steps that each continue the one before. Each is appended where its last step is
    computed, or with ``after``, inserted after the last top-level item it reads."""
    steps = emitter.steps
    chains: dict[str, _Chain] = {}  # step → its chain
    continued: set[str] = set()
    for s in order:
        if s.id in main or s.id in crops:
            continue
        first = _running_input(steps, s, main, crops, uses)
        if first in chains and first not in continued and uses[first] == {s.id}:
            chain = chains[first]
            continued.add(first)
        else:
            chain = _Chain(first)
        chain.steps.append(s)
        chains[s.id] = chain
    for s in order:
        if s.id in emitter.done or s.id in crops:
            continue
        if s.id in main:
            emitter.place(top, s)
            continue
        chain = chains[s.id]
        if chain.steps[-1] is not s:
            continue  # written with the chain's last step
        root = chain.root
        if not top.sees(root) and steps[root].kind != "input":
            raise emitter.stop(s, "starts from a value another branch computes")
        sub = _Branch(root, top)
        emitter.run(sub, chain.steps)
        if sub.running != s.id:
            raise emitter.stop(
                s,
                "sits on a side path that starts from two places; a spec writes a side path "
                "as one chain of layers from one earlier tensor",
            )
        if steps[s.id].kind == "resize":
            raise emitter.stop(s, "interpolates to another tensor's size without merging with it")
        item = Item(s, branch_from=root, branch=sub.items)
        if after:
            inside = {c.id for c in chain.steps}
            read = {root} | {
                v
                for c in chain.steps
                for v in [*c.inputs, *(str(p["size_of"]) for _, p in c.layers if "size_of" in p)]
                if v not in inside
            }
            at = max((k + 1 for k, it in enumerate(top.items) if it.step.id in read), default=0)
            top.items.insert(at, item)
        else:
            top.items.append(item)
        top.values.add(s.id)
        emitter.referenced.add(s.id)
        if steps[root].kind != "input":
            emitter.referenced.add(root)


def _running_input(
    steps: dict[str, Step], s: Step, main: set[str], crops: set[str], uses: dict[str, set[str]]
) -> str:
    """The input a side step continues: a layer's only one; for a merge, the resize or pad it
    aligns (``align: interpolate`` / ``pad`` change the running tensor's size), else an input
    no other step reads (so the chain goes on unnamed), else the first."""
    if s.kind != "merge":
        return s.inputs[0]
    inputs = [i for i in s.inputs if i not in crops]
    for i in inputs:
        padded = [op for op, _ in steps[i].layers] == ["pad"]
        if (steps[i].kind == "resize" or padded) and uses[i] == {s.id}:
            return i
    for i in inputs:
        if i not in main and steps[i].kind != "input" and uses[i] == {s.id}:
            return i
    return inputs[0] if inputs else s.inputs[0]


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
