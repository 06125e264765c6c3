package dev.earnings.jdbc;

/** The metrics suite on PostgreSQL, in a fresh schema of its own. */
class PostgresMetricsTest extends MetricsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
