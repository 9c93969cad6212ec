"""adapters/api layer."""
