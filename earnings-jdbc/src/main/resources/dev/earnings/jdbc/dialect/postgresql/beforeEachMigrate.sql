-- Runs before each migration, in its transaction: migrations read and write rows as the library's
-- own trusted work (the service scope), so that a later migration that moves data sees every row
-- although row-level security is forced on the tables' owner (see V5). Local to the transaction.
SELECT set_config('earnings.caller_kind', 'service', true), set_config('earnings.creator_id', '', true);
