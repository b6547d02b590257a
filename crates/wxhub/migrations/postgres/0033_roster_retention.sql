-- Rosters' retention (docs/privacy.md): a meeting's roster is deleted a number of days after its
-- last use — the end of the last activity restricted to it, or its last change when no activity
-- uses it. personal_erased_at: when the roster was last deleted (entries added later start a
-- new period, from their addition).
ALTER TABLE meetings ADD COLUMN personal_erased_at BIGINT NULL;
