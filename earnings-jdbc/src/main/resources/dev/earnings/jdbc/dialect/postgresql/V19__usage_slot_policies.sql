-- earnings schema, version 19 on PostgreSQL: row-level security on the quarter-hour rollups, as on
-- the daily rollups (V5): a creator reads their own rows, an admin and the service every row.
ALTER TABLE model_usage_slots ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_usage_slots FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON model_usage_slots FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY trusted_all ON model_usage_slots
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));
