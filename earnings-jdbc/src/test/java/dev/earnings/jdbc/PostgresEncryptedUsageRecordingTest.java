package dev.earnings.jdbc;

/** The UsageRecording suite on PostgreSQL, with user ids stored as tokens and metadata encrypted. */
class PostgresEncryptedUsageRecordingTest extends UsageRecordingSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres().encrypted(TestKeys.generate());
    }
}
