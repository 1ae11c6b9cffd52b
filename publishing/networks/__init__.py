"""One adapter per network, the registry that finds them, and the three error types."""
