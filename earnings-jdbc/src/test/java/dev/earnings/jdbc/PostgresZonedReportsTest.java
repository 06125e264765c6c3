package dev.earnings.jdbc;

/** Reports in time zones and filtered, on PostgreSQL. */
class PostgresZonedReportsTest extends ZonedReportsSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
