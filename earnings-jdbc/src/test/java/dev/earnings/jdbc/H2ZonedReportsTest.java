package dev.earnings.jdbc;

/** Reports in time zones and filtered, on H2. */
class H2ZonedReportsTest extends ZonedReportsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
