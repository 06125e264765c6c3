-- earnings schema, version 23 on PostgreSQL: the usage log becomes a table partitioned by month of
-- occurred_at (declarative range partitioning), so that it stays fast at billions of rows: a
-- period's queries read its months only, each month's indexes stay the size of a month, and an old
-- month can be exported and removed whole (Admin.archiveUsage) while the totals and rollups, which
-- are kept apart from the rows, stay exact.
--
-- What changes in the keys: a partitioned table's unique indexes must contain the partition key.
--   * eventIds stay unique across all months through model_usage_events (V22), whose primary key
--     the write path inserts into in the same statement as the use's row;
--   * the primary key becomes (id, occurred_at): ids still come from one sequence;
--   * ordinals lose their unique constraint: they are given under the model's lock (the counter
--     row), which is what makes them exact; the integrity check counts distinct ordinals per model.
--
-- Months are created by earnings_usage_partition(month), which the library calls before it writes
-- a use of a month that has no partition yet (and for the current and next month when it starts).
-- It is SECURITY DEFINER, owned by the role that migrates, so the login the library runs as needs
-- no right to create tables; it creates nothing but a month of this table.
--
-- Existing rows are copied into their months: on a large usage log this migration takes a while
-- (about a minute per ten million rows) and blocks recording meanwhile.

ALTER TABLE model_usage_logs RENAME TO model_usage_logs_unpartitioned;
ALTER TABLE model_usage_logs_unpartitioned RENAME CONSTRAINT model_usage_logs_pkey TO model_usage_logs_unpartitioned_pkey;
ALTER TABLE model_usage_logs_unpartitioned RENAME CONSTRAINT model_usage_logs_event TO model_usage_logs_unpartitioned_event;
ALTER TABLE model_usage_logs_unpartitioned RENAME CONSTRAINT model_usage_logs_ordinal TO model_usage_logs_unpartitioned_ordinal;
ALTER INDEX model_usage_logs_creator_time RENAME TO model_usage_logs_unpartitioned_creator_time;
ALTER INDEX model_usage_logs_model_time RENAME TO model_usage_logs_unpartitioned_model_time;

CREATE SEQUENCE model_usage_log_ids;
SELECT setval('model_usage_log_ids', COALESCE((SELECT MAX(id) FROM model_usage_logs_unpartitioned), 0) + 1, false);

CREATE TABLE model_usage_logs (
    id                   BIGINT                   NOT NULL DEFAULT nextval('model_usage_log_ids'),
    event_id             VARCHAR(512)             NOT NULL,
    model_id             VARCHAR(512)             NOT NULL,
    creator_id           VARCHAR(512)             NOT NULL,
    user_id              VARCHAR(512)             NOT NULL,
    tokens_consumed      BIGINT                   NOT NULL,
    usage_type           VARCHAR(64)              NOT NULL,
    requested_usage_type VARCHAR(512)             NOT NULL,
    occurred_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    occurred_at_given    BOOLEAN                  NOT NULL,
    usage_day            DATE                     NOT NULL,
    recorded_at          TIMESTAMP WITH TIME ZONE NOT NULL,
    use_ordinal          BIGINT,
    prior_counted_uses   BIGINT                   NOT NULL,
    self_use             BOOLEAN                  NOT NULL,
    tier_index           INTEGER                  NOT NULL,
    tier_threshold       BIGINT                   NOT NULL,
    tier_multiplier      NUMERIC(15, 12)          NOT NULL,
    type_multiplier      NUMERIC(15, 12)          NOT NULL,
    pricing_version      INTEGER                  NOT NULL,
    token_part           NUMERIC(38, 12)          NOT NULL,
    base_amount          NUMERIC(38, 12)          NOT NULL,
    earnings             NUMERIC(38, 12)          NOT NULL,
    reason               VARCHAR(32),
    metadata             VARCHAR(16384),
    write_token          BIGINT,
    user_token_key       BIGINT,
    CONSTRAINT model_usage_logs_pkey PRIMARY KEY (id, occurred_at),
    CONSTRAINT model_usage_logs_model FOREIGN KEY (model_id) REFERENCES earnings_models (model_id),
    CONSTRAINT model_usage_logs_pricing FOREIGN KEY (model_id, pricing_version)
        REFERENCES earnings_model_pricing (model_id, version)
) PARTITION BY RANGE (occurred_at);
ALTER SEQUENCE model_usage_log_ids OWNED BY model_usage_logs.id;
-- The same indexes as before, on every month; eventId's is for look-ups within a month.
CREATE INDEX model_usage_logs_creator_time ON model_usage_logs (creator_id, occurred_at, id);
CREATE INDEX model_usage_logs_model_time ON model_usage_logs (model_id, occurred_at, id);
CREATE INDEX model_usage_logs_event ON model_usage_logs (event_id);

-- Creates the month of the usage log that starts on month_start (a first day of a month, UTC),
-- unless it exists; refuses a month that was archived. Returns whether it created it.
DO $do$
BEGIN
    EXECUTE format($f$
CREATE FUNCTION %1$I.earnings_usage_partition(month_start DATE) RETURNS BOOLEAN
LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $body$
DECLARE
    part TEXT := 'model_usage_logs_' || to_char(month_start, 'YYYY_MM');
BEGIN
    IF month_start IS NULL OR month_start <> date_trunc('month', month_start)::date
            OR month_start < DATE '1970-01-01' OR month_start > DATE '9999-11-01' THEN
        RAISE EXCEPTION 'not the first day of a month from 1970 to 9999: %%', month_start USING ERRCODE = '22023';
    END IF;
    -- One creator at a time: a second instance waits, then finds the month made.
    PERFORM pg_advisory_xact_lock(hashtext('earnings_usage_partition'));
    IF EXISTS (SELECT 1 FROM earnings_usage_archives a WHERE a.month_start = earnings_usage_partition.month_start) THEN
        RAISE EXCEPTION 'the uses of the month starting %% are archived', month_start USING ERRCODE = '22023';
    END IF;
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
        RETURN FALSE;
    END IF;
    EXECUTE format('CREATE TABLE %%I PARTITION OF model_usage_logs FOR VALUES FROM (%%L) TO (%%L)', part,
        month_start::timestamp AT TIME ZONE 'UTC', (month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC');
    -- Read and written through model_usage_logs only, whose policies apply; on its own a month
    -- shows no row to anyone but its owner.
    EXECUTE format('ALTER TABLE %%I ENABLE ROW LEVEL SECURITY', part);
    EXECUTE format('ALTER TABLE %%I FORCE ROW LEVEL SECURITY', part);
    RETURN TRUE;
END
$body$$f$, current_schema());

    -- Archives a month whose rows were exported: blocks writes to it (reads go on), checks that it
    -- holds the rows the export wrote, records what they add to each model, day and quarter hour,
    -- their users and ordinals per model-day and those of them that were reversed, registers the
    -- month, then detaches and drops its partition; all in the caller's transaction. Run as one
    -- function, as the owner, so that on Citus every change to the month's shards in the
    -- transaction is by one user (Citus refuses a query on shards another user changed in it).
    -- Returns what the month's uses earned.
    EXECUTE format($f$
CREATE FUNCTION %1$I.earnings_archive_usage_partition(month_start DATE, expected_rows BIGINT,
        archived_at TIMESTAMP WITH TIME ZONE, archived_by VARCHAR) RETURNS NUMERIC
LANGUAGE plpgsql SECURITY DEFINER SET search_path = %1$I, pg_temp AS $body$
DECLARE
    part TEXT := 'model_usage_logs_' || to_char(month_start, 'YYYY_MM');
    month_from TIMESTAMP WITH TIME ZONE := month_start::timestamp AT TIME ZONE 'UTC';
    month_to TIMESTAMP WITH TIME ZONE := (month_start + INTERVAL '1 month')::timestamp AT TIME ZONE 'UTC';
    found_rows BIGINT;
    earned NUMERIC(38, 12);
BEGIN
    IF month_start IS NULL OR month_start <> date_trunc('month', month_start)::date THEN
        RAISE EXCEPTION 'not the first day of a month: %%', month_start USING ERRCODE = '22023';
    END IF;
    -- Citus: its DDL after the inserts below must not follow parallel changes to the shards.
    PERFORM set_config('citus.multi_shard_modify_mode', 'sequential', true);
    -- A month that never had a partition (no use was written in it) is archived empty.
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
        EXECUTE format('LOCK TABLE %%I IN SHARE MODE', part);
    END IF;
    IF EXISTS (SELECT 1 FROM earnings_usage_archives a WHERE a.month_start = earnings_archive_usage_partition.month_start) THEN
        RAISE EXCEPTION 'the month starting %% is archived', month_start USING ERRCODE = '22023';
    END IF;
    -- Read through the parent, whose policies let the caller's service scope read every row (the
    -- partition on its own shows none: its row-level security is forced and has no policy).
    SELECT COUNT(*), COALESCE(SUM(u.earnings), 0) INTO found_rows, earned FROM model_usage_logs u
        WHERE u.occurred_at >= month_from AND u.occurred_at < month_to;
    IF found_rows <> expected_rows THEN
        RAISE EXCEPTION 'the month starting %% holds %% rows, not %%', month_start, found_rows, expected_rows
            USING ERRCODE = 'EA001';
    END IF;
    INSERT INTO earnings_archived_slots (model_id, slot, usage_type, usage_day, creator_id, uses, counted_uses,
            earning_uses, tokens, earnings)
        SELECT u.model_id, CAST(FLOOR(EXTRACT(EPOCH FROM u.occurred_at) / 900) AS BIGINT), u.usage_type,
            MIN(u.usage_day), MIN(u.creator_id), COUNT(*), COUNT(u.use_ordinal),
            SUM(CASE WHEN u.earnings > 0 THEN 1 ELSE 0 END), SUM(u.tokens_consumed), SUM(u.earnings)
        FROM model_usage_logs u WHERE u.occurred_at >= month_from AND u.occurred_at < month_to
        GROUP BY u.model_id, CAST(FLOOR(EXTRACT(EPOCH FROM u.occurred_at) / 900) AS BIGINT), u.usage_type;
    INSERT INTO earnings_archived_days (model_id, usage_day, creator_id, users, distinct_ordinals, first_ordinal,
            last_ordinal)
        SELECT u.model_id, u.usage_day, MIN(u.creator_id), COUNT(DISTINCT u.user_id), COUNT(DISTINCT u.use_ordinal),
            MIN(u.use_ordinal), MAX(u.use_ordinal)
        FROM model_usage_logs u WHERE u.occurred_at >= month_from AND u.occurred_at < month_to
        GROUP BY u.model_id, u.usage_day;
    INSERT INTO earnings_archived_uses (event_id, model_id, creator_id, usage_day, usage_type, earnings)
        SELECT u.event_id, u.model_id, u.creator_id, u.usage_day, u.usage_type, u.earnings
        FROM model_usage_logs u WHERE u.occurred_at >= month_from AND u.occurred_at < month_to
        AND EXISTS (SELECT 1 FROM earnings_reversals r WHERE r.event_id = u.event_id AND r.model_id = u.model_id);
    INSERT INTO earnings_usage_archives (month_start, uses, earnings, archived_at, archived_by)
        VALUES (month_start, found_rows, earned, archived_at, archived_by);
    IF to_regclass(quote_ident(part)) IS NOT NULL THEN
        EXECUTE format('ALTER TABLE model_usage_logs DETACH PARTITION %%I', part);
        EXECUTE format('DROP TABLE %%I', part);
    END IF;
    RETURN earned;
END
$body$$f$, current_schema());
END
$do$;

-- The months the existing rows fall in, and this month and the next.
SELECT earnings_usage_partition(m) FROM (
    SELECT DISTINCT CAST(date_trunc('month', occurred_at AT TIME ZONE 'UTC') AS DATE) AS m FROM model_usage_logs_unpartitioned
    UNION SELECT CAST(date_trunc('month', now() AT TIME ZONE 'UTC') AS DATE)
    UNION SELECT CAST(date_trunc('month', (now() AT TIME ZONE 'UTC') + INTERVAL '1 month') AS DATE)
) months ORDER BY m;

INSERT INTO model_usage_logs (id, event_id, model_id, creator_id, user_id, tokens_consumed, usage_type, requested_usage_type,
        occurred_at, occurred_at_given, usage_day, recorded_at, use_ordinal, prior_counted_uses, self_use, tier_index,
        tier_threshold, tier_multiplier, type_multiplier, pricing_version, token_part, base_amount, earnings, reason, metadata,
        write_token, user_token_key)
    SELECT id, event_id, model_id, creator_id, user_id, tokens_consumed, usage_type, requested_usage_type,
        occurred_at, occurred_at_given, usage_day, recorded_at, use_ordinal, prior_counted_uses, self_use, tier_index,
        tier_threshold, tier_multiplier, type_multiplier, pricing_version, token_part, base_amount, earnings, reason, metadata,
        write_token, user_token_key
    FROM model_usage_logs_unpartitioned;
DROP TABLE model_usage_logs_unpartitioned;

-- Row-level security as V5 gave the table before.
ALTER TABLE model_usage_logs ENABLE ROW LEVEL SECURITY;
ALTER TABLE model_usage_logs FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON model_usage_logs FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY trusted_all ON model_usage_logs
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

-- The eventIds and the archives: the library's own state, admins and the service only.
DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['model_usage_events', 'earnings_usage_archives', 'earnings_archived_slots',
            'earnings_archived_days', 'earnings_archived_uses'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY trusted_all ON %I'
            ' USING ((SELECT current_setting(''earnings.caller_kind'', true)) IN (''admin'', ''service''))', t);
    END LOOP;
END
$$;
