-- Correction ids once over all shards. earnings_reversals is distributed by model_id, so its unique
-- key (model_id, correction_id) keeps a correction id once per model only; two reversals of uses of
-- different models under one correction id would both be written. This table, distributed by
-- correction_id (as model_usage_events keeps eventIds), is written in the same transaction as the
-- reversal: its key is the last word, and a second reversal under the id waits for the first and
-- then fails its insert, is retried, and finds the first (Corrections.reverse). It also takes a
-- look-up by correction id to the one shard of its model.
CREATE TABLE earnings_correction_ids (
    correction_id VARCHAR(512) NOT NULL PRIMARY KEY,
    model_id      VARCHAR(512) NOT NULL
);
INSERT INTO earnings_correction_ids (correction_id, model_id) SELECT correction_id, model_id FROM earnings_reversals;
SELECT create_distributed_table('earnings_correction_ids', 'correction_id', colocate_with => 'none');
-- The library's own state: admins and the service only (as in V1, step 6).
ALTER TABLE earnings_correction_ids ENABLE ROW LEVEL SECURITY;
ALTER TABLE earnings_correction_ids FORCE ROW LEVEL SECURITY;
CREATE POLICY trusted_all ON earnings_correction_ids
    USING (current_setting('earnings.caller_kind', true) IN ('admin', 'service'));
