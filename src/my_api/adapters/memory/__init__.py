"""In-memory adapters of the ports, for unit tests of use cases and as the contract oracle."""
