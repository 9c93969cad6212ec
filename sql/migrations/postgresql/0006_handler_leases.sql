-- One relay at a time delivers to a handler (src/my_api/application/relay.py): the one
-- holding its lease, until lease_until. Another relay takes over once it has lapsed (the
-- holder stopped), so a handler is never called by two relays at once while they run.
ALTER TABLE event_subscriptions ADD COLUMN owner text;
ALTER TABLE event_subscriptions ADD COLUMN lease_until timestamptz;
