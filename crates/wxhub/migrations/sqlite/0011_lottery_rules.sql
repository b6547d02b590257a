-- The lottery's rules: whether an activity is a public promotion or internal, its published
-- prize rules, imported participants and their tags, designated winners (internal activities
-- only), eligibility by tags, redraws and resets, winner notices, and the audit record.
CREATE TABLE lottery_settings (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    -- promotion (no designated winners; rules published before the first draw) or internal
    purpose TEXT NOT NULL,
    -- The published rules (JSON) and their SHA-256, once published.
    rules TEXT NULL,
    rules_hash TEXT NULL,
    rules_published_at BIGINT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE lottery_participants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    -- "imp:" + 编号: the id the draw and its published list use.
    participant_id TEXT NOT NULL,
    name TEXT NOT NULL,
    phone BLOB NULL,
    phone_hash TEXT NULL,
    number TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (activity_id, participant_id)
);
CREATE UNIQUE INDEX lottery_participants_phone ON lottery_participants (activity_id, phone_hash);
-- An imported person who also joins (same phone) takes part once, as the member.
CREATE INDEX activity_members_phone ON activity_members (activity_id, phone_hash);

CREATE TABLE lottery_tags (
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (activity_id, participant_id, tag)
);

-- Comma-separated tags; empty = everyone may win the prize.
ALTER TABLE prizes ADD COLUMN eligible_tags TEXT NOT NULL DEFAULT '';

CREATE TABLE lottery_designated (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    prize_id BIGINT NOT NULL REFERENCES prizes (id) ON DELETE CASCADE,
    participant_id TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    -- The round that awarded it, once awarded.
    round_id BIGINT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (prize_id, participant_id)
);
CREATE INDEX lottery_designated_activity ON lottery_designated (activity_id);

-- draw, or redraw (replacing an absent winner)
ALTER TABLE lottery_rounds ADD COLUMN kind TEXT NOT NULL DEFAULT 'draw';
ALTER TABLE lottery_rounds ADD COLUMN replaces_winner_id BIGINT NULL;
-- The designated winners this round awards (one participant id per line), published with the
-- commitment; the random draw picks winners_count minus these.
ALTER TABLE lottery_rounds ADD COLUMN designated TEXT NOT NULL DEFAULT '';
ALTER TABLE lottery_rounds ADD COLUMN eligible_tags TEXT NOT NULL DEFAULT '';
ALTER TABLE lottery_rounds ADD COLUMN reset_reason TEXT NULL;
ALTER TABLE lottery_rounds ADD COLUMN reset_at BIGINT NULL;

ALTER TABLE lottery_winners ADD COLUMN designated BIGINT NOT NULL DEFAULT 0;
-- won, absent (replaced by a redraw) or reset (its round was reset)
ALTER TABLE lottery_winners ADD COLUMN state TEXT NOT NULL DEFAULT 'won';
ALTER TABLE lottery_winners ADD COLUMN reason TEXT NOT NULL DEFAULT '';
-- '', sent, failed or skipped
ALTER TABLE lottery_winners ADD COLUMN notice TEXT NOT NULL DEFAULT '';

-- Append-only: every rule, commitment, draw, designation, redraw, reset and notice.
CREATE TABLE lottery_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    round_id BIGINT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    actor TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX lottery_audit_activity ON lottery_audit (activity_id, id);
