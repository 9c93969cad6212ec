-- Domain events (src/my_api/kernel/events.py) and the feed built from them; see the
-- PostgreSQL spelling for why ``sequence`` is given after commit. On SQLite writers
-- are serialised anyway, so writing order is commit order; the same design serves.
CREATE TABLE events (
    position          INTEGER PRIMARY KEY AUTOINCREMENT,
    id                TEXT NOT NULL UNIQUE CHECK (length(id) = 36),
    type              TEXT NOT NULL,
    collection        TEXT NOT NULL,
    aggregate_id      TEXT NOT NULL CHECK (length(aggregate_id) = 36),
    aggregate_version INTEGER NOT NULL,
    time              TEXT NOT NULL,
    data              TEXT NOT NULL,
    sequence          INTEGER UNIQUE
);
CREATE INDEX events_unpublished ON events (position) WHERE sequence IS NULL;
CREATE INDEX events_type_sequence ON events (type, sequence) WHERE sequence IS NOT NULL;

CREATE TABLE event_feed (
    id            INTEGER PRIMARY KEY CHECK (id = 1),
    last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0)
);
INSERT INTO event_feed (id, last_sequence) VALUES (1, 0);

CREATE TABLE event_subscriptions (
    handler        TEXT PRIMARY KEY,
    after_sequence INTEGER NOT NULL CHECK (after_sequence >= 0)
);

CREATE TABLE parked_events (
    handler   TEXT NOT NULL,
    event_id  TEXT NOT NULL REFERENCES events (id),
    error     TEXT NOT NULL,
    parked_at TEXT NOT NULL,
    PRIMARY KEY (handler, event_id)
);
