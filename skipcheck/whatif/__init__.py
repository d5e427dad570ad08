"""What-if: baseline-vs-changed comparison and sweeps (``--set`` itself is in spec/overrides)."""
