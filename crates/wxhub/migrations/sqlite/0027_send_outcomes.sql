-- WeChat's answer to a send, apart from the send's record: the record is written once, before
-- WeChat is called, and never rewritten; the answer is a row of its own (on PostgreSQL an
-- update of the record wrote a new version of the whole row and of its three indexes, about
-- a third of the database's work per send). No foreign key: its check would lock the record's
-- row for every answer; the writers only ever answer a recorded send.
CREATE TABLE message_send_outcomes (
    id INTEGER PRIMARY KEY,
    -- sent, failed, unknown
    status TEXT NOT NULL,
    wx_msgid BIGINT NULL,
    errcode BIGINT NULL,
    error TEXT NOT NULL,
    at BIGINT NOT NULL
);

-- A record's status stays 'pending' now, so this index would hold every send.
DROP INDEX message_sends_pending;

-- How far back every send has been looked at by the sweep that marks sends cut short by a stop
-- (pending → unknown): each sweep reads from a little before this on, not the whole table.
CREATE TABLE send_sweeps (
    id BIGINT PRIMARY KEY,
    swept_before BIGINT NOT NULL
);
INSERT INTO send_sweeps (id, swept_before) VALUES (1, 0);

-- A send as it is known: its record, and WeChat's answer where there is one (sends recorded
-- before this migration carry their answer in the record).
CREATE VIEW message_sends_known AS
SELECT s.id, s.client_id, s.msg_type, s.user_id, s.port_id, s.app_id, s.application_id,
    s.open_id, s.template_id, s.request, s.resolved,
    CASE WHEN o.id IS NULL THEN s.status ELSE o.status END AS status,
    CASE WHEN o.id IS NULL THEN s.wx_msgid ELSE o.wx_msgid END AS wx_msgid,
    CASE WHEN o.id IS NULL THEN s.errcode ELSE o.errcode END AS errcode,
    CASE WHEN o.id IS NULL THEN s.error ELSE o.error END AS error,
    s.created_at,
    CASE WHEN o.id IS NULL THEN s.updated_at ELSE o.at END AS updated_at
FROM message_sends s LEFT JOIN message_send_outcomes o ON o.id = s.id;
