-- The OAuth redirect's state: a random value (WeChat accepts only a-zA-Z0-9, at most 128
-- bytes) that refers to the details kept here; single-use and expiring.
CREATE TABLE oauth_states (
    state TEXT PRIMARY KEY,
    port_id BIGINT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    redirect_path TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    used_at BIGINT NULL
);
CREATE INDEX oauth_states_expiry ON oauth_states (expires_at);
