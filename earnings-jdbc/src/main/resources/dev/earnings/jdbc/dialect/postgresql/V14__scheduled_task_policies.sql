-- earnings schema, version 14 on PostgreSQL: row-level security on the scheduled payouts' state.
--
-- db-scheduler reads and writes it on connections of its own, outside the library's transactions,
-- which name no caller: so, like the rate limits' buckets (V8), this table lets through every
-- transaction except a creator's. It names schedules, never a creator.
ALTER TABLE earnings_scheduled_tasks ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_scheduled_tasks FORCE ROW LEVEL SECURITY;
CREATE POLICY not_creators ON earnings_scheduled_tasks
    USING ((SELECT coalesce(current_setting('earnings.caller_kind', true), '')) <> 'creator');
