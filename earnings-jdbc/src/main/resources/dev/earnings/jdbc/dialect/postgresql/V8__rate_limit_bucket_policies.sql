-- earnings schema, version 8 on PostgreSQL: row-level security on the shared rate limits' buckets.
--
-- Their keys name models (and hold HMACs of user ids), so no creator's transaction may read them.
-- Bucket4j reads and writes them on connections of its own, outside the library's transactions,
-- which name no caller: so, unlike the tables of creator data, this table lets through every
-- transaction except a creator's, rather than only the trusted ones.
ALTER TABLE earnings_rate_limit_buckets ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_rate_limit_buckets FORCE ROW LEVEL SECURITY;
CREATE POLICY not_creators ON earnings_rate_limit_buckets
    USING ((SELECT coalesce(current_setting('earnings.caller_kind', true), '')) <> 'creator');
