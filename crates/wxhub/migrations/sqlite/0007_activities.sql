-- Interactive activities (seed 000): orgs' meetings with their rosters, courses, activities of
-- type signin, lottery or message, and the members who joined them.
CREATE TABLE meetings (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX meetings_org ON meetings (org_id);

-- The roster: who may join an activity restricted to the meeting. A joining member matches by
-- member number (编号, the member_id clients send) or by phone (sealed; matched by its HMAC).
CREATE TABLE meeting_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    meeting_id BIGINT NOT NULL REFERENCES meetings (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    phone BLOB NULL,
    phone_hash TEXT NULL,
    member_no TEXT NULL,
    created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX meeting_members_phone ON meeting_members (meeting_id, phone_hash);
CREATE UNIQUE INDEX meeting_members_no ON meeting_members (meeting_id, member_no);

CREATE TABLE courses (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX courses_org ON courses (org_id);

CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id BIGINT NOT NULL REFERENCES orgs (id),
    -- signin, lottery or message
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    background TEXT NOT NULL DEFAULT '',
    logo TEXT NOT NULL DEFAULT '',
    music TEXT NOT NULL DEFAULT '',
    -- A meeting id whose roster may join; 0 = open to all.
    permission BIGINT NOT NULL DEFAULT 0,
    -- "name,phone", "name", "phone" or ''
    collect_info TEXT NOT NULL DEFAULT '',
    close_time BIGINT NULL,
    course_id BIGINT NULL REFERENCES courses (id),
    -- open or closed
    state TEXT NOT NULL DEFAULT 'open',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX activities_org ON activities (org_id, kind);
CREATE INDEX activities_course ON activities (course_id);

CREATE TABLE activity_members (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    icon TEXT NOT NULL DEFAULT '',
    nickname TEXT NOT NULL DEFAULT '',
    real_name TEXT NOT NULL DEFAULT '',
    phone BLOB NULL,
    phone_hash TEXT NULL,
    -- wx (the H5 page), course (the course server's sync), import
    source TEXT NOT NULL,
    joined_at BIGINT NOT NULL,
    signed_in_at BIGINT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (activity_id, member_id)
);
