-- Retention (docs/privacy.md): how many days after an activity ends its participants' personal
-- fields are kept — the activity's own setting, else its org's, else `privacy.retention_days`.
-- An activity ends at its close_time, or when it was closed (closed_at; closed ones are taken as
-- closed at their last change). personal_erased_at: when the erasure ran.
ALTER TABLE orgs ADD COLUMN retention_days BIGINT NULL;
ALTER TABLE activities ADD COLUMN retention_days BIGINT NULL;
ALTER TABLE activities ADD COLUMN closed_at BIGINT NULL;
ALTER TABLE activities ADD COLUMN personal_erased_at BIGINT NULL;
UPDATE activities SET closed_at = updated_at WHERE state = 'closed';
