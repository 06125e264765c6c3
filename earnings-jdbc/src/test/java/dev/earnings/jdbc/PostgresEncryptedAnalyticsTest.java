package dev.earnings.jdbc;

/** The Analytics suite on PostgreSQL, with user ids stored as tokens and metadata encrypted. */
class PostgresEncryptedAnalyticsTest extends AnalyticsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres().encrypted(TestKeys.generate());
    }
}
