-- earnings schema, version 17 on PostgreSQL: row-level security on the events outbox.
--
-- Events name their creator: a creator reads their own, an admin and the service everything (the
-- changes that write events run as one of those). The sequencer, the consumers' cursors and the
-- dead letters are the library's own delivery state, for admins and the service only.
ALTER TABLE earnings_events ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_events FORCE ROW LEVEL SECURITY;
CREATE POLICY creator_reads_own ON earnings_events FOR SELECT
    USING ((SELECT current_setting('earnings.caller_kind', true)) = 'creator'
        AND creator_id = (SELECT current_setting('earnings.creator_id', true)));
CREATE POLICY trusted_all ON earnings_events
    USING ((SELECT current_setting('earnings.caller_kind', true)) IN ('admin', 'service'));

DO $$
DECLARE
    t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['earnings_event_sequence', 'earnings_event_consumers', 'earnings_event_dead_letters'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY trusted_all ON %I'
            ' USING ((SELECT current_setting(''earnings.caller_kind'', true)) IN (''admin'', ''service''))', t);
    END LOOP;
END
$$;

-- The sequencer looks for the events it has not yet given a position, oldest first.
CREATE INDEX earnings_events_unsequenced ON earnings_events (id) WHERE position IS NULL;
