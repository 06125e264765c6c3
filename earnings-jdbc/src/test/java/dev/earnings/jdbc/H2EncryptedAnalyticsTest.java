package dev.earnings.jdbc;

/** The Analytics suite on H2, with user ids stored as tokens and metadata encrypted. */
class H2EncryptedAnalyticsTest extends AnalyticsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2().encrypted(TestKeys.generate());
    }
}
