"""Statement layouts and the engine that evaluates them."""
