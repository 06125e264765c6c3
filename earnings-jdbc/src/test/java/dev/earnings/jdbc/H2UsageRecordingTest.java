package dev.earnings.jdbc;

/** The usage-recording suite on the embedded default database, H2. */
class H2UsageRecordingTest extends UsageRecordingSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
