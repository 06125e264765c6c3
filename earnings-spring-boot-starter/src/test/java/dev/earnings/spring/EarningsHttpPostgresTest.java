package dev.earnings.spring;

/**
 * The HTTP suite on PostgreSQL: a fresh schema for each application, migrated by the owner and run
 * by the runtime role, which row-level security filters. Run always: without its database it fails.
 */
class EarningsHttpPostgresTest extends EarningsHttpSuite {
    @Override
    TestDatabases.Fresh freshDatabase() {
        return TestDatabases.freshPostgres();
    }
}
