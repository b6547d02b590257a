-- Which ports (official accounts) an org's clients may use through the marketing API. Org
-- clients reach the marketing API only for their org's ports, and unified users only through
-- those ports' fans; `platform` and `platform-admin` clients reach every port.
CREATE TABLE org_ports (
    org_id BIGINT NOT NULL REFERENCES orgs (id) ON DELETE CASCADE,
    port_id BIGINT NOT NULL REFERENCES ports (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (org_id, port_id)
);
CREATE INDEX org_ports_port ON org_ports (port_id);

-- Existing clients keep working: until now every org client reached every port, so every
-- existing org is granted every existing port. Operators narrow this (admin API, CLI);
-- orgs and ports created from now on start with no grants.
INSERT INTO org_ports (org_id, port_id, created_at) SELECT o.id, p.id, 0 FROM orgs o CROSS JOIN ports p;
