"""Settings, the error vocabulary and the composition root."""
