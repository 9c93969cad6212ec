-- API keys (src/my_api/kernel/api_keys.py): looked up by id; the secret is kept
-- only as its SHA-256 (hex). Scopes are one space-separated text.
CREATE TABLE api_keys (
    id            text PRIMARY KEY CHECK (id ~ '^[0-9a-f]{16}$'),
    name          text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
    scopes        text NOT NULL,
    secret_sha256 text NOT NULL CHECK (char_length(secret_sha256) = 64),
    created_at    timestamptz NOT NULL,
    revoked_at    timestamptz
);
