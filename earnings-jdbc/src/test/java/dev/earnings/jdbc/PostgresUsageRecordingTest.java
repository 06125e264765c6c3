package dev.earnings.jdbc;

/** The usage-recording suite on PostgreSQL, in a fresh schema of its own. */
class PostgresUsageRecordingTest extends UsageRecordingSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
