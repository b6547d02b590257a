-- The lottery: prizes with stock, rounds committed before they are drawn (the seed's hash and
-- the participant list's hash published first, the seed revealed after), and winners.
CREATE TABLE prizes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    tier BIGINT NOT NULL DEFAULT 1,
    image TEXT NOT NULL DEFAULT '',
    stock BIGINT NOT NULL,
    awarded BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX prizes_activity ON prizes (activity_id);

CREATE TABLE lottery_rounds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    prize_id BIGINT NOT NULL REFERENCES prizes (id),
    winners_count BIGINT NOT NULL,
    exclude_winners BIGINT NOT NULL,
    -- committed, drawn
    state TEXT NOT NULL,
    seed_hash TEXT NOT NULL,
    list_hash TEXT NOT NULL,
    participants_count BIGINT NOT NULL,
    -- The sorted participant list, one member id per line (the published record).
    participants TEXT NOT NULL,
    -- Hex; sealed until the draw, revealed with it.
    seed_sealed BLOB NOT NULL,
    seed TEXT NULL,
    created_at BIGINT NOT NULL,
    drawn_at BIGINT NULL
);
CREATE INDEX lottery_rounds_activity ON lottery_rounds (activity_id);

CREATE TABLE lottery_winners (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    round_id BIGINT NOT NULL REFERENCES lottery_rounds (id) ON DELETE CASCADE,
    activity_id BIGINT NOT NULL,
    prize_id BIGINT NOT NULL,
    member_id TEXT NOT NULL,
    position BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (round_id, position)
);
CREATE INDEX lottery_winners_activity ON lottery_winners (activity_id, member_id);
