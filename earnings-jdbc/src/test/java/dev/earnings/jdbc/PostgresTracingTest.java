package dev.earnings.jdbc;

/** The tracing suite on PostgreSQL, in a fresh schema of its own. */
class PostgresTracingTest extends TracingSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
