"""The engine that runs the ops over a lowered graph: propagation, declared outputs, cost."""
