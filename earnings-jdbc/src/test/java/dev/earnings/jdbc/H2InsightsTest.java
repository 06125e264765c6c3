package dev.earnings.jdbc;

/** Insights on H2. */
class H2InsightsTest extends InsightsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
