"""What-if: ``--set`` overrides, baseline-vs-changed comparison and sweeps."""

from skipcheck.whatif.overrides import Overrides, build_with_overrides

__all__ = ["Overrides", "build_with_overrides"]
