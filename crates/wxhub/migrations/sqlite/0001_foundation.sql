-- The foundation: orgs, API clients, JWT signing keys, ports (official accounts), applications.
-- Times are milliseconds since the Unix epoch (BIGINT) so one set of queries serves both backends.
CREATE TABLE orgs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE clients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    client_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    application_key TEXT NOT NULL,
    scope TEXT NOT NULL,
    org_id BIGINT NULL REFERENCES orgs (id),
    secret_hash TEXT NOT NULL,
    revoked_at BIGINT NULL,
    current_token TEXT NULL,
    current_token_exp BIGINT NULL,
    tokens_minted BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key BLOB NOT NULL,
    public_n TEXT NOT NULL,
    public_e TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    retired_at BIGINT NULL
);

CREATE TABLE ports (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    app_secret BLOB NULL,
    callback_token BLOB NULL,
    encoding_aes_key BLOB NULL,
    redirect_hosts TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE applications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    img TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT '',
    type_name TEXT NOT NULL DEFAULT '',
    app_type TEXT NOT NULL DEFAULT '1',
    enter_url TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL DEFAULT '0',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX applications_name ON applications (name);
