-- Channel QR codes (渠道二维码) per port: a named parametric code for its scene string, made
-- through WeChat's qrcode/create, permanent or temporary (expires_at). A follow from the code
-- is welcomed by the port's subscribe rule for the scene (reply_rules).
CREATE TABLE channel_codes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    port_id BIGINT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scene TEXT NOT NULL,
    ticket TEXT NOT NULL,
    -- What the code encodes (WeChat's http://weixin.qq.com/q/…).
    url TEXT NOT NULL,
    expires_at BIGINT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX channel_codes_scene ON channel_codes (port_id, scene);
CREATE UNIQUE INDEX channel_codes_name ON channel_codes (port_id, name);

-- Per code and day (YYYY-MM-DD in the configured zone): scans (a follower's SCAN or a new
-- follower's subscribe from the code), follows it brought, and unfollows of people it brought
-- (counted on the day they left). Counted in the callback's transaction.
CREATE TABLE channel_days (
    code_id BIGINT NOT NULL REFERENCES channel_codes (id) ON DELETE CASCADE,
    day TEXT NOT NULL,
    scans BIGINT NOT NULL DEFAULT 0,
    follows BIGINT NOT NULL DEFAULT 0,
    unfollows BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (code_id, day)
);
