-- Quizzes (答题): each quiz's questions, opened by the host one at a time for a limited time,
-- and the members' answers (one per question, final), scored when given.
CREATE TABLE quiz_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    text TEXT NOT NULL,
    -- single or multiple
    kind TEXT NOT NULL,
    -- The choices, a JSON array of strings (2 to 8), shown as A, B, C …
    choices TEXT NOT NULL,
    -- The correct choices' indexes (0 for A), comma-separated, ascending.
    correct TEXT NOT NULL,
    -- How long it is open, in seconds.
    seconds BIGINT NOT NULL,
    -- What a correct answer given at once scores (half of it given at the last moment).
    points BIGINT NOT NULL,
    -- waiting, open or closed (an open question whose time ran out counts as closed).
    state TEXT NOT NULL DEFAULT 'waiting',
    opened_at BIGINT NULL,
    closes_at BIGINT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX quiz_questions_activity ON quiz_questions (activity_id, position);

CREATE TABLE quiz_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id BIGINT NOT NULL REFERENCES activities (id) ON DELETE CASCADE,
    question_id BIGINT NOT NULL REFERENCES quiz_questions (id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    -- The chosen indexes, comma-separated, ascending.
    choices TEXT NOT NULL,
    correct BIGINT NOT NULL,
    score BIGINT NOT NULL,
    -- Milliseconds from the question's opening to the answer.
    elapsed_ms BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (question_id, member_id)
);
CREATE INDEX quiz_answers_member ON quiz_answers (activity_id, member_id);
