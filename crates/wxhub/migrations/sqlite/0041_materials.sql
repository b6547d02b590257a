-- The media library (素材库) per port: images uploaded through wxhub as WeChat's permanent
-- material (material/add_material), for image replies and menus. WeChat keeps the material;
-- wxhub keeps its media_id, WeChat's URL, and a copy of the bytes (images, by sha256) so that
-- the console can show it (WeChat serves its URLs only to its own pages).
CREATE TABLE materials (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    port_id BIGINT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    media_id TEXT NOT NULL,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    -- The copy: /media/{sha256}.{ext}.
    sha256 TEXT NOT NULL,
    ext TEXT NOT NULL,
    size BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX materials_media ON materials (port_id, media_id);
