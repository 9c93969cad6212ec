-- Orders (SQLite spelling; see the PostgreSQL one and src/my_api/domain/order.py).
-- ``lines`` is the JSON array of the order's lines, as text. ``total`` is in whole
-- cents (ColumnType.CENTS): a NUMERIC with a fraction keeps only 15 significant digits,
-- and a total may have 18; an INTEGER holds them exactly and still sorts and compares.
CREATE TABLE orders (
    id          TEXT PRIMARY KEY CHECK (length(id) = 36),
    status      TEXT NOT NULL CHECK (status IN ('placed', 'cancelled')),
    lines       TEXT NOT NULL CHECK (
        json_valid(lines) AND json_type(lines) = 'array'
        AND json_array_length(lines) BETWEEN 1 AND 50
    ),
    total       INTEGER NOT NULL CHECK (total > 0),
    note        TEXT CHECK (note IS NULL OR length(note) <= 500),
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL,
    version     INTEGER NOT NULL CHECK (version >= 1),
    deleted_at  TEXT
);
CREATE INDEX orders_live_by_id ON orders (id) WHERE deleted_at IS NULL;
CREATE INDEX orders_live_by_total ON orders (total, id) WHERE deleted_at IS NULL;
CREATE INDEX orders_live_by_created_at ON orders (created_at, id) WHERE deleted_at IS NULL;
-- No index serves json_each: SQLite scans the placed orders for "holding item X".
