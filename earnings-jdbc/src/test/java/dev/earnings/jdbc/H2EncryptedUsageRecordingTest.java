package dev.earnings.jdbc;

/** The UsageRecording suite on H2, with user ids stored as tokens and metadata encrypted. */
class H2EncryptedUsageRecordingTest extends UsageRecordingSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2().encrypted(TestKeys.generate());
    }
}
