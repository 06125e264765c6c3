package dev.earnings.jdbc;

/** Analytics and admin views on H2. */
class H2AnalyticsTest extends AnalyticsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
