-- earnings schema, version 24: a pricing version and a payout's history row name their creator.
-- Runs unchanged on H2 2.x and PostgreSQL 15+.
--
-- Both belong to the creator of their model or payout, which never changes. Named on the row, a
-- creator's row-level security policy reads the row alone rather than another table (Citus refuses
-- policies with subqueries), and on Citus the history is placed with its payout by creator.
ALTER TABLE earnings_model_pricing ADD COLUMN creator_id VARCHAR(512);
UPDATE earnings_model_pricing SET creator_id = (SELECT m.creator_id FROM earnings_models m
    WHERE m.model_id = earnings_model_pricing.model_id);
ALTER TABLE earnings_model_pricing ALTER COLUMN creator_id SET NOT NULL;

ALTER TABLE earnings_transaction_events ADD COLUMN creator_id VARCHAR(512);
UPDATE earnings_transaction_events SET creator_id = (SELECT t.creator_id FROM earnings_transactions t
    WHERE t.id = earnings_transaction_events.transaction_id);
ALTER TABLE earnings_transaction_events ALTER COLUMN creator_id SET NOT NULL;
