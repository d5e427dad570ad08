"""The floor everything stands on: positions, the one error, the lowered graph, exit codes."""
