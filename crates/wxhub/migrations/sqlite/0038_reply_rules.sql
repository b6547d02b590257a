-- Auto-replies (自动回复) per port: what wxhub answers a push with, in the callback's passive
-- reply. fires_on: subscribe (pattern: the QR code's scene, '' for any follow), keyword
-- (match_kind exact, contains or regex; pattern: the keyword or expression), click (pattern:
-- a menu button's key) or default (any message no keyword matched; pattern ''). Keywords are
-- tried by priority, the higher first, then the older first. reply_kind: text, image or news;
-- reply: its JSON ({content} | {media_id} | {title, description, url, pic_url}).
CREATE TABLE reply_rules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    port_id BIGINT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    fires_on TEXT NOT NULL,
    match_kind TEXT NOT NULL DEFAULT '',
    pattern TEXT NOT NULL DEFAULT '',
    priority BIGINT NOT NULL DEFAULT 0,
    reply_kind TEXT NOT NULL,
    reply TEXT NOT NULL,
    -- The activity whose H5 link {activity_link} stands for.
    activity_id BIGINT NULL REFERENCES activities (id) ON DELETE SET NULL,
    enabled BIGINT NOT NULL DEFAULT 1,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- One rule per port for a keyword (with its match), a click key, a follow's scene, the default.
CREATE UNIQUE INDEX reply_rules_once ON reply_rules (port_id, fires_on, match_kind, pattern);
