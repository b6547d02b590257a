-- Shake races (摇一摇): each race's settings and the round being run, and every runner's
-- total per round. Phones send running totals; each server keeps them in memory and writes
-- them here a few times a second (a total only ever grows: the greater one is kept).
CREATE TABLE shake_races (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    -- waiting (never started), running (counting down until starts_at, then racing until
    -- ends_at) or ended (the host stopped it, or the places were filled).
    status TEXT NOT NULL DEFAULT 'waiting',
    -- Shakes to reach the finish line.
    target BIGINT NOT NULL DEFAULT 100,
    -- The longest the race runs, in seconds.
    seconds BIGINT NOT NULL DEFAULT 30,
    -- How many places win; the race ends when they are all taken.
    places BIGINT NOT NULL DEFAULT 3,
    -- The countdown before shaking counts, in seconds.
    countdown BIGINT NOT NULL DEFAULT 3,
    -- The round being run (each start is a new round; 0: never started).
    round BIGINT NOT NULL DEFAULT 0,
    starts_at BIGINT NULL,
    ends_at BIGINT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE shake_totals (
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    round BIGINT NOT NULL,
    member_id TEXT NOT NULL,
    total BIGINT NOT NULL,
    -- When the runner reached the target (the server's clock), else NULL.
    finished_at BIGINT NULL,
    -- How many of the runner's updates were cut to the highest possible rate.
    clamped BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (activity_id, round, member_id)
);
