-- Items: the example resource (SQLite spelling; see src/my_api/infrastructure/dialect.py
-- for how each type is stored). Bounds mirror src/my_api/domain/item.py.
CREATE TABLE items (
    id          TEXT PRIMARY KEY CHECK (length(id) = 36),
    name        TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 255),
    description TEXT CHECK (description IS NULL OR length(description) <= 1000),
    price       NUMERIC NOT NULL CHECK (price > 0),
    quantity    INTEGER NOT NULL CHECK (quantity >= 0),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    deleted_at  TEXT
);
