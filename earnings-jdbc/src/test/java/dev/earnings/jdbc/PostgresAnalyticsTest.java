package dev.earnings.jdbc;

/** Analytics and admin views on PostgreSQL. */
class PostgresAnalyticsTest extends AnalyticsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
