-- Copies of members' avatars, kept because WeChat's avatar URLs stop working when people change
-- their avatar. Known by the SHA-256 of the source URL (hex, first 32 characters); fetched once,
-- only from WeChat's image hosts (the avatar_hosts setting). A failed fetch is kept too, with
-- its reason, so it is not tried again and again.
CREATE TABLE avatars (
    key TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    -- ok or failed
    state TEXT NOT NULL,
    -- image/png, image/jpeg or image/webp, from the bytes; empty when failed.
    content_type TEXT NOT NULL,
    bytes BLOB,
    error TEXT NOT NULL,
    fetched_at BIGINT NOT NULL
);
