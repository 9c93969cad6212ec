-- Indexes for filtered, sorted and keyset-paginated lists of live items.
-- Each sortable field is paired with id, the tie-breaker every sort ends with,
-- so "ORDER BY price, id" and "(price, id) > ($1, $2)" are index range scans.
-- Partial (live rows only) because every list query says deleted_at IS NULL.
CREATE INDEX items_live_by_id ON items (id) WHERE deleted_at IS NULL;
CREATE INDEX items_live_by_name ON items (name, id) WHERE deleted_at IS NULL;
CREATE INDEX items_live_by_description ON items (description, id) WHERE deleted_at IS NULL;
-- description is nullable and NULLs sort last in both directions, so the
-- descending order is not the ascending index read backwards: it gets its own.
CREATE INDEX items_live_by_description_desc
    ON items (description DESC NULLS LAST, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX items_live_by_price ON items (price, id) WHERE deleted_at IS NULL;
CREATE INDEX items_live_by_quantity ON items (quantity, id) WHERE deleted_at IS NULL;
CREATE INDEX items_live_by_created_at ON items (created_at, id) WHERE deleted_at IS NULL;
CREATE INDEX items_live_by_updated_at ON items (updated_at, id) WHERE deleted_at IS NULL;
