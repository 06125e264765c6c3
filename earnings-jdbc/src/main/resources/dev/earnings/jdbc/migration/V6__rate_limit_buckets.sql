-- earnings schema, version 6: the buckets of rate limits shared across instances.
--
-- The layout of Bucket4j's PostgreSQL back-end with expiration (its select-for-update proxy
-- manager): a key, the bucket's serialized state, and when the bucket is full again (epoch
-- milliseconds). Keys are text: "user:" or "model:", a fingerprint of the configured rates, and an
-- HMAC of the user id or the model id, so no user id is stored here. Rows are written by Bucket4j
-- only when rate limits are shared; each instance removes rows past expires_at every ten minutes
-- (a table scan, so that the frequent bucket updates keep no index up to date). On H2, where
-- shared limits are refused, the table stays empty.
CREATE TABLE earnings_rate_limit_buckets (
    id VARCHAR(300) PRIMARY KEY,
    state BYTEA,
    expires_at BIGINT
);
