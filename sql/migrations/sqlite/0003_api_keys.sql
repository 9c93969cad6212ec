-- API keys (src/my_api/kernel/api_keys.py): looked up by id; the secret is kept
-- only as its SHA-256 (hex). Scopes are one space-separated text.
CREATE TABLE api_keys (
    id            TEXT PRIMARY KEY CHECK (length(id) = 16),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes        TEXT NOT NULL,
    secret_sha256 TEXT NOT NULL CHECK (length(secret_sha256) = 64),
    created_at    TEXT NOT NULL,
    revoked_at    TEXT
);
