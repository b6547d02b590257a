-- Callback hardening. The (timestamp, nonce) of each accepted push, with its body's hash, for
-- the replay window: a captured query cannot carry another body (in plain mode the signature
-- does not cover the body), across restarts and instances. And, on fans, WeChat's time of the
-- subscribe or unsubscribe last applied, so that a late push cannot undo a newer one.
CREATE TABLE callback_nonces (
    app_id TEXT NOT NULL,
    timestamp BIGINT NOT NULL,
    nonce TEXT NOT NULL,
    body_hash TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    PRIMARY KEY (app_id, timestamp, nonce)
);
CREATE INDEX callback_nonces_received ON callback_nonces (received_at);

ALTER TABLE fans ADD COLUMN subscription_changed_at BIGINT NULL;
