"""Generic, entity-agnostic building blocks: errors, ports, specifications, pages, resources."""
