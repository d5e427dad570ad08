"""Symbolic dimension arithmetic (pure functions, no torch), propagation, valid-size sets."""
