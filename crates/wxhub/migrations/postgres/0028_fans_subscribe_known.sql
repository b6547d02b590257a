-- Whether `subscribe` is known (1) or a default wxhub could not check (0): a fan first met
-- through the OAuth redirect while WeChat's subscriber info did not answer is stored as 0
-- (the seed's getFans has no third value) but not known, and campaigns still try it. Every
-- authoritative source (addFans, subscribe and unsubscribe pushes, the subscriber info) makes
-- it known. Rows written before are known.
ALTER TABLE fans ADD COLUMN subscribe_known BIGINT NOT NULL DEFAULT 1;
