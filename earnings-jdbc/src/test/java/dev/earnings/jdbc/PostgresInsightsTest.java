package dev.earnings.jdbc;

/** Insights on PostgreSQL. */
class PostgresInsightsTest extends InsightsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
