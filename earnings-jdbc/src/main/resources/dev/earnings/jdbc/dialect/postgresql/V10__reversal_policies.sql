-- earnings schema, version 10 on PostgreSQL: row-level security on reversals, as on every table
-- of creator data (see V5): a creator reads their own, an admin and the service everything.
ALTER TABLE earnings_reversals ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_reversals FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON earnings_reversals FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY trusted_all ON earnings_reversals
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));
