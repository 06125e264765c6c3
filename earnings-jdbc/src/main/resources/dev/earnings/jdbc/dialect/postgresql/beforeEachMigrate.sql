-- Runs before each migration, in its transaction: migrations read and write rows as the library's
-- own trusted work (the service scope), so that a later migration that moves data sees every row
-- although row-level security is forced on the tables' owner (see V5). Local to the transaction.
-- SET LOCAL, not set_config: on Citus the workers' shards read the scope too, and Citus sends a
-- transaction's SET LOCAL commands on to them (with propagate_set_commands 'local'), never a
-- set_config. On PostgreSQL without Citus the first line sets a placeholder that nothing reads.
SET LOCAL citus.propagate_set_commands = 'local';
SET LOCAL earnings.caller_kind = 'service';
SET LOCAL earnings.creator_id = '';
