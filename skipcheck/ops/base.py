"""What an op is: its parameters, its shape rule and its parameter count, side by side."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from skipcheck.core.errors import SkipcheckError
from skipcheck.core.graph import Node
from skipcheck.shapes.dims import Shape, Sizes

if TYPE_CHECKING:
    from skipcheck.shapes.table import Context

__all__ = ["Op", "Param", "Shape", "Sizes", "TorchLayer", "as_torch", "per_axis"]


@dataclass(frozen=True)
class TorchLayer:
    """How torch builds an op, as plain data: ``build`` instantiates it, ``export`` writes it.

    ``cls`` is an ``nn.`` class (``nn.Conv2d``) or a helper layer from
    ``skipcheck.torch.layers`` (``Merge``, ``Crop``); arguments are plain Python values.
    """

    cls: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Param:
    """One parameter as written in a spec (torch's name).

    kinds: ``int`` (an expression), ``ints`` (int or one per spatial axis),
    ``padding`` (``ints`` or ``same``/``valid``), ``number``, ``numbers``,
    ``bool``, ``choice``, ``sizes`` (int or list, may be null), ``ref``.
    """

    name: str
    kind: str
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None  # numbers only (dropout's p)
    doc: str = ""
    since: str = "1"  # the format version that introduced it ("1.1")


class Op(ABC):
    """Base of every op. Subclasses set the class attributes and override ``infer``."""

    name: ClassVar[str]
    doc: ClassVar[str] = ""
    params: ClassVar[tuple[Param, ...]] = ()
    primary: ClassVar[str | None] = None  # the parameter set by `- op: value`
    aliases: ClassVar[tuple[str, ...]] = ()
    min_rank: ClassVar[int] = 1  # least number of spatial axes (0: works on [N, F])
    since: ClassVar[str] = "1"  # the format version that introduced it ("1.1")

    @abstractmethod
    def infer(self, ctx: Context, node: Node, inputs: Sequence[Shape]) -> Shape:
        """The output shape; constraints are reported through ``ctx``."""

    def count(self, node: Node, inputs: Sequence[Shape], out: Shape) -> int | None:
        """Learnable parameters (None where a size is symbolic)."""
        return 0

    def stricter_than_torch(self, node: Node, inputs: Sequence[Sizes]) -> str | None:
        """Why skipcheck refuses this layer where torch would run it (None: it does not).

        A documented choice (docs/torch.md), so a dry-run reports it as skipcheck's
        finding, not as a disagreement with torch.
        """
        return None

    def mult_adds(self, node: Node, inputs: Sequence[Sizes], out: Sizes) -> int:
        """Multiply-adds of one forward pass at concrete shapes, as torch counts them:
        ``torch.utils.flop_counter.FlopCounterMode`` reports twice this (a FLOP each for the
        multiply and the add) and counts only convolutions and matrix products — so norms,
        activations, pools, resizes and merges cost nothing here either."""
        return 0

    @abstractmethod
    def torch_layer(self, node: Node, inputs: Sequence[Sizes]) -> TorchLayer:
        """The torch layer for this node, given the real (concrete) input shapes."""

    def by_name(self) -> dict[str, Param]:
        """The parameters by name, in their order (made once per op: every layer asks)."""
        known: dict[str, Param] | None = self.__dict__.get("_by_name")
        if known is None:
            known = self.__dict__["_by_name"] = {p.name: p for p in self.params}
        return known

    def torch_kwargs(self, node: Node, *names: str) -> dict[str, Any]:
        """The named parameters that differ from their default (the defaults are torch's)."""
        params = self.by_name()
        out: dict[str, Any] = {}
        for key in names:
            value = node.params.get(key)
            default = params[key].default
            if value is None or (value == default and type(value) is type(default)):
                continue
            out[key] = tuple(value) if isinstance(value, list) else value
        return out


def per_axis(node: Node, key: str, rank: int) -> tuple[int, ...]:
    """An ``ints`` parameter expanded to one value per spatial axis."""
    value = node.params[key]
    if isinstance(value, int):
        return (value,) * rank
    if len(value) != rank:
        raise SkipcheckError(
            f"{key} has {len(value)} values but the input has {rank} spatial axes",
            node.param_pos.get(key, node.pos),
        )
    return tuple(value)


def as_torch(value: Any) -> Any:
    """Spec lists become the tuples torch's constructors take."""
    return tuple(value) if isinstance(value, list) else value
