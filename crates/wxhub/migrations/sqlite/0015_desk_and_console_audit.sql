-- Who signed a member in by hand at the check-in desk: the console account's username, or
-- the org client's id for the API; '' for a member who signed in themselves.
ALTER TABLE activity_members ADD COLUMN signed_in_by TEXT NOT NULL DEFAULT '';

-- The console's audit record: every action that changed something, by whom, on what, from
-- where. Read by the admins of the same scope (an org's admins see their org's rows).
CREATE TABLE console_audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id BIGINT NOT NULL,
    username TEXT NOT NULL,
    -- The org the action concerned; NULL for platform-wide actions.
    org_id BIGINT NULL,
    -- What was done (activity.create, desk.sign_in, lottery.draw, …)
    action TEXT NOT NULL,
    -- Which object (activity 12, round 3, …)
    object TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    address TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX console_audit_org ON console_audit (org_id, id);
