-- The message wall: an org's sensitive words, each message activity's moderation settings,
-- and the messages members post (as posted, and as shown after the filter).
CREATE TABLE sensitive_words (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    word TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (org_id, word)
);

CREATE TABLE wall_settings (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    -- approve_first or show_then_remove
    mode TEXT NOT NULL,
    -- mask or hold
    filter_action TEXT NOT NULL,
    max_length BIGINT NOT NULL,
    per_minute BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE wall_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    nickname TEXT NOT NULL DEFAULT '',
    icon TEXT NOT NULL DEFAULT '',
    original TEXT NOT NULL,
    content TEXT NOT NULL,
    -- pending, approved, rejected, removed
    status TEXT NOT NULL,
    flagged BIGINT NOT NULL DEFAULT 0,
    pinned BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX wall_messages_activity ON wall_messages (activity_id, id);
CREATE INDEX wall_messages_member ON wall_messages (activity_id, member_id, created_at);
