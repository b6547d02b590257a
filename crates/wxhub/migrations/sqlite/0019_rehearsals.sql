-- Rehearsals: an activity's rehearsal runs on a copy of it (the shadow: the same kind and
-- look, its own members, events, lottery and wall), so that simulated data is never mixed into
-- the activity's exports or public results, and goes with one deletion. Shadows are left out
-- of the activity lists.
CREATE TABLE rehearsals (
    shadow_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    activity_id BIGINT NOT NULL UNIQUE REFERENCES activities (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL
);
