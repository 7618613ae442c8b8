-- Recommended indexes for the `messaging` layout: `messages` counts and finds the newest message of
-- each direction in the index, and pending deliveries are counted without a table scan. The
-- scheduled tasks and host jobs are read whole (they are few) and need none.

CREATE INDEX messages_direction_timestamp ON messages (direction, timestamp);
CREATE INDEX outbound_ledger_sent_at ON outbound_ledger (sent_at);
CREATE INDEX outbound_deliveries_status ON outbound_deliveries (status);
