-- Voting (投票) activities: each vote's settings, its options, and the ballots members cast
-- (a ballot's chosen options are rows of vote_choices, so that totals are one GROUP BY).
CREATE TABLE vote_settings (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    -- waiting (not opened yet), open or closed: the host opens and closes the voting
    status TEXT NOT NULL DEFAULT 'waiting',
    -- How many options a ballot may choose (1: a single choice).
    max_choices BIGINT NOT NULL DEFAULT 1,
    -- 1: a member may vote again each day (the zone's calendar day); 0: once.
    per_day BIGINT NOT NULL DEFAULT 0,
    -- 1: results are shown (screen, H5) only once the voting is closed.
    hide_results BIGINT NOT NULL DEFAULT 0,
    -- 1: the back office sees what was chosen, never by whom.
    anonymous BIGINT NOT NULL DEFAULT 0,
    -- How the big screen shows results: bars or ranking.
    screen_style TEXT NOT NULL DEFAULT 'bars',
    updated_at BIGINT NOT NULL
);

CREATE TABLE vote_options (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    label TEXT NOT NULL,
    image TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX vote_options_activity ON vote_options (activity_id, position);

CREATE TABLE vote_ballots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    -- The day voted ('yyyy-mm-dd') when a member may vote each day, else ''.
    day TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (activity_id, member_id, day)
);

CREATE TABLE vote_choices (
    ballot_id BIGINT NOT NULL REFERENCES vote_ballots (id) ON DELETE CASCADE,
    activity_id BIGINT NOT NULL,
    option_id BIGINT NOT NULL,
    PRIMARY KEY (ballot_id, option_id)
);
CREATE INDEX vote_choices_activity ON vote_choices (activity_id, option_id);
