"""Use cases of the governance registers, one module per register."""
