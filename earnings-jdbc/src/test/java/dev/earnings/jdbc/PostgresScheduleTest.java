package dev.earnings.jdbc;

/** Scheduled payouts on PostgreSQL. */
class PostgresScheduleTest extends ScheduleSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
