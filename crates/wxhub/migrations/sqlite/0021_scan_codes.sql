-- Scan to sign in: a signin activity's parametric QR code, created through its official
-- account with the scene `wxhub-signin-<activity id>`. Scanning it makes WeChat push SCAN (or
-- subscribe with qrscene_) to the port's callback, which signs the person in.
CREATE TABLE scan_codes (
    activity_id BIGINT PRIMARY KEY REFERENCES activities (id) ON DELETE CASCADE,
    port_id BIGINT NOT NULL,
    scene TEXT NOT NULL,
    ticket TEXT NOT NULL,
    -- What the code encodes (http://weixin.qq.com/q/…); wxhub draws the code from it.
    url TEXT NOT NULL,
    -- NULL for a permanent code.
    expires_at BIGINT NULL,
    created_at BIGINT NOT NULL
);
