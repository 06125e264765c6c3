package dev.earnings.jdbc;

/** Scheduled payouts on H2. */
class H2ScheduleTest extends ScheduleSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.h2();
    }
}
