"""The HTTP adapter (Starlette): routes, responses and problems, middleware, the query language."""
