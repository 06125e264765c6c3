-- earnings schema, version 5 on PostgreSQL: row-level security on every table with creator data.
--
-- The library names the caller at the start of every transaction, in two settings local to the
-- transaction (set_config(..., true)):
--   earnings.caller_kind  'creator', 'admin', or 'service' (the library's own trusted work:
--                         recording uses, the model registry, the integrity check, start-up)
--   earnings.creator_id   the creator's id when the kind is 'creator', else ''
-- A creator reads only their own rows and writes none; an admin and the service read and write
-- every row; only the service reads the settings (the pseudonym key). A transaction that names no
-- caller reads NULL or '' from both settings, matches no policy, and sees and writes nothing.
--
-- FORCE applies the policies to the tables' owner too, so a deployment that runs the library as
-- the owner is still filtered; only superusers and roles with BYPASSRLS pass them, and the library
-- refuses to run as one unless the host says it knowingly does. Migrations run in the service scope
-- (beforeEachMigrate.sql), so later migrations that move data still see every row.
--
-- Each setting is read through a scalar subquery, which PostgreSQL evaluates once per statement
-- (an init plan) instead of once per row, and which an index scan can use as a key.

-- Tables that name their creator: the same two policies on each.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['earnings_creators', 'earnings_models', 'model_creator_earnings', 'model_usage_logs',
            'model_analytics', 'model_daily_users', 'earnings_transactions'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY creator_reads_own ON %I FOR SELECT'
            ' USING ((SELECT current_setting(''earnings.caller_kind'', true)) = ''creator'''
            ' AND creator_id = (SELECT current_setting(''earnings.creator_id'', true)))', t);
        EXECUTE format('CREATE POLICY trusted_all ON %I'
            ' USING ((SELECT current_setting(''earnings.caller_kind'', true)) IN (''admin'', ''service''))', t);
    END LOOP;
END
$$;

-- Tables whose creator is that of the row they belong to: a model's pricing versions, a payout's
-- history. The subquery names the creator itself rather than leaning on the other table's policy.
ALTER TABLE earnings_model_pricing ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_model_pricing FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON earnings_model_pricing FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND model_id IN (SELECT m.model_id FROM earnings_models m
            WHERE m.creator_id = (SELECT current_setting('earnings.creator_id', true))));
CREATE POLICY trusted_all ON earnings_model_pricing
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

ALTER TABLE earnings_transaction_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_transaction_events FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON earnings_transaction_events FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND transaction_id IN (SELECT t.id FROM earnings_transactions t
            WHERE t.creator_id = (SELECT current_setting('earnings.creator_id', true))));
CREATE POLICY trusted_all ON earnings_transaction_events
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

-- The deployment's settings (the currency, the pseudonym key): the service only, never a creator
-- or an admin call.
ALTER TABLE earnings_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY service_only ON earnings_settings
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'service');

