-- The live stream of an activity for big screens: each join and sign-in, in id order, so a
-- screen that reconnects with Last-Event-ID gets what it missed. And the screen key (its
-- SHA-256; the key itself is shown once when rotated).
CREATE TABLE activity_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX activity_events_stream ON activity_events (activity_id, id);

ALTER TABLE activities ADD COLUMN screen_key_hash TEXT NULL;
