-- earnings schema, version 15: room for notes and reasons of 2,000 code points. Runs unchanged on
-- H2 2.x and PostgreSQL 15+.
--
-- The library allows 2,000 code points in a payout's note and in a reason; a code point outside
-- the Basic Multilingual Plane is two UTF-16 units, and H2 counts a VARCHAR's length in those, so
-- a note of 2,000 emoji was refused by H2's VARCHAR(2000). Widening keeps every stored value.
ALTER TABLE earnings_transactions ALTER COLUMN note SET DATA TYPE VARCHAR(8000);
ALTER TABLE earnings_transactions ALTER COLUMN status_reason SET DATA TYPE VARCHAR(8000);
ALTER TABLE earnings_transaction_events ALTER COLUMN reason SET DATA TYPE VARCHAR(8000);
