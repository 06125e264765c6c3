-- The earnings schema on Citus (13.0 or later): distributes the library's tables once its
-- migrations have run, when the host asks for it (Earnings.Builder.distributeOnCitus). Flyway runs
-- it outside a transaction (Citus places tables with statements of their own), as the login that
-- migrates, with its own history table (earnings_citus_history).
--
-- Placement:
--   distributed by model_id, colocated   earnings_models, earnings_model_pricing, model_creator_earnings,
--                                        model_usage_logs (partitioned by month), model_analytics,
--                                        model_daily_users, model_usage_slots, earnings_reversals,
--                                        earnings_alerts, earnings_archived_slots/_days/_uses
--   distributed by creator_id, colocated earnings_creators, earnings_goals, earnings_transactions,
--                                        earnings_transaction_events
--   distributed by event_id              model_usage_events (its key keeps an eventId once over all shards)
--   reference                            earnings_settings, earnings_usage_archives, earnings_insight_runs
--   Citus local (coordinator)            the event outbox and its sequence, consumers and dead letters
--                                        (one global order), the audit log (no distribution column),
--                                        db-scheduler's table, the rate-limit buckets
--
-- Row-level security: Citus refuses policies with subqueries, so every policy is recreated with
-- bare current_setting(...) (the same rules); the library names the caller with SET LOCAL on Citus,
-- which Citus sends to the workers. Later migrations must keep to what Citus accepts.

-- ------------------------------------------------------------------ 1. policies off (recreated in 6)
DO $$
DECLARE
    p record;
BEGIN
    FOR p IN SELECT tablename, policyname FROM pg_policies WHERE schemaname = current_schema() LOOP
        EXECUTE format('DROP POLICY %I ON %I', p.policyname, p.tablename);
    END LOOP;
END
$$;

-- Row-level security is FORCEd on the owner (V5..V23), and Citus copies a table's existing rows
-- into its new shards with COPY, which PostgreSQL refuses for a role the policies apply to:
-- distributing a schema that already holds rows failed at the first reference table with
-- "COPY FROM not supported with row-level security" (while executing command on 127.0.0.1:9700).
-- So FORCE is lifted for the placement and put back in step 6, on every table that has row-level
-- security on (which is every table that had FORCE, partitions included).
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
            AND c.relkind IN ('r', 'p') AND c.relforcerowsecurity LOOP
        EXECUTE format('ALTER TABLE %I NO FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;

-- ------------------------------------------------------------------ 2. foreign keys off (recreated in 5)
-- create_distributed_table refuses a table that references (or is referenced by) a table that is
-- not yet a Citus table of a compatible kind, so every foreign key is dropped and added back once
-- all tables are placed.
ALTER TABLE earnings_model_pricing      DROP CONSTRAINT earnings_model_pricing_model_id_fkey;
ALTER TABLE model_creator_earnings      DROP CONSTRAINT model_creator_earnings_model_id_fkey;
ALTER TABLE model_analytics             DROP CONSTRAINT model_analytics_model_id_fkey;
ALTER TABLE model_usage_slots           DROP CONSTRAINT model_usage_slots_model_id_fkey;
ALTER TABLE model_usage_logs            DROP CONSTRAINT model_usage_logs_model;
ALTER TABLE model_usage_logs            DROP CONSTRAINT model_usage_logs_pricing;
ALTER TABLE earnings_reversals          DROP CONSTRAINT earnings_reversals_model_id_fkey;
ALTER TABLE earnings_alerts             DROP CONSTRAINT earnings_alerts_model_id_fkey;
ALTER TABLE earnings_goals              DROP CONSTRAINT earnings_goals_creator_id_fkey;
ALTER TABLE earnings_transaction_events DROP CONSTRAINT earnings_transaction_events_transaction_id_fkey;
ALTER TABLE earnings_event_dead_letters DROP CONSTRAINT earnings_event_dead_letters_event_ref_fkey;

-- ------------------------------------------------------------------ 3. keys that must carry the distribution column
-- Citus: a unique or primary key of a distributed table must contain its distribution column.

-- Usage log (partitioned): (id, occurred_at) -> (id, occurred_at, model_id). id stays first so a
-- look-up by id still uses the key's index; (model_id, occurred_at, id) is model_usage_logs_model_time.
ALTER TABLE model_usage_logs DROP CONSTRAINT model_usage_logs_pkey;
ALTER TABLE model_usage_logs ADD CONSTRAINT model_usage_logs_pkey PRIMARY KEY (id, occurred_at, model_id);

-- Reversals, by model_id: id -> (model_id, id); correction_id unique per model only (a correction id
-- reused for a use of ANOTHER model is no longer refused by the database; see the report).
ALTER TABLE earnings_reversals DROP CONSTRAINT earnings_reversals_pkey;
ALTER TABLE earnings_reversals ADD CONSTRAINT earnings_reversals_pkey PRIMARY KEY (model_id, id);
ALTER TABLE earnings_reversals DROP CONSTRAINT earnings_reversals_correction;
ALTER TABLE earnings_reversals ADD CONSTRAINT earnings_reversals_correction UNIQUE (model_id, correction_id);

-- Archived reversed uses, by model_id: event_id -> (model_id, event_id) (event_ids stay unique
-- through model_usage_events).
ALTER TABLE earnings_archived_uses DROP CONSTRAINT earnings_archived_uses_pkey;
ALTER TABLE earnings_archived_uses ADD CONSTRAINT earnings_archived_uses_pkey PRIMARY KEY (model_id, event_id);

-- Payouts, by creator_id: id -> (creator_id, id). (creator_id, reference) is already unique.
ALTER TABLE earnings_transactions DROP CONSTRAINT earnings_transactions_pkey;
ALTER TABLE earnings_transactions ADD CONSTRAINT earnings_transactions_pkey PRIMARY KEY (creator_id, id);

-- Payout history, by creator_id: id -> (creator_id, id); its index on transaction_id gets creator_id first.
ALTER TABLE earnings_transaction_events DROP CONSTRAINT earnings_transaction_events_pkey;
ALTER TABLE earnings_transaction_events ADD CONSTRAINT earnings_transaction_events_pkey PRIMARY KEY (creator_id, id);
DROP INDEX earnings_transaction_events_tx;
CREATE INDEX earnings_transaction_events_tx ON earnings_transaction_events (creator_id, transaction_id);

-- ------------------------------------------------------------------ 4. placement
-- Reference tables (a copy on every node): small, read everywhere.
SELECT create_reference_table('earnings_settings');
SELECT create_reference_table('earnings_usage_archives');
SELECT create_reference_table('earnings_insight_runs');

-- Everything keyed by model, colocated with earnings_models.
SELECT create_distributed_table('earnings_models', 'model_id', colocate_with => 'none');
SELECT create_distributed_table('earnings_model_pricing', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('model_creator_earnings', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('model_analytics', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('model_daily_users', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('model_usage_slots', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('model_usage_logs', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('earnings_reversals', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('earnings_alerts', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('earnings_archived_slots', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('earnings_archived_days', 'model_id', colocate_with => 'earnings_models');
SELECT create_distributed_table('earnings_archived_uses', 'model_id', colocate_with => 'earnings_models');

-- Everything keyed by creator, colocated with earnings_creators.
SELECT create_distributed_table('earnings_creators', 'creator_id', colocate_with => 'none');
SELECT create_distributed_table('earnings_goals', 'creator_id', colocate_with => 'earnings_creators');
SELECT create_distributed_table('earnings_transactions', 'creator_id', colocate_with => 'earnings_creators');
SELECT create_distributed_table('earnings_transaction_events', 'creator_id', colocate_with => 'earnings_creators');

-- Every eventId, by eventId: its primary key keeps an eventId recorded once across all shards.
SELECT create_distributed_table('model_usage_events', 'event_id', colocate_with => 'none');

-- Bucket4j's buckets: a Citus local table. Distributed by id, Bucket4j's per-key statements ran
-- (INSERT ... ON CONFLICT DO NOTHING, SELECT ... WHERE id = ? FOR UPDATE, UPDATE ... WHERE id = ?),
-- but its removeExpired(), DELETE ... WHERE id IN (SELECT id ... WHERE expires_at < ? LIMIT ?
-- FOR UPDATE SKIP LOCKED), failed: "could not run distributed query with FOR UPDATE/SHARE commands".
-- (To distribute it instead, the library would sweep with a plain DELETE ... WHERE expires_at < ?,
-- which ran on the distributed table.)
SELECT citus_add_local_table_to_metadata('earnings_rate_limit_buckets');

-- Citus local tables (on the coordinator, in Citus' metadata, joinable with distributed tables):
-- the outbox needs one global order (unique position given in id order by one sequencer, event_id
-- and position unique across all rows); the audit log has a nullable creator_id (no distribution
-- column) and triggers refusing UPDATE/DELETE/TRUNCATE, which keep working on a Citus local table,
-- and db-scheduler's table is small and read by due time across all rows.
SELECT citus_add_local_table_to_metadata('earnings_events');
SELECT citus_add_local_table_to_metadata('earnings_event_sequence');
SELECT citus_add_local_table_to_metadata('earnings_event_consumers');
SELECT citus_add_local_table_to_metadata('earnings_event_dead_letters');
SELECT citus_add_local_table_to_metadata('earnings_audit_log');
SELECT citus_add_local_table_to_metadata('earnings_scheduled_tasks');

-- The rows a table held before it was distributed stay behind, unused, in the coordinator's shell
-- table (Citus: "HINT: To remove the local data, run: SELECT truncate_local_data_after_distributing_table(...)").
-- Removed here, before the foreign keys come back (the function refuses a table with foreign keys).
DO $$
DECLARE
    t regclass;
BEGIN
    -- hash-distributed (partmethod h) and reference tables (n with replication model t), not the
    -- Citus local ones (n, s), whose rows already live in their one shard
    FOR t IN SELECT p.logicalrelid FROM pg_catalog.pg_dist_partition p JOIN pg_catalog.pg_class c ON c.oid = p.logicalrelid
            WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r'
            AND (p.partmethod = 'h' OR (p.partmethod = 'n' AND p.repmodel = 't')) LOOP
        PERFORM truncate_local_data_after_distributing_table(t);
    END LOOP;
END
$$;

-- ------------------------------------------------------------------ 5. foreign keys back
ALTER TABLE earnings_model_pricing ADD CONSTRAINT earnings_model_pricing_model_id_fkey
    FOREIGN KEY (model_id) REFERENCES earnings_models (model_id);
ALTER TABLE model_creator_earnings ADD CONSTRAINT model_creator_earnings_model_id_fkey
    FOREIGN KEY (model_id) REFERENCES earnings_models (model_id);
ALTER TABLE model_analytics ADD CONSTRAINT model_analytics_model_id_fkey
    FOREIGN KEY (model_id) REFERENCES earnings_models (model_id);
ALTER TABLE model_usage_slots ADD CONSTRAINT model_usage_slots_model_id_fkey
    FOREIGN KEY (model_id) REFERENCES earnings_models (model_id);
-- NOT recreated: model_usage_logs_model (model_id -> earnings_models) and model_usage_logs_pricing
-- ((model_id, pricing_version) -> earnings_model_pricing). With either key on the distributed,
-- partitioned usage log, Citus 13.0.5 cannot create a new month: CREATE TABLE ... PARTITION OF
-- (what earnings_usage_partition runs) fails on the worker with "complex joins are only supported
-- when all distributed tables are co-located and joined on their distribution columns" (CONTEXT: the
-- foreign key's validation query SELECT fk."model_id" FROM ONLY "earnings"."model_usage_logs_2027_03" fk
-- LEFT OUTER JOIN ONLY "earnings"."earnings_models" pk ...); so does creating the month as a colocated
-- distributed table and attaching it. Without the two keys the month is created and distributed.
-- The write path only writes uses of models it has locked and read (registered), with their current
-- pricing version, so the keys were a safety net, not a rule the library relies on.
ALTER TABLE earnings_reversals ADD CONSTRAINT earnings_reversals_model_id_fkey
    FOREIGN KEY (model_id) REFERENCES earnings_models (model_id);
ALTER TABLE earnings_alerts ADD CONSTRAINT earnings_alerts_model_id_fkey
    FOREIGN KEY (model_id) REFERENCES earnings_models (model_id);
ALTER TABLE earnings_goals ADD CONSTRAINT earnings_goals_creator_id_fkey
    FOREIGN KEY (creator_id) REFERENCES earnings_creators (creator_id);
ALTER TABLE earnings_transaction_events ADD CONSTRAINT earnings_transaction_events_transaction_id_fkey
    FOREIGN KEY (creator_id, transaction_id) REFERENCES earnings_transactions (creator_id, id);
-- NOT recreated: earnings_event_dead_letters (event_ref) -> earnings_events (id). With any foreign key
-- on a Citus local table, Citus refuses to write it after a parallel multi-shard operation in the same
-- transaction: a write of uses of several models followed by the outbox insert failed with
-- "cannot modify table "earnings_events" because there was a parallel operation on a distributed
-- table" (DETAIL: When there is a foreign key to a reference table or to a local table, Citus needs
-- to perform all operations over a single connection per node). Without the key it runs. (The
-- alternative is SET LOCAL citus.multi_shard_modify_mode TO 'sequential' in every such transaction.)
-- EventDelivery.prune already keeps an event while a dead letter names it.

-- ------------------------------------------------------------------ 6. row-level security, without subqueries
-- Same rules as V5/V8/V10/V12/V14/V17/V19/V21/V23; current_setting() is called directly (it is
-- STABLE, so an index scan can still use it as a key; the init-plan form is what Citus refuses).
-- Sequential: the DO block is one transaction that creates policies on distributed tables (in
-- parallel, by default) and then on Citus local tables, which Citus refuses after a parallel
-- operation ("cannot modify table ... because there was a parallel operation on a distributed table").
SET citus.multi_shard_modify_mode TO 'sequential';
DO $$
DECLARE
    t text;
BEGIN
    -- Tables that name their creator: creators read their own, admins and the service all.
    FOREACH t IN ARRAY ARRAY['earnings_creators', 'earnings_models', 'earnings_model_pricing', 'model_creator_earnings',
            'model_usage_logs', 'model_analytics', 'model_daily_users', 'model_usage_slots', 'earnings_transactions',
            'earnings_transaction_events', 'earnings_reversals', 'earnings_events', 'earnings_alerts', 'earnings_goals'] LOOP
        EXECUTE format('CREATE POLICY creator_reads_own ON %I FOR SELECT'
            ' USING (current_setting(''earnings.caller_kind'', true) = ''creator'''
            ' AND creator_id = current_setting(''earnings.creator_id'', true))', t);
        EXECUTE format('CREATE POLICY trusted_all ON %I'
            ' USING (current_setting(''earnings.caller_kind'', true) IN (''admin'', ''service''))', t);
    END LOOP;
    -- The library's own state: admins and the service only.
    FOREACH t IN ARRAY ARRAY['earnings_audit_log', 'earnings_event_sequence', 'earnings_event_consumers',
            'earnings_event_dead_letters', 'earnings_insight_runs', 'model_usage_events', 'earnings_usage_archives',
            'earnings_archived_slots', 'earnings_archived_days', 'earnings_archived_uses'] LOOP
        EXECUTE format('CREATE POLICY trusted_all ON %I'
            ' USING (current_setting(''earnings.caller_kind'', true) IN (''admin'', ''service''))', t);
    END LOOP;
    -- Written on connections of Bucket4j and db-scheduler that name no caller: all but creators.
    FOREACH t IN ARRAY ARRAY['earnings_rate_limit_buckets', 'earnings_scheduled_tasks'] LOOP
        EXECUTE format('CREATE POLICY not_creators ON %I'
            ' USING (coalesce(current_setting(''earnings.caller_kind'', true), '''') <> ''creator'')', t);
    END LOOP;
END
$$;
CREATE POLICY service_only ON earnings_settings
    USING (current_setting('earnings.caller_kind', true) = 'service');
-- Goals: the one table a creator writes (their own).
CREATE POLICY creator_inserts_own ON earnings_goals FOR INSERT
    WITH CHECK (current_setting('earnings.caller_kind', true) = 'creator'
        AND creator_id = current_setting('earnings.creator_id', true));
CREATE POLICY creator_updates_own ON earnings_goals FOR UPDATE
    USING (current_setting('earnings.caller_kind', true) = 'creator'
        AND creator_id = current_setting('earnings.creator_id', true))
    WITH CHECK (current_setting('earnings.caller_kind', true) = 'creator'
        AND creator_id = current_setting('earnings.creator_id', true));
CREATE POLICY creator_deletes_own ON earnings_goals FOR DELETE
    USING (current_setting('earnings.caller_kind', true) = 'creator'
        AND creator_id = current_setting('earnings.creator_id', true));
-- FORCE back on every table with row-level security on (lifted in step 1), partitions included.
DO $$
DECLARE
    t text;
BEGIN
    FOR t IN SELECT c.relname FROM pg_class c WHERE c.relnamespace = current_schema()::regnamespace
            AND c.relkind IN ('r', 'p') AND c.relrowsecurity AND NOT c.relforcerowsecurity LOOP
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END
$$;
RESET citus.multi_shard_modify_mode;

-- ------------------------------------------------------------------ 7. the schema's grants on the workers
-- Citus creates the schema on the workers without the grants it has on the coordinator (those that
-- default privileges gave it), so the runtime login could not reach the shards ("permission denied
-- for schema"). Granting them again on the coordinator sends them to the workers.
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT DISTINCT a.grantee, a.privilege_type FROM pg_catalog.pg_namespace n,
            aclexplode(n.nspacl) a WHERE n.nspname = current_schema() AND a.grantee <> 0
            AND a.grantee <> n.nspowner LOOP
        EXECUTE format('GRANT %s ON SCHEMA %I TO %I', g.privilege_type, current_schema(), pg_get_userbyid(g.grantee));
    END LOOP;
END
$$;
