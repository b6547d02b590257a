-- The web console's human accounts and their sessions. A password is an argon2id hash; a
-- session is known by the SHA-256 of its random id (the cookie holds the id itself), so a
-- copy of the database opens no session. Sessions live here, not in a process: they work on
-- every instance and survive restarts.
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    -- platform_admin, org_admin or org_staff
    role TEXT NOT NULL,
    org_id BIGINT NULL REFERENCES orgs (id),
    disabled_at BIGINT NULL,
    password_changed_at BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE console_sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    -- The absolute end; an idle session ends earlier (console.session_idle_secs).
    expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_account ON console_sessions (account_id);
CREATE INDEX console_sessions_expires ON console_sessions (expires_at);
