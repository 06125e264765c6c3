-- A later migration that moves data, for PostgresRowLevelSecurityTest: it must see every
-- creator's rows and the settings, although row-level security is forced on the owner.
CREATE TABLE later_migration_counts AS SELECT
    (SELECT COUNT(*) FROM model_usage_logs) AS uses,
    (SELECT COUNT(*) FROM earnings_settings) AS settings,
    (SELECT COUNT(*) FROM earnings_creators) AS creators;
