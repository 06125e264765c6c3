package dev.earnings.jdbc;

/** The events outbox and its consumers on PostgreSQL. */
class PostgresEventTest extends EventSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
