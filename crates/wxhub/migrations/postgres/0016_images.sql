-- Images uploaded for activities (background, logo): kept in the database so that every
-- instance serves them, known by the SHA-256 of their bytes (the same image uploaded twice is
-- stored once). Served at /media/{sha256}.{png|jpg|webp}.
CREATE TABLE images (
    sha256 TEXT PRIMARY KEY,
    -- image/png, image/jpeg or image/webp: decided from the bytes, never from the upload.
    content_type TEXT NOT NULL,
    bytes BYTEA NOT NULL,
    -- The org that first uploaded it.
    org_id BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
