"""The generic building blocks every resource is declared with."""
