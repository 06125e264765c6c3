-- earnings schema, version 4: every write carries the token of the call that made it.
--
-- A call whose commit was lost in transit cannot know whether it committed. It retries with the
-- same eventIds (or payout reference, or transition) and the same random token; a row it finds
-- with its own token was written by its own earlier attempt, so it reports success, not a replay
-- and not a refused transition. Rows written before this version have no token and are never
-- taken for a call's own. Adding a nullable column without a default rewrites no row on PostgreSQL.
ALTER TABLE model_usage_logs ADD COLUMN write_token BIGINT;
ALTER TABLE earnings_transactions ADD COLUMN write_token BIGINT;
ALTER TABLE earnings_transaction_events ADD COLUMN write_token BIGINT;
