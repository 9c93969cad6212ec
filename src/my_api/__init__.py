"""my_api: an HTTP API service built from typed, functional pipelines."""
