-- Pushes received from WeChat, one row per push whatever WeChat's retries: the primary key is
-- the deduplication key (MsgId, or FromUserName + CreateTime + Event), so a retried push is
-- processed once, across restarts and instances. The row is also the record of the event.
CREATE TABLE callback_events (
    app_id TEXT NOT NULL,
    dedup_key TEXT NOT NULL,
    open_id TEXT NOT NULL,
    -- The event (subscribe, SCAN…) or the message type (text, image…).
    kind TEXT NOT NULL,
    event_key TEXT NOT NULL DEFAULT '',
    create_time BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, dedup_key)
);
CREATE INDEX callback_events_received ON callback_events (app_id, received_at);
