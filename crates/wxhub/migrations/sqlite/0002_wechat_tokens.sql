-- WeChat access tokens shared by all instances (sealed), the leases that let one instance at a
-- time refresh a token, and the per-app daily counters that show a quota coming.
CREATE TABLE wechat_tokens (
    app_id TEXT PRIMARY KEY,
    token BLOB NOT NULL,
    expires_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE wechat_counters (
    app_id TEXT NOT NULL,
    counter TEXT NOT NULL,
    day BIGINT NOT NULL,
    total BIGINT NOT NULL,
    PRIMARY KEY (app_id, counter, day)
);
