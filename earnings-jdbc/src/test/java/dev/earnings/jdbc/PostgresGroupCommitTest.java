package dev.earnings.jdbc;

/** Group commit on PostgreSQL. */
class PostgresGroupCommitTest extends GroupCommitSuite {
    @Override
    TestDatabase openDatabase() {
        return TestDatabase.postgres();
    }
}
