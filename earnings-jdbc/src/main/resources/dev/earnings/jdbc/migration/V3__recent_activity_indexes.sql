-- earnings schema, version 3: recent activity reads only the rows it shows.
--
-- A dashboard lists the latest uses of a creator (or of one model) in a period, newest first,
-- ties broken by id. With id as the last key column the database walks the index backwards and
-- stops after the rows it needs; without it, it fetched and sorted every use of the period
-- (thousands per creator per month on a busy platform).
--
-- Rebuilding the two indexes blocks writes to model_usage_logs while it runs, for seconds per
-- million rows: on a large table, start the new version at a quiet moment.
DROP INDEX model_usage_logs_creator_time;
CREATE INDEX model_usage_logs_creator_time ON model_usage_logs (creator_id, occurred_at, id);
DROP INDEX model_usage_logs_model_time;
CREATE INDEX model_usage_logs_model_time ON model_usage_logs (model_id, occurred_at, id);
