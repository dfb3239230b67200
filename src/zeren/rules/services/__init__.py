"""Use cases of the platform rules, one module per seam."""
