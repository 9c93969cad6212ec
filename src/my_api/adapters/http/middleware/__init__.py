"""Pure ASGI middleware, one concern per module (BaseHTTPMiddleware costs ~100 us a layer)."""
