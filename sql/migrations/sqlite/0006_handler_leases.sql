-- One relay at a time delivers to a handler; see the PostgreSQL spelling.
ALTER TABLE event_subscriptions ADD COLUMN owner TEXT;
ALTER TABLE event_subscriptions ADD COLUMN lease_until TEXT;
