-- The marketing platform (seed 001): unified users (统一用户), fans (粉丝) per port, and the
-- access log that gives sendMsg its fallback port.
CREATE TABLE unified_users (
    id BIGINT PRIMARY KEY,
    union_id TEXT NOT NULL UNIQUE,
    -- Sealed with the secrets key; phone_hash (HMAC) compares and finds without opening it.
    phone BLOB NULL,
    phone_hash TEXT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX unified_users_phone ON unified_users (phone_hash);

CREATE TABLE fans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    port_id BIGINT NOT NULL REFERENCES ports (id),
    app_id TEXT NOT NULL,
    open_id TEXT NOT NULL,
    union_id TEXT NOT NULL DEFAULT '',
    user_id BIGINT NULL REFERENCES unified_users (id),
    subscribe BIGINT NOT NULL DEFAULT 0,
    nickname TEXT NOT NULL DEFAULT '',
    sex BIGINT NOT NULL DEFAULT 0,
    sex_desc TEXT NOT NULL DEFAULT '0',
    city TEXT NOT NULL DEFAULT '',
    country TEXT NOT NULL DEFAULT '',
    province TEXT NOT NULL DEFAULT '',
    language TEXT NOT NULL DEFAULT '',
    head_img_url TEXT NOT NULL DEFAULT '',
    subscribe_time BIGINT NULL,
    remark TEXT NOT NULL DEFAULT '',
    subscribe_scene TEXT NOT NULL DEFAULT '',
    qr_scene TEXT NOT NULL DEFAULT '0',
    qr_scene_str TEXT NOT NULL DEFAULT '',
    group_name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (app_id, open_id)
);
CREATE INDEX fans_user_port ON fans (user_id, port_id);
CREATE INDEX fans_union ON fans (union_id);

CREATE TABLE access_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES unified_users (id),
    port_id BIGINT NOT NULL REFERENCES ports (id),
    application_id BIGINT NOT NULL REFERENCES applications (id),
    created_at BIGINT NOT NULL
);
CREATE INDEX access_logs_latest ON access_logs (user_id, application_id, created_at);
