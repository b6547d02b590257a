-- What sendMsg resolves when the caller does not say, and the record of every send.
CREATE TABLE message_contents (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    -- JSON: [{"name","value","color"}]
    fields TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The template and the content used for an application on a port when the caller names
-- neither.
CREATE TABLE send_defaults (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    application_id BIGINT NOT NULL REFERENCES applications (id),
    port_id BIGINT NOT NULL REFERENCES ports (id),
    template_id TEXT NULL,
    content_id BIGINT NULL REFERENCES message_contents (id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (application_id, port_id)
);

-- Training messages (培训消息): a msgId of the training system and its template.
CREATE TABLE training_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    msg_id TEXT NOT NULL UNIQUE,
    template_id TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE message_sends (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL,
    msg_type BIGINT NOT NULL,
    user_id BIGINT NULL,
    port_id BIGINT NULL,
    app_id TEXT NOT NULL DEFAULT '',
    application_id BIGINT NULL,
    open_id TEXT NOT NULL DEFAULT '',
    template_id TEXT NOT NULL DEFAULT '',
    -- JSON: the parameters as asked, and what each rule resolved to.
    request TEXT NOT NULL,
    resolved TEXT NOT NULL,
    -- pending, sent, failed, unknown
    status TEXT NOT NULL,
    wx_msgid BIGINT NULL,
    errcode BIGINT NULL,
    error TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX message_sends_created ON message_sends (created_at);
CREATE INDEX message_sends_user ON message_sends (user_id, created_at);
