-- Domain events (src/my_api/kernel/events.py) and the feed built from them.
--
-- The outbox: every event is inserted by the transaction of the change that caused
-- it, so it exists exactly when the change does. ``position`` is the order of
-- writing, NOT of committing: two transactions can commit in the other order.
-- ``sequence`` is the feed position; the relay gives it after commit, one relay at a
-- time (it holds the row of event_feed), so sequences increase in commit order and
-- a reader never sees a later sequence before an earlier one can still appear.
CREATE TABLE events (
    position          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id                uuid NOT NULL UNIQUE,
    type              text NOT NULL,
    collection        text NOT NULL,
    aggregate_id      uuid NOT NULL,
    aggregate_version integer NOT NULL,
    time              timestamptz NOT NULL,
    data              text NOT NULL,
    sequence          bigint UNIQUE
);
-- What the relay has still to publish, in writing order.
CREATE INDEX events_unpublished ON events (position) WHERE sequence IS NULL;
-- The feed filtered by type.
CREATE INDEX events_type_sequence ON events (type, sequence) WHERE sequence IS NOT NULL;

-- The last sequence given. Its one row is the relays' mutex: a relay updates it first,
-- so a second relay waits until the first has committed.
CREATE TABLE event_feed (
    id            integer PRIMARY KEY CHECK (id = 1),
    last_sequence bigint NOT NULL CHECK (last_sequence >= 0)
);
INSERT INTO event_feed (id, last_sequence) VALUES (1, 0);

-- How far each in-process handler has got through the feed.
CREATE TABLE event_subscriptions (
    handler        text PRIMARY KEY,
    after_sequence bigint NOT NULL CHECK (after_sequence >= 0)
);

-- Events a handler kept failing on, until replayed.
CREATE TABLE parked_events (
    handler   text NOT NULL,
    event_id  uuid NOT NULL REFERENCES events (id),
    error     text NOT NULL,
    parked_at timestamptz NOT NULL,
    PRIMARY KEY (handler, event_id)
);
