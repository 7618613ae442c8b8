-- Recommended indexes for the `operations` layout: every query of `broker`, `notifier` and
-- `recent_operations` then reads a few index pages instead of scanning the tables.

CREATE INDEX execution_log_timestamp ON execution_log (timestamp);
CREATE INDEX execution_log_status_timestamp ON execution_log (status, timestamp);
CREATE INDEX notification_outbox_status_created_at ON notification_outbox (status, created_at);
CREATE INDEX notification_outbox_sent_at ON notification_outbox (sent_at);
