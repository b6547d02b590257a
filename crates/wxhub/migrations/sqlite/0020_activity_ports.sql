-- Which official account an activity's H5 pages use: an activity may name its own port, else
-- the org's default port, else the org's only port. Both are checked against the org's grants
-- when used, so revoking a grant needs no cleanup here.
ALTER TABLE orgs ADD COLUMN default_port_id BIGINT NULL;
ALTER TABLE activities ADD COLUMN port_id BIGINT NULL;
