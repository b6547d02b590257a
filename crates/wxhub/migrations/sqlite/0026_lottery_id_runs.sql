-- Each transaction of a participant import also writes the ids it inserted, sorted by bytes,
-- one per line: a run. A lottery's commitment reads a million imported ids as a thousand
-- texts instead of a million rows (issue 17). A run is written and deleted in the
-- transactions that insert and delete its participants, so the runs of an activity always
-- hold exactly its imported ids. Existing participants become one run per activity.
CREATE TABLE lottery_id_runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    ids TEXT NOT NULL
);
CREATE INDEX lottery_id_runs_activity ON lottery_id_runs (activity_id);
INSERT INTO lottery_id_runs (activity_id, ids)
SELECT activity_id, group_concat(participant_id, char(10) ORDER BY participant_id)
FROM lottery_participants GROUP BY activity_id;
