-- Campaigns (群发): one template message to a segment of people, sent as a durable job that
-- workers on any instance share (platform/campaigns/).
CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    -- The creator's org (an org-scoped client); NULL for the platform's clients.
    org_id BIGINT NULL,
    client_id TEXT NOT NULL,
    name TEXT NOT NULL,
    port_id BIGINT NOT NULL REFERENCES ports (id),
    template_id TEXT NOT NULL,
    -- JSON [{"name","value","color"}]; values hold {nickname}, {name}, {prize}, {activity}.
    fields TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    -- JSON {"appid","pagepath"}, or ''.
    mini_program TEXT NOT NULL DEFAULT '',
    -- JSON: how the recipients were chosen.
    segment TEXT NOT NULL,
    -- The {activity} placeholder's value (the segment's activity), or ''.
    activity_name TEXT NOT NULL DEFAULT '',
    -- scheduled, running, paused, waiting (WeChat's daily quota), cancelled, finished
    state TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    start_at BIGINT NOT NULL,
    -- waiting: when WeChat's daily quota resets.
    resume_at BIGINT NULL,
    -- JSON {"unsubscribed","noFan","duplicates","notWechat"}: who the segment held but the
    -- campaign leaves out.
    left_out TEXT NOT NULL DEFAULT '{}',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    finished_at BIGINT NULL
);
CREATE INDEX campaigns_state ON campaigns (state);

CREATE TABLE campaign_recipients (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
    open_id TEXT NOT NULL,
    user_id BIGINT NULL,
    nickname TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL DEFAULT '',
    prize TEXT NOT NULL DEFAULT '',
    -- pending, sending (leased to a worker), sent, failed, skipped, unknown
    state TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    -- pending: not before (a retry's backoff).
    next_at BIGINT NOT NULL DEFAULT 0,
    -- sending: the worker's lease.
    lease_until BIGINT NULL,
    -- The first claim: a send may have reached WeChat from then on.
    claimed_at BIGINT NULL,
    -- 1 once an attempt may have reached WeChat without its answer (a dropped connection, an
    -- expired lease): resent only with the same client_msg_id inside WeChat's dedup window.
    uncertain BIGINT NOT NULL DEFAULT 0,
    wx_msgid BIGINT NULL,
    errcode BIGINT NULL,
    error TEXT NOT NULL DEFAULT '',
    -- TEMPLATESENDJOBFINISH: success, user_block, system_failed
    delivery TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    UNIQUE (campaign_id, open_id)
);
CREATE INDEX campaign_recipients_work ON campaign_recipients (campaign_id, state, next_at);
CREATE INDEX campaign_recipients_msgid ON campaign_recipients (wx_msgid)
    WHERE wx_msgid IS NOT NULL;

-- The fleet's pace per port: the time the next send may start, reserved by each claim.
CREATE TABLE campaign_pacing (
    port_id BIGINT PRIMARY KEY,
    next_at BIGINT NOT NULL
);

-- Messages a second a port's campaigns may send (NULL: the `campaigns.rate` setting).
ALTER TABLE ports ADD COLUMN campaign_rate BIGINT NULL;
