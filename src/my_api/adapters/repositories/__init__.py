"""adapters/repositories layer."""
