-- Personal information (docs/privacy.md): the notice an org shows before its H5 pages collect a
-- name or phone (NULL: wxhub's default wording), and each member's consent to it: when, and
-- which version of the notice (the first 12 hex digits of SHA-256 of its text; '' when the
-- member joined without consenting, e.g. through a third-party page that sent none).
ALTER TABLE orgs ADD COLUMN privacy_notice TEXT NULL;
ALTER TABLE activity_members ADD COLUMN consent_at BIGINT NULL;
ALTER TABLE activity_members ADD COLUMN consent_version TEXT NOT NULL DEFAULT '';
