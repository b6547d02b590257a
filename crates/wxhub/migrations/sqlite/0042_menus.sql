-- Custom menus (自定义菜单) per port: drafts kept in wxhub and published to WeChat — the menu
-- (kind 'default', one a port) through menu/create, and conditional menus (kind 'conditional',
-- with their match_rule) through menu/addconditional, whose menuid WeChat gives.
CREATE TABLE menus (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    port_id BIGINT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    -- What the operator calls it (a conditional menu's audience, say).
    name TEXT NOT NULL,
    -- The buttons as WeChat takes them (JSON), and a conditional menu's rule (JSON, '' else).
    buttons TEXT NOT NULL,
    match_rule TEXT NOT NULL,
    -- WeChat's menuid of a published conditional menu ('' until then).
    wechat_menu_id TEXT NOT NULL,
    -- When the draft as it stands was published (NULL: changed since, or never).
    published_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX menus_one_default ON menus (port_id) WHERE kind = 'default';
