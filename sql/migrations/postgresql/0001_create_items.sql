-- Items: the example resource. Bounds mirror the domain rules in
-- src/my_api/domain/item.py so the database refuses what the code would.
-- Text uses the "C" collation: comparisons and ORDER BY follow code points,
-- as SQLite and Python do, so every backend sorts and filters alike.
CREATE TABLE items (
    id          uuid PRIMARY KEY,
    name        text COLLATE "C" NOT NULL CHECK (char_length(name) BETWEEN 1 AND 255),
    description text COLLATE "C" CHECK (description IS NULL OR char_length(description) <= 1000),
    price       numeric(12, 2) NOT NULL CHECK (price > 0),
    quantity    integer NOT NULL CHECK (quantity >= 0),
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    version     integer NOT NULL CHECK (version >= 1),
    deleted_at  timestamptz
);
