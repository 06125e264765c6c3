-- earnings schema, version 21 on PostgreSQL: row-level security on the insights' tables (V20),
-- as on every table of creator data (see V5).
--
-- Alerts name their creator: a creator reads their own, an admin and the service everything (the
-- checks that raise alerts run as one of those). Goals are the one table a creator writes: a
-- creator sets, replaces and deletes their own goals, and reads no other creator's; the checks
-- that mark a goal reached run as the service. The checked days are the library's own state, for
-- admins and the service only.
ALTER TABLE earnings_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON earnings_alerts FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY trusted_all ON earnings_alerts
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

ALTER TABLE earnings_goals ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_goals FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON earnings_goals FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY creator_inserts_own ON earnings_goals FOR INSERT
    WITH CHECK ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY creator_updates_own ON earnings_goals FOR UPDATE
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)))
    WITH CHECK ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY creator_deletes_own ON earnings_goals FOR DELETE
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY trusted_all ON earnings_goals
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

ALTER TABLE earnings_insight_runs ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_insight_runs FORCE ROW LEVEL SECURITY;
CREATE POLICY trusted_all ON earnings_insight_runs
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));
